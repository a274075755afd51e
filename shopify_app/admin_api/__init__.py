"""The embedded admin's JSON API under /api: its blueprint, its path converters and the rooms' modules that add routes to it."""

from importlib import import_module

from flask import Blueprint, Flask
from werkzeug.routing import IntegerConverter

from shopify_app.core.limits import MAX_ID, MAX_ROW_ID

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

# Each room's admin routes, added to `bp` when imported (by create_app, before `bp` is registered); a new one goes here.
ROUTES = (
    "shopify_app.admin_api.openapi",
    "shopify_app.analytics.admin",
    "shopify_app.analytics.admin_forecast",
    "shopify_app.analytics.admin_home",
    "shopify_app.analytics.admin_liability",
    "shopify_app.earn.admin_boosts",
    "shopify_app.earn.admin_program",
    "shopify_app.launcher.admin",
    "shopify_app.ledger.admin_members",
    "shopify_app.ledger.admin_transfer",
    "shopify_app.notifications.admin",
    "shopify_app.referrals.admin",
    "shopify_app.rewards.admin",
    "shopify_app.rewards.admin_catalogue",
    "shopify_app.shop.admin_api_keys",
    "shopify_app.tiers.admin",
)


def register(app: Flask) -> None:
    for module in ROUTES:
        import_module(module)
    app.register_blueprint(bp)
