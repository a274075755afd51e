"""Each endpoint's contract: its request and its answers as pydantic models.

`@endpoint(...)` sits under a view's guard. It checks the body and the query
against their models before the view runs (a refusal is a 400 naming each
field) and hands the view the parsed models as `body=` and `query=`. Both
OpenAPI documents are generated from these contracts (`openapi_document`), and
under the tests every answer is checked against the model of its status
(`check_answer`), so a document cannot say one thing while the code does another.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import models_json_schema

from shopify_app.core.field_types import Answer, Model
from shopify_app.core.limits import MAX_ID, MAX_ROW_ID

JSON = "application/json"
# Where programs call: a refusal there is JSON even when no route matched.
API_PREFIXES = ("/api/", "/flow/", "/proxy/", "/surfaces/")


class OpenApiDocument(Answer):
    """A generated OpenAPI document (its own shape is OpenAPI's)."""

    model_config = ConfigDict(extra="allow")


class Refusal(BaseModel):
    """Every 4xx and 5xx: a code for programs, a sentence for people, and per field what is wrong."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str
    fields: dict[str, str] | None = None


# What each way of calling needs, the refusal its guard gives, and its name in the documents.
SECURITY: dict[str, tuple[list[dict], str | None]] = {
    "session": ([{"sessionToken": []}], "missing, forged or expired session token, or shop not installed"),
    "proxy": ([{"appProxySignature": []}], "not signed by Shopify's app proxy, or the shop is not installed"),
    "shopper": ([{"appProxySignature": []}], "not signed by Shopify's app proxy, or no customer is logged in"),
    "api_key": ([{"apiKey": []}], "no key, a revoked key, or a key that may not call this action"),
    "flow": ([{"flowHmac": []}], "X-Shopify-Hmac-Sha256 does not match the body"),
    "customer_account": (
        [{"customerAccountSessionToken": []}],
        "missing, forged or expired session token, the shop not installed, or no customer signed in",
    ),
    "order_status": (
        [{"checkoutSessionToken": []}, {"customerAccountSessionToken": []}],
        "missing, forged or expired session token, or the shop not installed",
    ),
    "pos": ([{"posSessionToken": []}], "missing, forged or expired session token, not a staff member's, or the shop not installed"),
    "public": ([], None),
}
# Whose 400s are read by shoppers as they are (no field names in the sentence).
SHOPPERS = ("proxy", "shopper", "customer_account", "order_status")
SECURITY_SCHEMES = {
    "sessionToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (Shopify App Bridge session token)"},
    "appProxySignature": {
        "type": "apiKey",
        "in": "query",
        "name": "signature",
        "description": "Shopify's app proxy signs the query (shop, logged_in_customer_id, path_prefix, timestamp)",
    },
    "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "a Perks API key the merchant made in the admin"},
    "flowHmac": {"type": "apiKey", "in": "header", "name": "X-Shopify-Hmac-Sha256", "description": "Shopify Flow's HMAC of the body"},
    "customerAccountSessionToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT (customer account UI extension's sessionToken.get(); the customer is its `sub` alone)",
    },
    "checkoutSessionToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT (checkout UI extension's sessionToken.get() on the thank-you page; `sub` the customer, none for a guest)",
    },
    "posSessionToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT (POS UI extension's session.getSessionToken(): a staff member of the shop)",
    },
}


@dataclass(frozen=True)
class Contract:
    summary: str
    security: str
    body: type[Model] | None = None
    query: type[Model] | None = None
    ok: int = 200
    answer: type[BaseModel] | None = None
    returns: str | None = JSON
    refusals: dict[int, str] = field(default_factory=dict)
    headers: tuple[dict, ...] = ()
    raw_body: dict | None = None
    path: dict[str, dict] = field(default_factory=dict)  # a string path parameter's schema, by name
    body_required: bool = True
    invalid: str = "invalid"
    description: str = ""

    def statuses(self, rule: str) -> dict[int, str]:
        """Every status this endpoint, served at `rule`, answers with, and why."""
        known = {self.ok: "OK"}
        if any(converter in PATH_SCHEMAS for converter, _ in PATH_PARAMETER.findall(rule)):
            known[404] = "nothing of that id in this shop, or not an id"
        if self.body or self.query or self.raw_body or self.headers:
            known[400] = "invalid input; `fields` names each field's problem"
        if SECURITY[self.security][1]:
            known[401] = SECURITY[self.security][1]
        return known | self.refusals


class ContractBroken(AssertionError):
    """An answer the contract does not describe: raised under the tests only."""


def endpoint(summary: str, *, security: str, **details: Any) -> Callable:
    """Declare a view's contract (see Contract) and check its input against it."""
    contract = Contract(summary, security, **details)

    def declare(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            try:
                if contract.body is not None:
                    kwargs["body"] = _parsed_body(contract)
                if contract.query is not None:
                    # Only the model's own names: Shopify's app proxy adds its signed ones (shop, timestamp, ...)
                    given = {name: value for name, value in request.args.items() if name in contract.query.model_fields}
                    kwargs["query"] = contract.query.model_validate(given, strict=False)
            except ValidationError as error:
                return refuse_invalid(error, contract.invalid, for_shoppers=contract.security in SHOPPERS)
            return view(*args, **kwargs)

        checked.contract = contract  # type: ignore[attr-defined]
        return checked

    return declare


def _parsed_body(contract: Contract) -> Model | None:
    raw = request.get_data(cache=True)
    if not raw.strip() and not contract.body_required:
        return None
    assert contract.body is not None
    return contract.body.model_validate_json(raw or b"null")


def refuse_invalid(error: ValidationError, code: str = "invalid", *, for_shoppers: bool = False) -> tuple[Response, int]:
    """A 400 naming each field; the launcher shows `message` to the shopper as it is, so theirs has no field names."""
    fields: dict[str, str] = {}
    for problem in error.errors(include_url=False):
        name = ".".join(str(part) for part in problem["loc"]) or "body"
        fields.setdefault(name, sentence(problem))
    message = " ".join(fields.values()) if for_shoppers else "; ".join(f"{spoken(name)} {text}" for name, text in fields.items())
    return jsonify(error=code, message=message, fields=fields), 400


def spoken(field: str) -> str:
    """A field's name as a sentence starts with it: `points_cost` → "Points cost", `tiers.0.threshold` → "Tiers 1 threshold"."""
    words = " ".join(str(int(part) + 1) if part.isdigit() else part.replace("_", " ") for part in field.split("."))
    return words[:1].upper() + words[1:]


# pydantic's words for a broken bound ("Input should be greater than or equal to 0") as a merchant would say them.
SENTENCES: dict[str, str] = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must be at least {min_length} characters",
    "missing": "is required",
    "extra_forbidden": "is not something this takes",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "decimal_max_places": "must have at most {decimal_places} decimals",
    "literal_error": "must be one of {expected}",
    "date_type": "must be a date as YYYY-MM-DD",
    "date_parsing": "must be a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date as YYYY-MM-DD",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
    "too_long": "must have at most {max_length} items",
    "string_pattern_mismatch": "is not in the expected form",
    "json_invalid": "is not JSON",
}


def sentence(problem: dict) -> str:
    """One problem pydantic found, in words a merchant or a developer reads at a glance."""
    if problem["type"] == "value_error":  # our own validators' sentences, without pydantic's prefix
        return str(problem["ctx"]["error"])
    if problem["type"] == "string_too_short" and problem.get("ctx", {}).get("min_length") == 1:
        return "must not be empty"
    template = SENTENCES.get(problem["type"])
    if template is None:
        return problem["msg"]
    context = {
        name: f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else value for name, value in problem.get("ctx", {}).items()
    }
    return template.format(**context)


def contract_of(app: Flask, endpoint_name: str) -> Contract | None:
    view = app.view_functions.get(endpoint_name)
    return getattr(view, "contract", None)


def check_answer(response: Response) -> Response:
    """after_request under the tests: the answer is one the endpoint's contract describes, in its shape."""
    contract = contract_of(current_app, request.endpoint or "")
    if contract is None or request.method == "OPTIONS" or response.status_code in (405, 413, 429):
        return response  # no contract here, a CORS preflight, or refused before the view by Werkzeug or the rate limit
    where = f"{request.method} {request.path} answered {response.status_code}"
    if response.status_code not in contract.statuses(request.url_rule.rule if request.url_rule else ""):
        raise ContractBroken(f"{where}, a status its contract does not list")
    if response.status_code != contract.ok:
        model: type[BaseModel] | None = Refusal
    else:
        model = contract.answer if contract.returns == JSON else None
    if model is not None:
        try:
            model.model_validate(response.get_json(silent=True))
        except ValidationError as error:
            raise ContractBroken(f"{where} with a body its contract does not describe: {error}") from None
    return response


# ---------------------------------------------------------------------------
# The OpenAPI documents

PATH_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
STRING = {"type": "string"}
PATH_SCHEMAS = {
    "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "row": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID},
}


def openapi_path(rule: str) -> str:
    """Flask's /api/members/<id:customer_id> as OpenAPI's /api/members/{customer_id}."""
    return PATH_PARAMETER.sub(lambda match: "{" + match.group(2) + "}", rule)


def openapi_document(app: Flask, prefixes: Iterable[str], info: dict) -> dict:
    """The document of every route under `prefixes`, from the routes' contracts (a route without one is a bug)."""
    operations: list[tuple[str, str, Contract, str]] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(tuple(prefixes)):
            continue
        contract = contract_of(app, rule.endpoint)
        if contract is None:
            raise LookupError(f"{rule.rule} ({rule.endpoint}) has no contract")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append((rule.rule, method.lower(), contract, rule.endpoint))

    inputs = {m for _, _, c, _ in operations for m in (c.body, c.query) if m is not None}
    outputs = {c.answer for _, _, c, _ in operations if c.answer is not None} | {Refusal}
    keyed = [(model, "validation") for model in sorted(inputs, key=lambda m: m.__name__)]
    keyed += [(model, "serialization") for model in sorted(outputs, key=lambda m: m.__name__)]
    refs, top = models_json_schema(keyed, ref_template="#/components/schemas/{model}")

    paths: dict[str, dict] = {}
    for rule, method, contract, name in operations:
        paths.setdefault(openapi_path(rule), {})[method] = _operation(rule, contract, name, refs)
    return {
        "openapi": "3.1.0",
        "info": info,
        "paths": paths,
        "components": {"schemas": top.get("$defs", {}), "securitySchemes": SECURITY_SCHEMES},
    }


def _operation(rule: str, contract: Contract, name: str, refs: dict) -> dict:
    operation: dict[str, Any] = {"operationId": name, "summary": contract.summary, "security": SECURITY[contract.security][0]}
    if contract.description:
        operation["description"] = contract.description
    parameters = [
        {"name": param, "in": "path", "required": True, "schema": PATH_SCHEMAS.get(converter) or contract.path.get(param, STRING)}
        for converter, param in PATH_PARAMETER.findall(rule)
    ]
    if contract.query is not None:
        schema = contract.query.model_json_schema(ref_template="#/components/schemas/{model}")
        for param, param_schema in schema.get("properties", {}).items():
            described = {"name": param, "in": "query", "required": param in schema.get("required", []), "schema": param_schema}
            if "description" in param_schema:
                described["description"] = param_schema["description"]
            parameters.append(described)
    parameters += list(contract.headers)
    if parameters:
        operation["parameters"] = parameters
    if contract.body is not None:
        body_schema = refs[(contract.body, "validation")]
        operation["requestBody"] = {"required": contract.body_required, "content": {JSON: {"schema": body_schema}}}
    elif contract.raw_body is not None:
        operation["requestBody"] = {"required": True, "content": contract.raw_body}
    responses: dict[str, dict] = {}
    for status, why in sorted(contract.statuses(rule).items()):
        if status == contract.ok:
            responses[str(status)] = _ok(contract, refs)
        else:
            responses[str(status)] = {"description": why, "content": {JSON: {"schema": refs[(Refusal, "serialization")]}}}
    operation["responses"] = responses
    return operation


def _ok(contract: Contract, refs: dict) -> dict:
    if contract.returns is None:
        return {"description": "OK"}
    if contract.returns != JSON:
        return {"description": "OK", "content": {contract.returns: {"schema": {"type": "string"}}}}
    schema = refs[(contract.answer, "serialization")] if contract.answer else {}
    return {"description": "OK", "content": {JSON: {"schema": schema}}}
