"""The OpenAPI document of the storefront API (Shopify's app proxy: /apps/perks/* -> /proxy/*), and of the
same answers given to Shopify's UI extension surfaces (/surfaces/*: customer accounts, the thank-you and
order-status pages, POS), which call with their session tokens instead (launcher/surfaces.py).

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
    "title": "Perks storefront API (app proxy and UI extension surfaces)",
    "version": "1",
    "description": "What the storefront launcher asks for, through Shopify's app proxy (/apps/perks/* -> /proxy/*). "
    "The shopper is only ever Shopify's signed `logged_in_customer_id`. The extension surfaces call /surfaces/* with their "
    "session token: the customer is only ever its `sub`; POS proves a staff member and names the customer in the path. "
    "Messages come in the shop's `locale`; money is a string.",
}


def document() -> dict:
    return openapi_document(current_app, ("/proxy/", "/surfaces/"), INFO)


@bp.get("/proxy/openapi.json")
@endpoint("This document", security="public", answer=OpenApiDocument)
def openapi_json():
    return jsonify(document())
