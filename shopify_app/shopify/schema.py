"""Shopify's published Admin GraphQL schema, and validation against it.

The schema is the introspection result Shopify ships inside
``@shopify/dev-mcp`` (its data files, unpacked into .schema/ by ``make install``), for the pinned API_VERSION.
Every document Perks sends is checked against it in tests, and the local fake
Admin API rejects invalid documents/variables with the error shapes Shopify's
graphql-ruby server answers, so a typo fails locally exactly as it would live.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    build_client_schema,
    parse,
    specified_rules,
    visit,
)
from graphql import (
    validate as graphql_validate,
)
from graphql.execution.values import get_variable_values
from graphql.language import print_ast
from graphql.pyutils import inspect

from shopify_app.shopify.version import API_VERSION

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO_ROOT / ".schema"


class SchemaNotInstalled(RuntimeError):
    """The Admin schema file is missing: the Node dev dependencies are not installed."""


def schema_path(version: str = API_VERSION) -> Path:
    return SCHEMA_DIR / f"admin_{version}.json.gz"


_lock = threading.Lock()
_schemas: dict[str, GraphQLSchema] = {}
# version -> {(type, None) or (type, field): the schema's `requiredAccess` note}
_access_notes: dict[str, dict[tuple[str, str | None], str]] = {}


def get_schema(version: str = API_VERSION) -> GraphQLSchema:
    """The built Admin schema for ``version``, built once per process."""
    with _lock:
        if version not in _schemas:
            _schemas[version] = _build(version)
        return _schemas[version]


def _build(version: str) -> GraphQLSchema:
    path = schema_path(version)
    if not path.exists():
        raise SchemaNotInstalled(
            f"Shopify Admin schema {version} not found at {path}; run `make install` in {REPO_ROOT}"
        )
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        introspection = json.load(fh)
    introspection = introspection.get("data", introspection)
    _access_notes[version] = _read_access_notes(introspection["__schema"])
    # graphql-core's schema self-check rejects Shopify's schema over deprecation
    # mismatches between interfaces and implementations (e.g. Node.id); that is
    # a property of Shopify's schema, not of our documents, so skip only that.
    # Documents are always validated against it below.
    schema = build_client_schema(introspection, assume_valid=True)
    _tighten_custom_scalars(schema)
    return schema


# --- custom scalars -----------------------------------------------------------
# build_client_schema gives custom scalars an identity coercion; Shopify rejects
# malformed Decimals, dates and unsigned ints, so the fake must too.


def _parse_decimal(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"invalid decimal: {inspect(value)}")
    try:
        Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"invalid decimal '{value}'") from exc
    return value


def _parse_datetime(value: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError(f"invalid date {inspect(value)}")
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"invalid date '{value}'") from exc
    return value


def _parse_unsigned(value: Any) -> Any:
    if isinstance(value, bool) or not re.fullmatch(r"\d+", str(value)):
        raise ValueError(f"Invalid value {inspect(value)} for UnsignedInt64")
    return value


_SCALAR_PARSERS: dict[str, Callable[[Any], Any]] = {
    "Decimal": _parse_decimal,
    "DateTime": _parse_datetime,
    "UnsignedInt64": _parse_unsigned,
}


def _tighten_custom_scalars(schema: GraphQLSchema) -> None:
    for name, parser in _SCALAR_PARSERS.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            # graphql-core 3.3 coerces through coerce_input_value; parse_value is legacy.
            scalar.coerce_input_value = parser  # type: ignore[method-assign]
            scalar.parse_value = parser  # type: ignore[method-assign]


# --- validation ---------------------------------------------------------------

ShopifyError = dict[str, Any]


def validate(document: str, variables: dict[str, Any] | None = None) -> list[ShopifyError]:
    """Errors Shopify would answer for ``document`` with ``variables``; [] when valid."""
    try:
        ast = parse(document)
    except GraphQLError as exc:
        return [_syntax_error(exc)]
    errors = _document_errors(document)
    if errors:
        return [dict(e) for e in errors]
    return variable_errors(ast, variables or {})


def validate_document(document: str) -> list[ShopifyError]:
    """Static errors only (no variables): what every stored document must pass."""
    try:
        parse(document)
    except GraphQLError as exc:
        return [_syntax_error(exc)]
    return [dict(e) for e in _document_errors(document)]


def _syntax_error(exc: GraphQLError) -> ShopifyError:
    # graphql-ruby answers parse failures without an extensions code.
    return {"message": f"syntax error, {exc.message}", "locations": _locations(exc)}


@lru_cache(maxsize=512)
def _document_errors(document: str) -> tuple[ShopifyError, ...]:
    # Static validation depends only on the text, so it is cached per document.
    ast = parse(document)
    schema = get_schema()
    paths = _node_paths(ast)
    out: list[ShopifyError] = []
    for rule in specified_rules:
        for err in graphql_validate(schema, ast, [rule]):
            out.append(_static_error(rule.__name__, err, paths))
    return tuple(out)


def _locations(err: GraphQLError) -> list[dict[str, int]]:
    return [{"line": loc.line, "column": loc.column} for loc in err.locations or []]


def _node_paths(ast: DocumentNode) -> dict[int, list[str]]:
    """Map id(node) -> graphql-ruby style path (``["query Shop", "shop", "foo"]``)."""
    paths: dict[int, list[str]] = {}

    class PathVisitor(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            label = node.operation.value
            self.stack.append(f"{label} {node.name.value}" if node.name else label)
            paths[id(node)] = list(self.stack)

        def leave_operation_definition(self, *_: Any) -> None:
            self.stack.pop()

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
            self.stack.append(f"fragment {node.name.value}")
            paths[id(node)] = list(self.stack)

        def leave_fragment_definition(self, *_: Any) -> None:
            self.stack.pop()

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            self.stack.append(node.alias.value if node.alias else node.name.value)
            paths[id(node)] = list(self.stack)

        def leave_field(self, *_: Any) -> None:
            self.stack.pop()

        def enter_argument(self, node: Any, *_: Any) -> None:
            paths[id(node)] = [*self.stack, node.name.value]
            paths[id(node.value)] = paths[id(node)]  # literal errors point at the value

        def enter_variable_definition(self, node: Any, *_: Any) -> None:
            paths[id(node)] = list(self.stack)

    visit(ast, PathVisitor())
    return paths


# graphql-core message -> (graphql-ruby message, extensions); first match wins.
_TRANSLATIONS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], tuple[str, dict]]]] = [
    (
        "FieldsOnCorrectTypeRule",
        re.compile(r"Cannot query field '(?P<f>[^']+)' on type '(?P<t>[^']+)'"),
        lambda m: (
            f"Field '{m['f']}' doesn't exist on type '{m['t']}'",
            {"code": "undefinedField", "typeName": m["t"], "fieldName": m["f"]},
        ),
    ),
    (
        "KnownArgumentNamesRule",
        re.compile(r"Unknown argument '(?P<a>[^']+)' on field '(?P<t>[^.']+)\.(?P<f>[^']+)'"),
        lambda m: (
            f"Field '{m['f']}' doesn't accept argument '{m['a']}'",
            {"code": "argumentNotAccepted", "name": m["f"], "typeName": "Field",
             "argumentName": m["a"]},
        ),
    ),
    (
        "ProvidedRequiredArgumentsRule",
        re.compile(r"Argument '(?:[^.']+\.)?(?P<f>[^(']+)\((?P<a>[^:']+):\)' of type '(?P<t>[^']+)' is required"),
        lambda m: (
            f"Field '{m['f']}' is missing required arguments: {m['a']}",
            {"code": "missingRequiredArguments", "className": "Field", "name": m["f"],
             "arguments": m["a"]},
        ),
    ),
    (
        "ScalarLeafsRule",
        re.compile(r"Field '(?P<f>[^']+)' of type '(?P<t>[^']+)' must have a selection"),
        lambda m: (
            (f"Field must have selections (field '{m['f']}' returns {m['t'].rstrip('!')} but has "
            f"no selections. Did you mean '{m['f']} {{ ... }}'?)"),
            {"code": "selectionMismatch", "nodeName": f"field '{m['f']}'",
             "typeName": m["t"].rstrip("!")},
        ),
    ),
    (
        "ScalarLeafsRule",
        re.compile(r"Field '(?P<f>[^']+)' must not have a selection since type '(?P<t>[^']+)'"),
        lambda m: (
            (f"Selections can't be made on scalars (field '{m['f']}' returns {m['t']} but has "
            "selections [...])"),
            {"code": "selectionMismatch", "nodeName": f"field '{m['f']}'", "typeName": m["t"]},
        ),
    ),
    (
        "NoUndefinedVariablesRule",
        re.compile(r"Variable '\$(?P<v>[^']+)' is not defined(?: by operation '(?P<o>[^']+)')?"),
        lambda m: (
            f"Variable ${m['v']} is used by {m['o'] or 'anonymous query'} but not declared",
            {"code": "variableNotDefined", "variableName": m["v"]},
        ),
    ),
    (
        "NoUnusedVariablesRule",
        re.compile(r"Variable '\$(?P<v>[^']+)' is never used(?: in operation '(?P<o>[^']+)')?"),
        lambda m: (
            f"Variable ${m['v']} is declared by {m['o'] or 'anonymous query'} but not used",
            {"code": "variableNotUsed", "variableName": m["v"]},
        ),
    ),
    (
        "KnownTypeNamesRule",
        re.compile(r"Unknown type '(?P<t>[^']+)'"),
        lambda m: (
            f"{m['t']} isn't a defined input type",
            {"code": "undefinedType", "typeName": m["t"]},
        ),
    ),
    (
        "VariablesInAllowedPositionRule",
        re.compile(r"Variable '\$(?P<v>[^']+)' of type '(?P<a>[^']+)' used in position "
                   r"expecting type '(?P<e>[^']+)'"),
        lambda m: (
            f"Type mismatch on variable ${m['v']} and argument ({m['a']} / {m['e']})",
            {"code": "variableMismatch", "variableName": m["v"], "typeName": m["a"]},
        ),
    ),
]


def _camel(rule_name: str) -> str:
    base = rule_name.removesuffix("Rule")
    return base[:1].lower() + base[1:]


def _static_error(rule: str, err: GraphQLError, paths: dict[int, list[str]]) -> ShopifyError:
    message, extensions = err.message, {"code": _camel(rule)}
    for rule_name, pattern, translate in _TRANSLATIONS:
        match = pattern.search(err.message) if rule_name == rule else None
        if match:
            message, extensions = translate(match)
            break
    node_path = next((paths[id(n)] for n in err.nodes or [] if id(n) in paths), None)
    if rule == "ValuesOfCorrectTypeRule" and err.nodes:
        arg, field = (node_path[-1], node_path[-2]) if node_path and len(node_path) > 2 else ("?", "?")
        message = (f"Argument '{arg}' on Field '{field}' has an invalid value "
                   f"({print_ast(err.nodes[0])}). {err.message}")
        extensions = {"code": "argumentLiteralsIncompatible", "typeName": "Field",
                      "argumentName": arg}
    error: ShopifyError = {"message": message, "locations": _locations(err)}
    if node_path:
        error["path"] = node_path
    error["extensions"] = extensions
    return error


def variable_errors(ast: DocumentNode, variables: dict[str, Any]) -> list[ShopifyError]:
    """Coerce ``variables`` against the operation's declared types, Shopify-style errors."""
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        # Perks always sends exactly one operation; Shopify would need operationName.
        return [{"message": "An operation name is required", "extensions": {"code": "missingOperationName"}}]
    var_defs = operations[0].variable_definitions or []
    result = get_variable_values(get_schema(), var_defs, variables)
    if not isinstance(result, list):
        return []
    by_name = {d.variable.name.value: d for d in var_defs}
    # graphql-ruby reports one error per variable, listing every problem in it.
    grouped: dict[str, ShopifyError] = {}
    for err in result:
        match = _VAR_NAME.search(err.message)
        name = match["v"] if match else "?"
        problem = _problem(err)
        if name in grouped:
            grouped[name]["extensions"]["problems"].append(problem)
            continue
        definition = by_name.get(name)
        grouped[name] = {
            "message": f"Variable ${name} of type "
            f"{print_ast(definition.type) if definition else '?'} was provided invalid value",
            "locations": _locations(err),
            "extensions": {"code": "INVALID_VARIABLE", "value": variables.get(name),
                           "problems": [problem]},
        }
    return list(grouped.values())


