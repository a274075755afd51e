"""Shopify token exchange and expiring-offline-token refresh.

Both are ``POST {shop}/admin/oauth/access_token`` with a JSON body, as
Shopify documents them (and as @shopify/shopify-api sends them):

- token exchange: an App Bridge session token (ID token) for an offline
  access token; ``expiring=1`` asks for a token that lasts an hour and comes
  with a refresh token.
- refresh: ``grant_type=refresh_token``; Shopify rotates the refresh token on
  every use, so the caller must store the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from shopify_app.shopify.errors import TokenRequestError

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_ACCESS_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"
REFRESH_GRANT = "refresh_token"


@dataclass(frozen=True)
class AccessToken:
    access_token: str
    scope: str
    expires_in: int | None = None  # seconds; None for a non-expiring token
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = None

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> AccessToken:
        return cls(
            access_token=body["access_token"],
            scope=body.get("scope", ""),
            expires_in=_int_or_none(body.get("expires_in")),
            refresh_token=body.get("refresh_token"),
            refresh_token_expires_in=_int_or_none(body.get("refresh_token_expires_in")),
        )


def token_url(shop: str, base_url: str | None = None) -> str:
    return f"{(base_url or f'https://{shop}').rstrip('/')}/admin/oauth/access_token"


def token_exchange(
    shop: str,
    session_token: str,
    client_id: str,
    client_secret: str,
    base_url: str | None = None,
    expiring: bool = True,
    *,
    session: requests.Session | None = None,
    timeout: float = 15.0,
) -> AccessToken:
    """Exchange an App Bridge session token for an (expiring) offline access token."""
    body = {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": session_token,
        "subject_token_type": ID_TOKEN_TYPE,
        "requested_token_type": OFFLINE_ACCESS_TOKEN_TYPE,
        "expiring": "1" if expiring else "0",
    }
    return _post(token_url(shop, base_url), body, session, timeout)


def refresh_access_token(
    shop: str,
    refresh_token: str,
    client_id: str,
    client_secret: str,
    base_url: str | None = None,
    *,
    session: requests.Session | None = None,
    timeout: float = 15.0,
) -> AccessToken:
    """Trade a refresh token for a new access token (and a new refresh token)."""
    body = {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": REFRESH_GRANT,
        "refresh_token": refresh_token,
    }
    return _post(token_url(shop, base_url), body, session, timeout)


def _post(url: str, body: dict[str, str], session: requests.Session | None,
          timeout: float) -> AccessToken:
    http = session or requests
    try:
        response = http.post(url, json=body, headers={"Accept": "application/json"}, timeout=timeout)
    except requests.RequestException as exc:
        raise TokenRequestError(0, "network_error", str(exc)) from exc
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if response.status_code != 200 or "access_token" not in payload:
        raise TokenRequestError(
            response.status_code, payload.get("error"),
            payload.get("error_description") or response.text[:200],
        )
    return AccessToken.from_response(payload)


def _int_or_none(value: Any) -> int | None:
    return int(value) if value is not None else None
