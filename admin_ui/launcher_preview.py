"""The live preview of the storefront launcher, framed by the admin's "Launcher" section.

The real thing, not a drawing of it: theme_extension/blocks/launcher.liquid
rendered with the draft look from the query string as the app's metafield
(app.metafields.perks.look, as Shopify renders the block once the merchant
saves, and as the demo shop does), with the real launcher.css,
launcher.js and perks-ui.js. Its proxy calls (/apps/perks/...) are answered
inside the page by a stub with a sample member, so the preview makes no
request anywhere and holds no shop's data: it needs no session token, and
shows nothing a query string did not bring.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Response, abort, render_template, request, send_file

from admin_ui import bp
from shopify_app.launcher import look as launcher_look
from shopify_app.launcher.liquid_blocks import Blocks, static_path
from shopify_app.launcher.models import CORNER_RADII, LAUNCHER_POSITIONS
from shopify_app.launcher.publish import metafield_value

BLOCKS = Blocks("/launcher-preview/assets")
DEFAULTS = {
    "primary_color": "#5c6ac4",
    "background_color": "#ffffff",
    "text_color": "#1f2124",
    "position": "bottom-right",
    "corner_radius": 12,
}


def draft_look(locale: str) -> dict:
    """The metafield's value for the draft in the query, its texts in `locale`; anything malformed falls back to the default."""
    look: dict = dict(DEFAULTS)
    for name in launcher_look.COLOURS:
        look[name] = launcher_look.normal_colour(request.args.get(name, "")) or DEFAULTS[name]
    if request.args.get("position") in LAUNCHER_POSITIONS:
        look["position"] = request.args["position"]
    radius = request.args.get("corner_radius", "")
    if radius.isdigit() and CORNER_RADII[0] <= int(radius) <= CORNER_RADII[1]:
        look["corner_radius"] = int(radius)
    texts = {name: request.args.get(name, "").strip()[:limit] for name, limit in launcher_look.TEXTS.items()}  # Liquid escapes them
    look["texts"] = {locale: texts}
    return metafield_value(look)


def sample(now: datetime, shop_name: str) -> dict:
    """A visitor's /program and a member's /member, shaped as theme_extension/README.md says."""
    rewards = [
        {
            "id": 1,
            "title": "$5 off",
            "kind": "fixed_amount",
            "points_cost": 500,
            "min_points": None,
            "max_points": None,
            "step_points": None,
            "step_value": None,
        },
        {
            "id": 2,
            "title": "Free shipping",
            "kind": "free_shipping",
            "points_cost": 800,
            "min_points": None,
            "max_points": None,
            "step_points": None,
            "step_value": None,
        },
        {
            "id": 3,
            "title": "15% off",
            "kind": "percentage",
            "points_cost": 1500,
            "min_points": None,
            "max_points": None,
            "step_points": None,
            "step_value": None,
        },
    ]
    earn = [
        {"key": "purchase", "title": "Make a purchase", "points": 1, "per": "currency_unit", "network": None, "url": None},
        {"key": "signup", "title": "Create an account", "points": 100, "per": "once", "network": None, "url": None},
        {"key": "birthday", "title": "Celebrate your birthday", "points": 200, "per": "year", "network": None, "url": None},
    ]
    program = {
        "shop": {"name": shop_name, "currency": "USD"},
        "earn": earn,
        "rewards": rewards,
        "tiers": [],
        "referral": {"friend_reward": "$10 off", "member_reward": "500 points"},
    }
    member = {
        "customer": {"id": "1", "first_name": "Ada"},
        "points": 1250,
        "tier": {"name": "Silver", "perks": ["Free shipping"], "next": {"name": "Gold", "remaining": 750, "progress": 0.62}},
        "rewards": [r | {"affordable": r["points_cost"] <= 1250} for r in rewards],
        "codes": [{"code": "PERKS-7QX2", "title": "$5 off", "state": "issued", "expires_at": (now + timedelta(days=30)).isoformat()}],
        "earn": [e | {"done": e["key"] == "signup"} for e in earn],
        "referral": {"url": "https://example.com/r/ada", "friends": 2, "points_earned": 1000},
        "birthday": "12-10",
        "history": [
            {"at": (now - timedelta(days=2)).isoformat(), "points": 250, "reason": "Order #1001"},
            {"at": (now - timedelta(days=20)).isoformat(), "points": -500, "reason": "$5 off"},
            {"at": (now - timedelta(days=40)).isoformat(), "points": 100, "reason": "Created an account"},
        ],
    }
    return {"program": program, "member": member}


@bp.get("/launcher-preview")
def launcher_preview():
    locale = request.args.get("locale", "en")
    locale = locale if locale in launcher_look.LANGUAGES else "en"
    visitor = request.args.get("as") == "visitor"
    shop_name = request.args.get("shop", "").strip()[:100] or "Your shop"
    objects = {
        "app": {"metafields": {"perks": {"look": {"type": "json", "value": draft_look(locale)}}}},
        "shop": {"name": shop_name, "currency": "USD"},
        "customer": None if visitor else {"id": 1, "first_name": "Ada"},
        "request": {"locale": {"iso_code": locale, "primary": locale == "en"}, "path": "/"},
        "routes": {"account_login_url": "#login", "account_register_url": "#register", "cart_url": "#cart"},
    }
    data = sample(datetime.now(UTC), shop_name)
    response = Response(
        render_template(
            "admin_ui/launcher_preview.html",
            launcher=BLOCKS.render("launcher", objects),
            assets=BLOCKS.assets("launcher"),
            # </ never closes the script element the JSON sits in.
            stub=json.dumps(data).replace("</", "<\\/"),
            open=request.args.get("open", "1") == "1",
            visitor=visitor,
        ),
        mimetype="text/html",
    )
    # Framed by the admin page only, which Shopify admin frames in turn.
    response.headers["Content-Security-Policy"] = "frame-ancestors 'self' https://admin.shopify.com https://*.myshopify.com;"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/launcher-preview/assets/<path:name>")
def launcher_preview_asset(name: str):
    path = static_path(name)
    if path is None:
        abort(404)
    return send_file(path, max_age=3600)
