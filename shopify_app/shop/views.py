"""The app's entry in Shopify admin (install on first open) and the merchant's shop API."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, g, jsonify, make_response, redirect, request, url_for
from sqlalchemy import select

from admin_ui import bounce_page, demo_mode
from admin_ui import shell as admin_shell
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Rounding
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.earn.models import Program
from shopify_app.shop.guards import merchant_required, unauthorized
from shopify_app.shop.models import Shop
from shopify_app.shop.session_tokens import InvalidSessionToken, merchant_from_token
from shopify_app.shop.tokens import install, needs_exchange
from shopify_app.shopify.errors import AdminApiError, TokenRequestError

bp = Blueprint("platform", __name__)

# A shop's own domain, and nothing else: it goes into the Content-Security-Policy header.
SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")
# Where the bounce page lives (Shopify's libraries default to the same path).
BOUNCE_PATH = "/auth/session-token"


@bp.get("/")
def app_home():
    """Shopify opens the embedded app with an `id_token`; the first open installs the shop,
    and so does an open after Perks lost its tokens (uninstalled, or a refresh token Shopify refused)."""
    runtime = perks()
    settings = runtime.settings
    try:
        domain = merchant_from_token(request.args.get("id_token", ""), settings.shopify_api_key, settings.shopify_api_secret).shop
    except InvalidSessionToken as error:
        if request.headers.get("Authorization"):  # a fetch, not a page: App Bridge retries it with a fresh token
            body, status = unauthorized("invalid_session_token", str(error))
            body.headers["X-Shopify-Retry-Invalid-Session-Request"] = "1"
            return body, status
        return to_bounce_page()
    with UnitOfWork(runtime.sessions) as uow:
        shop = uow.session.scalar(select(Shop).where(Shop.domain == domain))
        if shop is None or shop.uninstalled_at is not None or needs_exchange(shop):
            try:
                shop = install(uow.session, settings, domain, request.args["id_token"])
            except (TokenRequestError, AdminApiError) as error:
                return jsonify(error="install_failed", message=str(error)), 502
            uow.commit()
        name = shop.name
    return framed(admin_shell(domain, name, request.args["id_token"], settings.shopify_api_key), domain)


def to_bounce_page():
    """A page opened without a valid `id_token` (none, or one a minute old): off to the bounce page,
    which loads App Bridge; App Bridge fetches a session token and reloads `shopify-reload` with it
    as `id_token` (Shopify's own libraries answer the same way)."""
    shop = _shop_param()
    if shop is None:
        return jsonify(error="missing_shop", message="Open Perks from the Shopify admin."), 400
    kept = [(key, value) for key, value in request.args.items(multi=True) if key not in ("id_token", "shopify-reload")]
    # The configured app URL, so the reload survives a reverse proxy; the demo runs wherever it was reached.
    base = request.host_url if demo_mode() else perks().settings.app_url
    reload = f"{base.rstrip('/')}{request.path}?{urlencode(kept)}"
    return redirect(f"{url_for('platform.session_token_bounce')}?{urlencode([*kept, ('shopify-reload', reload)])}")


@bp.get(BOUNCE_PATH)
def session_token_bounce():
    """The bounce page: App Bridge and nothing else (plus the demo's stand-in for it)."""
    shop = _shop_param()
    if shop is None:
        return jsonify(error="missing_shop", message="Open Perks from the Shopify admin."), 400
    return framed(bounce_page(perks().settings.shopify_api_key, shop), shop)


def framed(page: str, shop: str):
    """An admin document: only the shop's admin may frame it."""
    response = make_response(page)
    response.headers["Content-Security-Policy"] = f"frame-ancestors https://{shop} https://admin.shopify.com;"
    return response


def _shop_param() -> str | None:
    shop = request.args.get("shop", "").strip().lower()
    return shop if SHOP_DOMAIN.fullmatch(shop) else None


class ShopBasics(Answer):
    domain: str
    name: str
    currency: str
    timezone: str


class ShopInfo(ShopBasics):
    plan: str | None
    installed_at: str


class PurchaseRule(Answer):
    enabled: bool
    points_per_unit: str
    rounding: Rounding
    minimum_order: str
    count_shipping: bool
    count_tax: bool
    count_discounts: bool
    signup_points: int


class ShopAndProgram(Answer):
    shop: ShopInfo
    program: PurchaseRule


@bp.get("/api/shop")
@merchant_required
@endpoint("The shop and its purchase rule", security="session", answer=ShopAndProgram)
def shop_api():
    with UnitOfWork(perks().sessions) as uow:
        shop = uow.session.get(Shop, g.caller.shop_id)
        program = uow.session.scalars(select(Program).where(Program.shop_id == shop.id)).one()
        return jsonify(
            shop={
                "domain": shop.domain,
                "name": shop.name,
                "currency": shop.currency,
                "timezone": shop.timezone,
                "plan": shop.plan,
                "installed_at": shop.installed_at.isoformat(),
            },
            program={
                "enabled": program.enabled,
                "points_per_unit": str(program.points_per_unit),
                "rounding": program.rounding,
                "minimum_order": str(program.minimum_order),
                "count_shipping": program.count_shipping,
                "count_tax": program.count_tax,
                "count_discounts": program.count_discounts,
                "signup_points": program.signup_points,
            },
        )
