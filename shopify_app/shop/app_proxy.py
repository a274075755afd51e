"""Shopify app proxy signatures.

Shopify signs a proxied request's query: every parameter but `signature`,
sorted, written `key=value` (repeated values joined by ","), concatenated
with no separator, HMAC-SHA256 with the app secret, hex.

Checked as strictly as Shopify's own library (@shopify/shopify-api's
validateHmac): the parameters Shopify adds once may appear only once (a
repeated `shop` signs as "a,b" and would leave the reader to pick one), and
the timestamp may be 90 s from now at most (Settings.proxy_max_age_seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

# Shopify's set (hmac, shop, signature, timestamp), and the shopper, whom
# Perks takes from this parameter alone.
SINGLE_VALUED = frozenset({"hmac", "shop", "signature", "timestamp", "logged_in_customer_id"})


class InvalidProxyRequest(Exception):
    pass


def signature(params: Iterable[tuple[str, str]], secret: str) -> str:
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        if key != "signature":
            grouped.setdefault(key, []).append(value)
    message = "".join(f"{key}={','.join(values)}" for key, values in sorted(grouped.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify(params: list[tuple[str, str]], secret: str, *, max_age: int, now: float | None = None) -> dict[str, str]:
    """The verified parameters (last value of each), or InvalidProxyRequest."""
    keys = [key for key, _ in params]
    repeated = sorted({key for key in SINGLE_VALUED if keys.count(key) > 1})
    if repeated:
        raise InvalidProxyRequest(f"parameter {repeated[0]!r} must not appear more than once")
    given = [value for key, value in params if key == "signature"]
    if not given:
        raise InvalidProxyRequest("missing signature")
    if not hmac.compare_digest(signature(params, secret), given[0]):
        raise InvalidProxyRequest("signature does not match")
    values = dict(params)
    try:
        timestamp = int(values["timestamp"])
    except (KeyError, ValueError) as error:
        raise InvalidProxyRequest("missing or malformed timestamp") from error
    if abs((time.time() if now is None else now) - timestamp) > max_age:
        raise InvalidProxyRequest("timestamp too far from now")
    return values
