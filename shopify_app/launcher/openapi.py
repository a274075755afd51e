"""The OpenAPI document of the storefront API (Shopify's app proxy: /apps/perks/* -> /proxy/*).

A headless storefront can use Perks without the launcher through it. Every
request comes through Shopify's app proxy, which adds `shop`,
`logged_in_customer_id`, `path_prefix`, `timestamp` and `signature`; a
request without a valid signature is answered 401. The document is generated
from the routes' contracts (shopify_app.core.contracts), so it cannot drift.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from shopify_app.core.contracts import OpenApiDocument, endpoint, openapi_document

bp = Blueprint("proxy_openapi", __name__)

INFO = {
    "title": "Perks storefront API (app proxy)",
    "version": "1",
    "description": "What the storefront launcher asks for, through Shopify's app proxy (/apps/perks/* -> /proxy/*). "
    "The shopper is only ever Shopify's signed `logged_in_customer_id`. Messages come in the shop's `locale`; money is a string.",
}


def document() -> dict:
    return openapi_document(current_app, ("/proxy/",), INFO)


@bp.get("/proxy/openapi.json")
@endpoint("This document", security="public", answer=OpenApiDocument)
def openapi_json():
    return jsonify(document())
