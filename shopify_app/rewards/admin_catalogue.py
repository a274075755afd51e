"""The admin's picker outside App Bridge: the shop's products, variants and collections found by name through the Admin API."""

from __future__ import annotations

from flask import g, jsonify
from pydantic import Field

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import ApiError
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model, Text
from shopify_app.core.web import perks
from shopify_app.rewards.discounts import SHOPPER_WAITING
from shopify_app.shop.guards import merchant_required
from shopify_app.shop.tokens import admin_client
from shopify_app.shopify import catalogue
from shopify_app.shopify.errors import AdminApiError


class CatalogueQuery(Model):
    kind: catalogue.CatalogueKind = Field(description="what to find: a product variant, a product or a collection")
    q: Text(100) = Field("", description="words of its title; empty lists the first ones")  # type: ignore[valid-type]


class CatalogueItem(Answer):
    id: int
    gid: str
    title: str


class CatalogueItems(Answer):
    items: list[CatalogueItem]


@bp.get("/catalog/search")
@merchant_required
@endpoint(
    "Products, variants or collections of the shop whose title matches, for picking one by name",
    security="session",
    query=CatalogueQuery,
    answer=CatalogueItems,
    refusals={502: "Shopify could not be asked; try again"},
)
def search_catalogue(query: CatalogueQuery):
    runtime = perks()
    # The merchant waits for the list as a shopper waits for a code: retry briefly.
    client = admin_client(runtime.sessions, runtime.settings, g.caller.shop_domain, **SHOPPER_WAITING)
    try:
        found = catalogue.search(client, query.kind, query.q)
    except AdminApiError as error:
        raise ApiError(502, "shopify_unavailable", "Shopify did not answer the search. Try again in a moment.") from error
    return jsonify(items=[{"id": f.id, "gid": f.gid, "title": f.title} for f in found])
