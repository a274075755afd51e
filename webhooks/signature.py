"""Shopify's webhook HMAC: base64 of HMAC-SHA256 over the raw body with the app secret."""

import base64
import hashlib
import hmac


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def is_valid(body: bytes, header: str | None, secret: str) -> bool:
    if not header:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.encode())
