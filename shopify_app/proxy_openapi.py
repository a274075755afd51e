"""The OpenAPI document of the storefront API (Shopify's app proxy: /apps/perks/* -> /proxy/*).

A headless storefront can use Perks without the launcher through it. Every
request comes through Shopify's app proxy, which adds `shop`,
`logged_in_customer_id`, `path_prefix`, `timestamp` and `signature`; a
request without a valid signature is answered 401. A test compares this
document with the app's /proxy routes both ways.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from shopify_app.loyalty.actions import NETWORKS

bp = Blueprint("proxy_openapi", __name__)

JSON = "application/json"
ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}, "required": ["error", "message"]}
REWARD = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "kind": {
            "type": "string",
            "enum": ["fixed_amount", "percentage", "free_shipping", "free_product", "store_credit", "points_for_money"],
        },
        "points_cost": {"type": "integer"},
        "min_points": {"type": ["integer", "null"]},
        "max_points": {"type": ["integer", "null"]},
        "step_points": {"type": ["integer", "null"]},
        "step_value": {"type": ["string", "null"]},
    },
}
EARN = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "title": {"type": "string"},
        "points": {"type": "integer"},
        "per": {"type": "string", "enum": ["order", "currency_unit", "once", "year"]},
        "network": {
            "type": ["string", "null"],
            "enum": [*NETWORKS, None],
            "description": "social_follow with a profile: its network, to send to /proxy/actions/social_follow",
        },
        "url": {"type": ["string", "null"], "format": "uri", "description": "social_follow: the shop's https profile to open"},
    },
}


def _answers(ok: dict, *refusals: tuple[str, str]) -> dict:
    responses = {"200": {"description": "OK", "content": {JSON: {"schema": ok}}}}
    responses["401"] = {
        "description": "not signed by Shopify's app proxy, or (where a shopper is needed) not logged in",
        "content": {JSON: {"schema": ERROR}},
    }
    for status, description in refusals:
        responses[status] = {"description": description, "content": {JSON: {"schema": ERROR}}}
    return responses


def _body(properties: dict) -> dict:
    return {"required": True, "content": {JSON: {"schema": {"type": "object", "properties": properties}}}}


LOCALE = {
    "name": "locale",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "the shop's locale, e.g. fr or pt-BR; messages come in it",
}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 100}}

PATHS = {
    "/proxy/program": {
        "get": {
            "summary": "The program anyone can see: ways to earn, rewards, tiers, the referral offer, the look",
            "parameters": [LOCALE],
            "responses": _answers(
                {
                    "type": "object",
                    "properties": {
                        "shop": {"type": "object"},
                        "earn": {"type": "array", "items": EARN},
                        "rewards": {"type": "array", "items": REWARD},
                        "tiers": {"type": "array"},
                        "referral": {"type": ["object", "null"]},
                    },
                }
            ),
        }
    },
    "/proxy/member": {
        "get": {
            "summary": "The logged-in member: points, tier, rewards (affordable first), codes, ways to earn, referral, history",
            "parameters": [LOCALE],
            "responses": _answers(
                {
                    "type": "object",
                    "properties": {
                        "points": {"type": "integer"},
                        "rewards": {
                            "type": "array",
                            "items": REWARD | {"properties": REWARD["properties"] | {"affordable": {"type": "boolean"}}},
                        },
                        "codes": {"type": "array"},
                        "earn": {"type": "array", "items": EARN},
                        "tier": {"type": ["object", "null"]},
                        "referral": {"type": ["object", "null"]},
                        "birthday": {"type": ["string", "null"]},
                        "history": {"type": "array"},
                    },
                }
            ),
        }
    },
    "/proxy/redeem": {
        "post": {
            "summary": "Spend points on a reward; the same Idempotency-Key returns the same code",
            "parameters": [LOCALE, IDEMPOTENCY],
            "requestBody": _body(
                {"reward_id": {"type": "integer"}, "points": {"type": ["integer", "null"], "description": "points-for-money only"}}
            ),
            "responses": _answers(
                {
                    "type": "object",
                    "properties": {
                        "code": {"type": ["string", "null"]},
                        "title": {"type": "string"},
                        "points_spent": {"type": "integer"},
                        "balance": {"type": "integer"},
                        "expires_at": {"type": ["string", "null"]},
                    },
                },
                ("400", "malformed request"),
                ("404", "no such reward"),
                ("409", "not enough points, limit reached or still in progress"),
                ("422", "points not allowed for this reward"),
                ("502", "Shopify did not create the reward; the points are back"),
            ),
        }
    },
    "/proxy/birthday": {
        "post": {
            "summary": "Give the birthday once (MM-DD); points land on the day",
            "parameters": [LOCALE],
            "requestBody": _body({"date": {"type": "string", "pattern": "^\\d{2}-\\d{2}$"}}),
            "responses": _answers(
                {"type": "object", "properties": {"birthday": {"type": "string"}}}, ("400", "not a date"), ("409", "already given")
            ),
        }
    },
    "/proxy/actions/{key}": {
        "post": {
            "summary": "Report an action the shopper did (social_follow or social_share, with the network), or subscribe "
            "the logged-in member to the shop's newsletter (newsletter): Shopify records the email marketing consent, "
            "then the points come at once, once ever (the later customers/update webhook pays nothing more)",
            "parameters": [LOCALE, {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {
                "required": False,
                "content": {JSON: {"schema": {"type": "object", "properties": {"network": {"type": "string", "enum": list(NETWORKS)}}}}},
            },
            "responses": _answers(
                {"type": "object", "properties": {"points": {"type": "integer"}, "balance": {"type": "integer"}}},
                ("404", "no such way to earn"),
                ("409", "already done or limit reached"),
                ("422", "newsletter: Shopify refused the subscription (e.g. no email on the account); nothing changed"),
                ("502", "newsletter: Shopify could not be reached; nothing changed"),
            ),
        }
    },
    "/proxy/unsubscribe": {
        "post": {
            "summary": "Stop the program's mails to the logged-in member",
            "responses": _answers({"type": "object", "properties": {"unsubscribed": {"type": "string"}}}),
        }
    },
    "/proxy/referral/claim": {
        "post": {
            "summary": "The logged-in friend claims the referral they followed and gets the welcome code",
            "requestBody": _body({"code": {"type": "string"}}),
            "responses": _answers(
                {"type": "object", "properties": {"code": {"type": "string"}, "title": {"type": "string"}, "state": {"type": "string"}}},
                ("400", "no code"),
                ("409", "refused: self-referral, referred before, ordered before"),
                ("502", "Shopify did not create the welcome code"),
            ),
        }
    },
    "/proxy/r/{code}": {
        "get": {
            "summary": "A member's referral link: remembers the code and sends the friend to the shop",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "302": {"description": "to the shop's home, with ?perks_ref= and the friend's offer"},
                "401": {"description": "not signed by Shopify's app proxy"},
            },
        }
    },
}


@bp.get("/proxy/openapi.json")
def document():
    return jsonify(openapi="3.1.0", info={"title": "Perks storefront API (app proxy)", "version": "1"}, paths=PATHS)
