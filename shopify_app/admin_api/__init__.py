"""The embedded admin's JSON API under /api: a registry of area modules, each adding its routes to `bp`."""

from flask import Blueprint

bp = Blueprint("admin_api", __name__, url_prefix="/api")

# Importing an area registers its routes; add a new area here.
from . import analytics, boosts, forecast, launcher, members, notifications, openapi, program, referrals_tiers, rewards, transfer  # noqa: E402, F401