_VAR_NAME = re.compile(r"Variable '\$(?P<v>[^']+)'")
_VAR_PATH = re.compile(r"has invalid value at (?P<p>\S+): ")


def _problem(err: GraphQLError) -> dict[str, Any]:
    # graphql-core says "Variable '$v' has invalid value at .a[0].b: <why>"; the
    # original error carries the bare explanation, the prefix the path within.
    original = err.original_error
    explanation = str(original) if original else err.message
    if "to be provided" in err.message or "must not be null" in err.message:
        explanation = "Expected value to not be null"
    path_match = _VAR_PATH.search(err.message)
    parts = re.findall(r"\.([^.\[]+)|\[(\d+)\]", path_match["p"]) if path_match else []
    return {"path": [int(idx) if idx else key for key, idx in parts], "explanation": explanation}


def operation_name(document: str) -> str | None:
    """The name of the single operation in ``document`` (None if anonymous)."""
    for definition in parse(document).definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.name.value if definition.name else None
    return None


# --- access scopes ------------------------------------------------------------
# Shopify's published schema carries, beside the standard introspection, a
# `requiredAccess` note on types, fields and mutations (e.g. "`read_customers`
# access scope.") and names each webhook topic's scope in its description. The
# fake Admin API enforces these notes, and tests derive the app's scopes from them.

