"""Session tokens of Shopify's UI extension surfaces: who is calling from a customer account, checkout or POS.

Each surface's `sessionToken.get()` (customer account and checkout UI extensions) or
`session.getSessionToken()` (POS UI extensions) gives a JWT signed HS256 with the app
secret, its audience (`aud`) our client id, living a few minutes (`exp`, `nbf`, `iat`).
`dest` names the shop (a bare domain or a URL).

- Customer account and checkout (thank-you, order status): `sub`, when present, is the
  signed-in customer's GID, gid://shopify/Customer/<id>; a guest's token has none. The
  customer is taken from this claim and nowhere else.
- POS: the token proves a staff member of the shop at the till (`sub`, the staff member's id);
  it names no customer, so the till says which customer it serves. A customer's token is not
  a staff member's: one whose `sub` is a customer GID is refused here.

The messages are sentences the shopper or the merchant reads in the extension.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlparse

import jwt

from shopify_app.core.limits import ascii_whole, is_id

Surface = Literal["customer_account", "checkout", "pos"]

LEEWAY_SECONDS = 10  # clocks drift; Shopify's own libraries allow as much
CUSTOMER_GID = re.compile(r"^gid://shopify/Customer/(\d{1,19})$")
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


class InvalidSurfaceToken(Exception):
    pass


@dataclass(frozen=True)
class SurfaceIdentity:
    shop: str
    customer_id: int | None = None  # customer surfaces only, from `sub`
    staff_user: str | None = None  # POS only


def identity_from_authorization(header: str | None, surface: Surface, api_key: str, secret: str) -> SurfaceIdentity:
    """Who a valid `Authorization: Bearer <session token>` from `surface` speaks for."""
    if not header or not header.startswith("Bearer ") or not header.removeprefix("Bearer ").strip():
        raise InvalidSurfaceToken("We could not confirm who you are: the request came without Shopify's session token.")
    return identity_from_token(header.removeprefix("Bearer ").strip(), surface, api_key, secret)


def identity_from_token(token: str, surface: Surface, api_key: str, secret: str) -> SurfaceIdentity:
    claims = _verified_claims(token, api_key, secret)
    shop = _shop(claims.get("dest"))
    subject = claims.get("sub")
    customer = _customer_id(subject)
    if surface == "pos":
        if customer is not None or not subject:
            raise InvalidSurfaceToken("Only the shop's staff can do this at the till: this session token is not a staff member's.")
        return SurfaceIdentity(shop, staff_user=str(subject))
    return SurfaceIdentity(shop, customer_id=customer)


def _verified_claims(token: str, api_key: str, secret: str) -> dict:
    try:
        return jwt.decode(
            token,
            secret,
            algorithms=["HS256"],  # never what the token's header says: "none" or a public key would pass
            audience=api_key,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "nbf", "aud", "dest"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidSurfaceToken("Your session has expired. Reload the page and try again.") from error
    except jwt.ImmatureSignatureError as error:
        raise InvalidSurfaceToken("This session token is not valid yet. Reload the page and try again.") from error
    except jwt.InvalidAudienceError as error:
        raise InvalidSurfaceToken("This session token was made for another app.") from error
    except jwt.InvalidSignatureError as error:
        raise InvalidSurfaceToken("This session token was not signed by Shopify for this app.") from error
    except jwt.MissingRequiredClaimError as error:
        raise InvalidSurfaceToken(f"This session token lacks the claim '{error.claim}' Shopify always gives.") from error
    except jwt.InvalidTokenError as error:
        raise InvalidSurfaceToken("This is not a session token from Shopify.") from error


def _shop(dest: object) -> str:
    """`dest` as a shop's domain: checkout gives 'shop.myshopify.com', other surfaces 'https://shop.myshopify.com'."""
    text = dest if isinstance(dest, str) else ""
    domain = ((urlparse(text).hostname or "") if "://" in text else text).lower()
    if not SHOP_DOMAIN.match(domain):
        raise InvalidSurfaceToken("This session token names no Shopify shop.")
    return domain


def _customer_id(subject: object) -> int | None:
    """The customer of a `sub` that is a customer's GID; None for a guest or anyone else."""
    match = CUSTOMER_GID.match(subject) if isinstance(subject, str) else None
    customer = ascii_whole(match.group(1)) if match else None
    return customer if is_id(customer) else None
