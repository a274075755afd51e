"""Who is calling: the merchant (session token), the shopper (app proxy signature), or a UI extension surface (its session token)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import g, jsonify, request

from shopify_app.core.errors import UnknownShop
from shopify_app.core.limits import ascii_whole, is_id
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.shop.app_proxy import InvalidProxyRequest, verify
from shopify_app.shop.session_tokens import InvalidSessionToken, merchant_from_authorization
from shopify_app.shop.shops import installed_shop
from shopify_app.shop.surface_tokens import InvalidSurfaceToken, Surface, identity_from_authorization


def unauthorized(error: str, message: str):
    return jsonify(error=error, message=message), 401


@dataclass(frozen=True)
class Caller:
    shop_id: int
    shop_domain: str
    customer_id: int | None = None
    staff_user: str | None = None


def merchant_required(view):
    """Admin JSON endpoints: a valid session token for an installed shop, or 401."""

    @wraps(view)
    def guarded(*args, **kwargs):
        settings = perks().settings
        try:
            merchant = merchant_from_authorization(
                request.headers.get("Authorization"), settings.shopify_api_key, settings.shopify_api_secret
            )
            g.caller = Caller(*_installed(merchant.shop), staff_user=merchant.user)
        except InvalidSessionToken as error:
            return unauthorized("invalid_session_token", str(error))
        except UnknownShop as error:
            return unauthorized("shop_not_installed", str(error))
        return view(*args, **kwargs)

    return guarded


def proxy_signed(view):
    """App proxy endpoints: Shopify's signature, and the shopper only from logged_in_customer_id."""

    @wraps(view)
    def guarded(*args, **kwargs):
        try:
            params = _proxy_params()
            shop_id, domain = _installed(params.get("shop", ""))
        except InvalidProxyRequest as error:
            return unauthorized("invalid_signature", str(error))
        except UnknownShop as error:
            return shop_not_installed(error)
        g.caller = Caller(shop_id, domain, _customer_id(params.get("logged_in_customer_id") or ""))
        return view(*args, **kwargs)

    return guarded


def shopper_required(view):
    """A proxy endpoint that needs a logged-in customer: a 401 the launcher turns into 'log in'."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if g.caller.customer_id is None:
            return login_required()
        return view(*args, **kwargs)

    return proxy_signed(guarded)


@dataclass(frozen=True)
class SignedShopper:
    shop_domain: str
    customer_id: int


def shopper_signed(view):
    """`shopper_required` for a view that reads the shop itself, in the one statement that reads all it answers
    (GET /proxy/member): the signature and the customer are checked here (`g.shopper`), and the view answers
    `shop_not_installed` when its statement finds no installed shop of that domain."""

    @wraps(view)
    def guarded(*args, **kwargs):
        try:
            params = _proxy_params()
        except InvalidProxyRequest as error:
            return unauthorized("invalid_signature", str(error))
        domain, customer_id = params.get("shop", ""), _customer_id(params.get("logged_in_customer_id") or "")
        if customer_id is None:
            try:
                _installed(domain)  # logged out: the shop not installed is said first, as shopper_required does
            except UnknownShop as error:
                return shop_not_installed(error)
            return login_required()
        g.shopper = SignedShopper(domain, customer_id)
        return view(*args, **kwargs)

    return guarded


def surface_caller(*, surfaces: tuple[Surface, ...], customer: bool = False):
    """UI extension endpoints: a session token from one of `surfaces` for an installed shop, or 401.

    The customer is the token's alone (customer account, checkout); POS proves a staff member and names
    no customer. `customer=True`: the endpoint needs a signed-in customer (login_required otherwise)."""

    def guard(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            settings = perks().settings
            header = request.headers.get("Authorization")
            refusal: InvalidSurfaceToken | None = None
            for surface in surfaces:  # a token fits one surface's rules or another's: the first refusal is said
                try:
                    identity = identity_from_authorization(header, surface, settings.shopify_api_key, settings.shopify_api_secret)
                    break
                except InvalidSurfaceToken as error:
                    refusal = refusal or error
            else:
                return unauthorized("invalid_session_token", str(refusal))
            try:
                shop_id, domain = _installed(identity.shop)
            except UnknownShop as error:
                return shop_not_installed(error)
            if customer and identity.customer_id is None:
                return login_required()
            g.caller = Caller(shop_id, domain, customer_id=identity.customer_id, staff_user=identity.staff_user)
            return view(*args, **kwargs)

        return guarded

    return guard


def shop_not_installed(error: UnknownShop):
    return unauthorized("shop_not_installed", str(error))


def login_required():
    return unauthorized("login_required", "Log in to your account to see your points.")


def _proxy_params() -> dict[str, str]:
    settings = perks().settings
    return verify(list(request.args.items(multi=True)), settings.shopify_api_secret, max_age=settings.proxy_max_age_seconds)


def _customer_id(text: str) -> int | None:
    """The logged-in customer's id, or None (logged out) when the signed value names no one: '', '3²', 0, 2^70."""
    customer = ascii_whole(text)
    return customer if is_id(customer) else None


def _installed(domain: str) -> tuple[int, str]:
    with UnitOfWork(perks().sessions) as uow:
        shop = installed_shop(uow.session, domain)
        return shop.id, shop.domain