ACCESS_DOCS = "https://shopify.dev/api/usage/access-scopes"
# All of these clauses must hold; a clause holds when any one of its scopes is granted.
Requirement = tuple[frozenset[str], ...]
_SCOPE = r"(?:unauthenticated_)?(?:read|write)_[a-z_]+"


def _read_access_notes(raw: dict[str, Any]) -> dict[tuple[str, str | None], str]:
    notes: dict[tuple[str, str | None], str] = {}
    for type_ in raw["types"]:
        if type_.get("requiredAccess"):
            notes[(type_["name"], None)] = type_["requiredAccess"]
        for field in type_.get("fields") or []:
            if field.get("requiredAccess"):
                notes[(type_["name"], field["name"])] = field["requiredAccess"]
    return notes


def access_note(type_name: str, field_name: str | None = None, version: str = API_VERSION) -> str | None:
    """The schema's `requiredAccess` note on a type (field_name None) or on one of its fields."""
    get_schema(version)
    return _access_notes[version].get((type_name, field_name))


@lru_cache(maxsize=1024)
def parse_access(note: str | None) -> Requirement:
    """The scopes a `requiredAccess` note asks for, as clauses that must all hold.

    "`a` access scope or `b` access scope" is one clause {a, b}; "`a` ... as
    well as any of `b`, `c`" two; an "Also: Requires `x` scope." adds {x}.
    Notes naming no scope (user permissions, "supported access tokens", "the
    same access level needed to mutate the owner") ask for no scope here.
    """
    if not note:
        return ()
    main, _, also = note.partition("Also:")
    clauses = [frozenset(re.findall(rf"`({_SCOPE})`", part)) for part in main.split(" as well as ")]
    clauses += [frozenset({s}) for s in re.findall(rf"Requires `({_SCOPE})` scope", also)]
    return tuple(c for c in clauses if c)


