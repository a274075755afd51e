"""The embedded admin's JSON API under /api: a registry of area modules, each adding its routes to `bp`."""

from flask import Blueprint
from werkzeug.routing import IntegerConverter

from shopify_app.loyalty.limits import MAX_ID, MAX_ROW_ID

bp = Blueprint("admin_api", __name__, url_prefix="/api")


class IdConverter(IntegerConverter):
    """`<id:name>`: a Shopify id from 1 to 2**63-1 in ASCII digits; anything else matches no route (404), never the database."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


class RowIdConverter(IntegerConverter):
    """`<row:name>`: the id of one of our own rows (a reward, a promotion, an import, a key), 1 to 2**31-1."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


# Recorded before the areas' routes, so the converters exist when they are added to the app's map.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("id", IdConverter))
bp.record_once(lambda state: state.app.url_map.converters.setdefault("row", RowIdConverter))

# Importing an area registers its routes; add a new area here.
from shopify_app.admin_api import (  # noqa: E402, F401
    analytics,
    api_keys,
    boosts,
    forecast,
    launcher,
    members,
    notifications,
    openapi,
    program,
    referrals_tiers,
    rewards,
    transfer,
)
