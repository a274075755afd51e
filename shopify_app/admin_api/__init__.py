"""The embedded admin's JSON API under /api: a registry of area modules, each adding its routes to `bp`."""

from flask import Blueprint
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

# Importing a room's admin module registers its routes on `bp`; a new one is added here.
import shopify_app.admin_api.openapi  # noqa: E402
import shopify_app.admin_api.referrals_tiers  # noqa: E402
import shopify_app.analytics.admin  # noqa: E402
import shopify_app.analytics.admin_forecast  # noqa: E402
import shopify_app.earn.admin_boosts  # noqa: E402
import shopify_app.earn.admin_program  # noqa: E402
import shopify_app.launcher.admin  # noqa: E402
import shopify_app.ledger.admin_members  # noqa: E402
import shopify_app.ledger.admin_transfer  # noqa: E402
import shopify_app.notifications.admin  # noqa: E402
import shopify_app.rewards.admin  # noqa: E402
import shopify_app.shop.admin_api_keys  # noqa: E402, F401