def granted_scopes(scopes: str | list[str] | set[str] | frozenset[str]) -> frozenset[str]:
    """What a grant covers: each scope, and for a write scope the read of the same resource only."""
    names = [s.strip() for s in (scopes.split(",") if isinstance(scopes, str) else scopes) if s.strip()]
    implied = {"read_" + s.removeprefix("write_") for s in names if s.startswith("write_")}
    implied |= {"unauthenticated_read_" + s.removeprefix("unauthenticated_write_")
                for s in names if s.startswith("unauthenticated_write_")}
    return frozenset(names) | implied


def satisfies(granted: frozenset[str], requirement: Requirement) -> bool:
    """Whether ``granted`` (already expanded by granted_scopes) meets every clause."""
    return all(clause & granted for clause in requirement)


def field_access(parent_type: str, field_name: str, return_type: str | None,
                 version: str = API_VERSION) -> str | None:
    """The note that guards selecting ``parent_type.field_name``: the field's own, else its type's."""
    return access_note(parent_type, field_name, version) or (
        access_note(return_type, None, version) if return_type else None)


def access_denied(field_name: str, note: str, path: list[str | int] | None = None) -> ShopifyError:
    """Shopify's answer for a field the token's scopes do not reach."""
    error: ShopifyError = {"message": f"Access denied for {field_name} field. Required access: {note}"}
    if path is not None:
        error["path"] = path
    error["extensions"] = {"code": "ACCESS_DENIED", "documentation": ACCESS_DOCS, "requiredAccess": note}
    return error


