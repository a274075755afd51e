"""A shop's API keys for the custom-actions API: made, listed and revoked by the merchant.

A key acts on the shop that made it and calls only the actions of its scopes; the
app's client secret, which signs every shop's webhooks and session tokens, is not
one. The key is shown once, when it is made: only its SHA-256 digest is kept, and
its first characters so the merchant can tell keys apart in a list. Each call made
with a key is logged under the key's name (`record_use`), never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_app.core import limits
from shopify_app.core.errors import InvalidCommand, LoyaltyError, NotFound
from shopify_app.earn.actions import REPORTABLE
from shopify_app.shop.models import ApiKey, ApiKeyUse, Shop

log = logging.getLogger(__name__)

# One scope per action the API takes: each reportable earn action, and the birthday.
SCOPES = (*(f"actions:{action}" for action in REPORTABLE), "birthday")
KEY_PREFIX = "perks_"
VISIBLE_CHARACTERS = 12  # "perks_" and 6 characters of the random part: enough to tell a shop's keys apart
MAX_NAME_LENGTH = 60
MAX_LIVE_KEYS = 20  # per shop; revoked keys do not count


class InvalidKey(InvalidCommand):
    """A key the merchant asked for cannot be made as asked; `errors` names each field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {why}" for name, why in errors.items()))
        self.errors = errors


class TooManyKeys(LoyaltyError):
    pass


class UnknownKey(NotFound):
    pass


class KeyRefused(Exception):
    """A call the key does not allow: 401 (no such key, revoked, shop gone) or 403 (not in its scopes)."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error = status, error


def digest_of(key: str) -> str:
    # A key holds 256 random bits, so nobody can guess one from its digest by trying
    # candidates: a fast hash is enough, and a slow one (bcrypt, scrypt) would only
    # cost every call its time. It also lets a key be found by its digest's index.
    return hashlib.sha256(key.encode()).hexdigest()


def make(session: Session, shop_id: int, name: str, scopes: list[str], actor: str) -> tuple[ApiKey, str]:
    """A new key of the shop, and the key itself: the only time it is seen."""
    name = name.strip()
    errors = {}
    if not 1 <= len(name) <= MAX_NAME_LENGTH or limits.has_control_characters(name):
        errors["name"] = f"must be 1 to {MAX_NAME_LENGTH} characters, without control characters"
    if not scopes or not set(scopes) <= set(SCOPES):
        errors["scopes"] = f"must be one or more of {', '.join(SCOPES)}"
    if errors:
        raise InvalidKey(errors)
    # The shop's row is locked so two keys made at once cannot both be the 21st.
    session.scalar(select(Shop.id).where(Shop.id == shop_id).with_for_update())
    if len(live(session, shop_id)) >= MAX_LIVE_KEYS:
        raise TooManyKeys(f"a shop has at most {MAX_LIVE_KEYS} live keys: revoke one it no longer uses first")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        shop_id=shop_id,
        name=name,
        prefix=key[:VISIBLE_CHARACTERS],
        digest=digest_of(key),
        scopes=[scope for scope in SCOPES if scope in scopes],
        created_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise InvalidKey({"name": "another live key has this name"}) from None
    return row, key


def listed(session: Session, shop_id: int) -> list[ApiKey]:
    """Every key of the shop, revoked ones included, newest first."""
    return list(session.scalars(select(ApiKey).where(ApiKey.shop_id == shop_id).order_by(ApiKey.id.desc())))


def live(session: Session, shop_id: int) -> list[ApiKey]:
    return [key for key in listed(session, shop_id) if key.revoked_at is None]


def get(session: Session, shop_id: int, key_id: int) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.shop_id == shop_id, ApiKey.id == key_id))
    if key is None:
        raise UnknownKey(f"no API key {key_id} in this shop")
    return key


def revoke(session: Session, shop_id: int, key_id: int, actor: str, *, now: datetime) -> ApiKey:
    """The key stops working at once; it stays listed, revoked, with its uses. Revoking it again changes nothing."""
    key = get(session, shop_id, key_id)
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = now, actor
        session.flush()
    return key


def authenticate(session: Session, presented: str) -> ApiKey:
    """The live key `presented` is, of an installed shop; else KeyRefused (401)."""
    digest = digest_of(presented)
    key = session.scalar(select(ApiKey).where(ApiKey.digest == digest))
    # Found by its digest's index, so no comparison of the key's characters is timed; compared once more in constant time all the same.
    if key is None or not hmac.compare_digest(key.digest, digest):
        raise KeyRefused(401, "invalid_key", "no such API key: make one in Perks' admin, under API keys")
    if key.revoked_at is not None:
        raise KeyRefused(401, "key_revoked", f"the API key {key.name!r} was revoked")
    if session.scalar(select(Shop.uninstalled_at).where(Shop.id == key.shop_id)) is not None:
        raise KeyRefused(401, "shop_not_installed", "the key's shop has uninstalled Perks")
    return key


def require(scopes: list[str], scope: str, name: str) -> None:
    """KeyRefused (403) unless the key's scopes hold `scope`."""
    if scope not in scopes:
        raise KeyRefused(403, "scope_missing", f"the API key {name!r} may not call {scope}; its scopes: {', '.join(scopes)}")


def record_use(
    session: Session, key_id: int, *, endpoint: str, action: str | None, customer_id: int | None, status: int, now: datetime
) -> ApiKeyUse:
    """Log one call made with the key, under its name, and when it was last used."""
    key = session.get(ApiKey, key_id)
    assert key is not None
    key.last_used_at = now
    use = ApiKeyUse(
        key_id=key_id,
        shop_id=key.shop_id,
        key_name=key.name,
        at=now,
        endpoint=endpoint,
        action=action,
        customer_id=customer_id,
        status=status,
    )
    session.add(use)
    session.flush()
    log.info("API key %r (shop %s) called %s %s for customer %s: %s", key.name, key.shop_id, endpoint, action or "-", customer_id, status)
    return use


def uses(session: Session, shop_id: int, key_id: int, *, limit: int = 100) -> list[ApiKeyUse]:
    """The key's latest uses, newest first."""
    get(session, shop_id, key_id)
    query = select(ApiKeyUse).where(ApiKeyUse.shop_id == shop_id, ApiKeyUse.key_id == key_id)
    return list(session.scalars(query.order_by(ApiKeyUse.id.desc()).limit(limit)))
