"""The OpenAPI document of everything under /api, served at /api/openapi.json.

A test compares it with the app's routes both ways, so it cannot drift.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from shopify_app.loyalty.limits import MAX_POINTS_PER_ADJUSTMENT, MAX_REASON_LENGTH

from . import bp

JSON = "application/json"
SESSION = [{"sessionToken": []}]


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}


def op(
    summary: str, *, body: dict | None = None, ok: str = "200", returns: str = JSON, params: list | None = None, security=SESSION
) -> dict:
    """One operation; session-token operations all answer 401 on a bad token and 400 on bad input."""
    operation: dict[str, Any] = {
        "summary": summary,
        "security": security,
        "responses": {ok: {"description": "OK", "content": {returns: {}}}},
    }
    if security == SESSION:
        operation["responses"]["401"] = _error("missing, forged or expired session token, or shop not installed")
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
        operation["responses"]["400"] = _error("invalid input; `fields` names each field's problem")
    if params:
        operation["parameters"] = params
        operation["responses"].setdefault("400", _error("invalid parameter; `fields` names it"))
    return operation


def path_param(name: str, kind: str = "integer") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def query(name: str, kind: str = "string", fmt: str | None = None, description: str = "") -> dict:
    schema = {"type": kind} | ({"format": fmt} if fmt else {})
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def json_body(properties: dict[str, dict]) -> dict:
    return {JSON: {"schema": {"type": "object", "properties": properties}}}


PROGRAM_FIELDS = {
    "enabled": {"type": "boolean"},
    "points_per_unit": {"type": "string", "description": "points per whole unit of the shop's currency, up to 4 decimals"},
    "rounding": {"type": "string", "enum": ["down", "nearest", "up"]},
    "minimum_order": {"type": "string", "description": "money, 2 decimals"},
    "count_shipping": {"type": "boolean"},
    "count_tax": {"type": "boolean"},
    "count_discounts": {"type": "boolean"},
    "signup_points": {"type": "integer"},
    "guest_points": {"type": "boolean"},
    "expire_after_days": {"type": ["integer", "null"]},
    "expiry_reminder_days": {"type": "integer"},
    "nudge_after_days": {"type": ["integer", "null"]},
}
PERIOD = [
    query("from", fmt="date", description="first day, in the shop's zone; default 29 days before `to`"),
    query("to", fmt="date", description="last day, in the shop's zone; default today"),
    query("bucket", description="day, week or month; default by the period's length"),
]
CUSTOMER = path_param("customer_id")
# Every write that moves points carries one; the admin makes one per click and sends it again on a retry.
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,100}$"},
    "description": "One per intended change: a repeat under the same key (same body) writes nothing and answers the first "
    "answer again, status and body; missing or malformed: 400 `invalid_idempotency_key`.",
}

PATHS: dict[str, dict[str, dict]] = {
    "/api/shop": {"get": op("The shop and its purchase rule (platform)")},
    "/api/program": {
        "get": op("The program's settings and the setup checklist"),
        "patch": op("Change some of the program's settings; recorded in the change log", body=json_body(PROGRAM_FIELDS)),
    },
    "/api/program/changes": {"get": op("The change log, newest first", params=[query("before", "integer")])},
    "/api/earn-rules": {"get": op("The earn actions and their rules")},
    "/api/earn-rules/{name}": {
        "put": op(
            "Create or change the rule of an action (`custom:<handle>` for a custom action); recorded in the change log",
            body=json_body(
                {
                    "points": {"type": "integer"},
                    "limit_count": {"type": "integer"},
                    "limit_period": {"type": "string", "enum": ["ever", "day", "month", "year"]},
                    "enabled": {"type": "boolean"},
                    "name": {"type": "string"},
                    "url": {
                        "type": ["string", "null"],
                        "format": "uri",
                        "description": "social_follow only: the shop's https:// profile on instagram, facebook, tiktok, x, youtube, "
                        "pinterest, linkedin or threads (the network follows from it); absent keeps it, null removes it",
                    },
                }
            ),
            params=[path_param("name", "string")],
        )
    },
    "/api/promotions": {
        "get": op("Promotions, running or not, with the shop's time zone"),
        "post": op(
            "Add a time-boxed promotion (wall-clock start and end in the shop's zone); recorded in the change log",
            body=json_body(
                {
                    "name": {"type": "string"},
                    "multiplier": {"type": "string"},
                    "starts_local": {"type": "string", "description": "YYYY-MM-DDTHH:MM"},
                    "ends_local": {"type": "string", "description": "YYYY-MM-DDTHH:MM"},
                    "purchases": {"type": "boolean"},
                    "actions": {"type": "array", "items": {"type": "string"}},
                }
            ),
            ok="201",
        ),
    },
    "/api/promotions/{promotion_id}": {"delete": op("Remove a promotion; recorded in the change log", params=[path_param("promotion_id")])},
    "/api/multipliers": {
        "get": op("Product and collection multipliers"),
        "put": op(
            "Set the multiplier of a product or collection; recorded in the change log",
            body=json_body(
                {
                    "target": {"type": "string", "enum": ["product", "collection"]},
                    "target_id": {"type": "string"},
                    "multiplier": {"type": "string"},
                }
            ),
        ),
    },
    "/api/members": {
        "get": op(
            "Members matching a name, an email or a customer id",
            params=[query("q"), query("limit", "integer"), query("offset", "integer")],
        )
    },
    "/api/members/{customer_id}": {"get": op("A member and their ledger history", params=[CUSTOMER, query("before", "integer")])},
    "/api/analytics": {"get": op("The dashboard's figures and series over a period", params=PERIOD)},
    "/api/analytics.csv": {"get": op("The same as CSV", returns="text/csv", params=PERIOD)},
    "/api/imports": {
        "get": op("Recent imports"),
        "post": op(
            "Import members and balances from a CSV (Smile.io, LoyaltyLion, Yotpo or email/customer_id/points/tier); "
            "runs in the background, a few hundred rows per transaction; rows it cannot import are refused with their line "
            "and reason, the rest go in, and the same file uploaded again resumes its import without crediting a row twice",
            body={"multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}
            | {"text/csv": {"schema": {"type": "string"}}},
            ok="202",
        ),
    },
    "/api/imports/{job_id}": {"get": op("An import's status, progress and errors by row", params=[path_param("job_id")])},
    "/api/exports/members.csv": {"get": op("Members and balances as CSV", returns="text/csv")},
    "/api/exports/ledger.csv": {"get": op("Every ledger entry as CSV", returns="text/csv")},
    "/api/forecast": {
        "post": op(
            "Replay the shop's paid orders of the last `days` through a draft of the purchase rule, multipliers and rewards, "
            "beside today's rules: points issued, liability and projected redemptions. Nothing is saved",
            body=json_body(
                {
                    "days": {"type": "integer", "description": "7 to 365; default 90"},
                    "program": {"type": "object", "description": "draft purchase-rule settings, as PATCH /api/program takes them"},
                    "multipliers": {"type": "array", "items": {"type": "object"}, "description": "replaces today's multipliers"},
                    "rewards": {"type": "array", "items": {"type": "object"}, "description": "replaces today's rewards"},
                }
            ),
        )
    },
    "/api/openapi.json": {"get": op("This document", security=[])},
    "/api/actions": {
        "post": op(
            "Report an action a member did (review, follow, survey, custom); signed like a webhook",
            body=json_body({"shop": {"type": "string"}, "customer_id": {"type": "integer"}, "action": {"type": "string"}}),
            security=[{"bodyHmac": []}],
        )
    },
    "/api/birthday": {
        "post": op(
            "Give a member's birthday; signed like a webhook",
            body=json_body({"shop": {"type": "string"}, "customer_id": {"type": "integer"}, "birthday": {"type": "string"}}),
            security=[{"bodyHmac": []}],
        )
    },
}

PATHS["/api/imports"]["post"]["responses"]["409"] = _error(
    "this very file was imported before; importing it again would add its points twice"
)
PATHS["/api/members/{customer_id}"]["get"]["responses"]["404"] = _error("no such member in this shop")
PATHS["/api/imports/{job_id}"]["get"]["responses"]["404"] = _error("no such import in this shop")

# Rewards and redemptions (issue 5), described from their agreed contract and
# included once their routes are registered.
REWARD_PATHS: dict[str, dict[str, dict]] = {
    "/api/rewards": {
        "get": op("The reward catalogue"),
        "post": op("Add a reward; recorded in the change log", body=json_body({}), ok="201"),
    },
    "/api/rewards/{reward_id}": {"patch": op("Change a reward", body=json_body({}), params=[path_param("reward_id")])},
    "/api/members/{customer_id}/redemptions": {"get": op("A member's redemptions", params=[CUSTOMER])},
    "/api/members/{customer_id}/adjustments": {
        "post": op(
            "Add or take away points by hand, with a reason",
            body=json_body(
                {
                    "points": {"type": "integer", "minimum": -MAX_POINTS_PER_ADJUSTMENT, "maximum": MAX_POINTS_PER_ADJUSTMENT},
                    "reason": {"type": "string", "maxLength": MAX_REASON_LENGTH},
                    "confirm_negative": {"type": "boolean", "description": "true to let this adjustment take the balance below 0"},
                }
            ),
            params=[CUSTOMER, IDEMPOTENCY_KEY],
            ok="201",
        )
        | {"description": "The answer's `balance` is the member's balance right after this adjustment."}
    },
}
REWARD_PATHS["/api/members/{customer_id}/adjustments"]["post"]["responses"]["422"] = _error(
    "`key_reused`: the Idempotency-Key already made another adjustment (another customer, points or reason); nothing written"
)


def openapi_path(rule: str) -> str:
    """Flask's /api/members/<id:customer_id> as OpenAPI's /api/members/{customer_id}."""
    parts = []
    for part in rule.split("/"):
        if part.startswith("<") and part.endswith(">"):
            part = "{" + part[1:-1].split(":")[-1] + "}"
        parts.append(part)
    return "/".join(parts)


def document() -> dict:
    served = {openapi_path(rule.rule) for rule in current_app.url_map.iter_rules()}
    paths = dict(PATHS) | {path: item for path, item in REWARD_PATHS.items() if path in served}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Perks admin API",
            "version": "1",
            "description": "The JSON API behind Perks' embedded admin. Every call carries an App Bridge session token as "
            "`Authorization: Bearer <token>`; money and rates are strings, ids of Shopify objects are strings.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "sessionToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (Shopify App Bridge session token)"},
                "bodyHmac": {"type": "apiKey", "in": "header", "name": "X-Perks-Hmac-Sha256"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
