"""The OpenAPI document of everything under /api and /flow, served at /api/openapi.json.

It is generated from the routes' contracts (shopify_app.core.contracts), so it cannot drift.
"""

from __future__ import annotations

from flask import current_app, jsonify

from shopify_app.admin_api import bp
from shopify_app.core.contracts import OpenApiDocument, endpoint, openapi_document

# Every write that moves points carries one; the admin makes one per click and sends it again on a retry.
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,100}$"},
    "description": "One per intended change: a repeat under the same key (same body) writes nothing and answers the first "
    "answer again, status and body; missing or malformed: 400 `invalid_idempotency_key`.",
}
INFO = {
    "title": "Perks API",
    "version": "1",
    "description": "The JSON API behind Perks' embedded admin (an App Bridge session token as `Authorization: Bearer <token>`), "
    "the custom-actions API (a Perks API key the merchant made, as `Authorization: Bearer <key>`) and the Shopify Flow "
    "actions (signed by Flow). Money and rates are strings.",
}


def document() -> dict:
    return openapi_document(current_app, ("/api/", "/flow/"), INFO)


@bp.get("/openapi.json")
@endpoint("This document", security="public", answer=OpenApiDocument)
def openapi_json():
    return jsonify(document())
