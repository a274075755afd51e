"""App Bridge session tokens: who the merchant is, on every admin request.

ShopifyAPI's decoder checks the HS256 signature with the app secret, the
audience (our client id), `exp`/`nbf` with Shopify's 10 s of leeway and that
`iss` and `dest` name the same shop; we also insist on `exp` and `nbf` being
present, which it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from shopify import session_token


class InvalidSessionToken(Exception):
    pass


@dataclass(frozen=True)
class Merchant:
    shop: str
    user: str  # the staff member's id (`sub`), for "who did it"


def merchant_from_authorization(header: str | None, api_key: str, secret: str) -> Merchant:
    """Who a valid `Authorization: Bearer <session token>` speaks for."""
    if not header or not header.startswith("Bearer "):
        raise InvalidSessionToken("missing session token")
    return merchant_from_token(header.removeprefix("Bearer ").strip(), api_key, secret)


def merchant_from_token(token: str, api_key: str, secret: str) -> Merchant:
    if not token:
        raise InvalidSessionToken("missing session token")
    try:
        claims = session_token.decode_from_header(f"Bearer {token}", api_key, secret)
    except session_token.SessionTokenError as error:
        raise InvalidSessionToken(str(error)) from error
    if "exp" not in claims or "nbf" not in claims:
        raise InvalidSessionToken("session token lacks exp or nbf")
    shop = urlparse(claims["dest"]).hostname or ""
    if not shop.endswith(".myshopify.com"):
        raise InvalidSessionToken("session token names no shop")
    return Merchant(shop=shop, user=str(claims["sub"]))
