"""The app's entry in Shopify admin (install on first open) and the merchant's shop API."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, make_response, request
from sqlalchemy import select

from admin_ui import shell as admin_shell
from shopify_app.models import Program, Shop
from shopify_app.runtime import perks
from shopify_app.shopify.errors import AdminApiError, TokenRequestError
from shopify_app.unit_of_work import UnitOfWork

from .guards import merchant_required, unauthorized
from .session_tokens import InvalidSessionToken, merchant_from_token
from .tokens import install, needs_exchange

bp = Blueprint("platform", __name__)


@bp.get("/")
def app_home():
    """Shopify opens the embedded app with an `id_token`; the first open installs the shop."""
    runtime = perks()
    settings = runtime.settings
    try:
        domain = merchant_from_token(request.args.get("id_token", ""), settings.shopify_api_key, settings.shopify_api_secret).shop
    except InvalidSessionToken as error:
        return unauthorized("invalid_session_token", str(error))
    with UnitOfWork(runtime.sessions) as uow:
        shop = uow.session.scalar(select(Shop).where(Shop.domain == domain))
        if shop is None or shop.uninstalled_at is not None or needs_exchange(shop):
            try:
                shop = install(uow.session, settings, domain, request.args["id_token"])
            except (TokenRequestError, AdminApiError) as error:
                return jsonify(error="install_failed", message=str(error)), 502
            uow.commit()
        name = shop.name
    response = make_response(admin_shell(domain, name, request.args["id_token"], settings.shopify_api_key))
    response.headers["Content-Security-Policy"] = f"frame-ancestors https://{domain} https://admin.shopify.com;"
    return response


@bp.get("/api/shop")
@merchant_required
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
