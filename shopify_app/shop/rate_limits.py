"""Rate limits, all in one place: Flask-Limiter counting on the Redis the app already has.

A request over its limit is answered 429 with `Retry-After`. The limits are
generous for a person and tight for a script: a shopper redeems, claims and
saves a few times a minute, a merchant's admin saves a few times a second at
most. If Redis cannot be reached the requests go through uncounted: a limit
must never be what takes redemptions down.
"""

from __future__ import annotations

from functools import cache

from flask import Flask, Response, g, jsonify, request
from flask_limiter import Limiter, RequestLimit

from shopify_app.core.web import perks
from shopify_app.shop.session_tokens import InvalidSessionToken, merchant_from_authorization

STOREFRONT_WRITES = "30/minute"  # per shop and logged-in customer: redeem, earn actions, birthday, unsubscribe, referral claim
ACTIONS_API = "600/minute"  # per shop: the custom-actions API a merchant's other apps call
ADMIN_WRITES = "300/minute"  # per shop: every POST, PUT, PATCH and DELETE of the embedded admin's API
WRITES = ["POST", "PUT", "PATCH", "DELETE"]


def _refused(limit: RequestLimit) -> Response:
    answer = jsonify(error="rate_limited", message=f"Too many requests: at most {limit.limit}. Try again in a moment.")
    answer.status_code = 429
    return answer


limiter = Limiter(
    key_func=lambda: f"address:{request.remote_addr}",
    headers_enabled=True,  # X-RateLimit-* and Retry-After
    swallow_errors=True,
    on_breach=_refused,
    key_prefix="perks:limits",
)


def init(app: Flask, redis_url: str) -> None:
    # limits names a unix socket redis+unix:// where redis-py says unix:// (`make run`'s embedded Redis).
    app.config["RATELIMIT_STORAGE_URI"] = "redis+" + redis_url if redis_url.startswith("unix://") else redis_url
    limiter.init_app(app)
    _limit_admin_writes()


@cache
def _limit_admin_writes() -> None:
    """Once per process, however many apps the factory makes: the admin blueprint's writes, per shop."""
    from shopify_app.admin_api import bp

    limiter.limit(ADMIN_WRITES, key_func=merchant, methods=WRITES)(bp)


def shopper() -> str:
    """The shop and customer the app proxy vouched for (the view's guard has run)."""
    return f"shopper:{g.caller.shop_id}:{g.caller.customer_id}"


def merchant() -> str:
    """The shop whose session token signs the request; a forged token counts against its sender's address, not a shop."""
    settings = perks().settings
    try:
        shop = merchant_from_authorization(request.headers.get("Authorization"), settings.shopify_api_key, settings.shopify_api_secret).shop
    except InvalidSessionToken:
        return f"address:{request.remote_addr}"
    return f"admin:{shop}"


storefront_writes = limiter.limit(STOREFRONT_WRITES, key_func=shopper)