def document_access(document: str, version: str = API_VERSION) -> dict[str, str]:
    """Every `requiredAccess` note a document touches: "Type.field" or "Type" -> note.

    Fields (their own note, or their return type's) and fragment type
    conditions; what a document needs is the union of these notes' clauses.
    """
    from graphql import TypeInfo, TypeInfoVisitor, get_named_type

    schema = get_schema(version)
    ast = parse(document)
    info = TypeInfo(schema)
    touched: dict[str, str] = {}

    class AccessVisitor(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent, field = info.get_parent_type(), info.get_field_def()
            if parent is None or field is None:
                return
            named = get_named_type(field.type).name
            own = access_note(parent.name, node.name.value, version)
            if own:
                touched[f"{parent.name}.{node.name.value}"] = own
            type_note = access_note(named, None, version)
            if type_note:
                touched[named] = type_note

        def enter_inline_fragment(self, node: Any, *_: Any) -> None:
            self._condition(node)

        def enter_fragment_definition(self, node: Any, *_: Any) -> None:
            self._condition(node)

        @staticmethod
        def _condition(node: Any) -> None:
            if node.type_condition is not None:
                name = node.type_condition.name.value
                note = access_note(name, None, version)
                if note:
                    touched[name] = note

    visit(ast, TypeInfoVisitor(info, AccessVisitor()))
    return touched


def document_requirement(document: str, version: str = API_VERSION) -> Requirement:
    """The scope clauses a document needs, from every note it touches."""
    clauses = {c for note in document_access(document, version).values() for c in parse_access(note)}
    return tuple(sorted(clauses, key=sorted))


def topic_requirement(topic: str, version: str = API_VERSION) -> Requirement:
    """The scopes a webhook topic needs, from its WebhookSubscriptionTopic description
    ("Requires the `read_customers` scope." / "Requires at least one of the
    following scopes: read_orders, read_marketplace_orders."); () when it names none."""
    enum = get_schema(version).type_map["WebhookSubscriptionTopic"]
    value = enum.values.get(topic.replace("/", "_").upper())  # type: ignore[attr-defined]
    if value is None:
        raise KeyError(f"{topic!r} is not a webhook topic in {version}")
    text = " ".join((value.description or "").split())
    _, found, rest = text.partition("Requires ")
    if not found:
        return ()
    return (frozenset(re.findall(_SCOPE, rest.split(". ")[0])),)
