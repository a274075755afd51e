"""Offline access tokens: obtained by token exchange at install, refreshed before they lapse.

Public apps get expiring offline tokens (about an hour) with a refresh
token that is replaced on each use. Only one process may spend a refresh
token, so a refresh happens under the shop row's lock: whoever takes it
first refreshes, the rest wait and then find a fresh token.

A refresh token Shopify refuses (revoked, expired, already spent) is dropped,
so the shop is marked as needing a new token exchange: the next time the
merchant opens Perks, `GET /` trades that page's session token again
(`needs_exchange`), as Shopify's own libraries do when their stored session
is no longer active.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.core.errors import LoyaltyError
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.launcher import publish as launcher_publish
from shopify_app.launcher.look import as_dict, saved_look
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import add_shop, installed_shop
from shopify_app.shop.token_vault import TokenVault
from shopify_app.shopify import oauth
from shopify_app.shopify.admin_client import AdminClient
from shopify_app.shopify.errors import AccessDenied, AdminApiError, TokenRequestError, UserErrors
from shopify_app.shopify.metafield_definitions import create_customer_metafield_definitions

# Refresh this long before expiry, so a token never lapses mid-request.
MARGIN = timedelta(minutes=5)


class ReauthorizationNeeded(LoyaltyError):
    """The shop has no usable token: the merchant must open the app again."""


def admin_base_url(settings: Settings, shop_domain: str) -> str | None:
    return settings.shopify_admin_url.replace("{shop}", shop_domain) if settings.shopify_admin_url else None


def store(shop: Shop, granted: oauth.AccessToken, vault: TokenVault, now: datetime) -> None:
    shop.access_token_encrypted = vault.encrypt(granted.access_token)
    shop.access_token_expires_at = now + timedelta(seconds=granted.expires_in) if granted.expires_in else None
    shop.refresh_token_encrypted = vault.encrypt(granted.refresh_token) if granted.refresh_token else None
    shop.refresh_token_expires_at = now + timedelta(seconds=granted.refresh_token_expires_in) if granted.refresh_token_expires_in else None
    shop.scopes = granted.scope


def install(session: Session, settings: Settings, shop_domain: str, session_token: str) -> Shop:
    """Trade App Bridge's session token for an offline token; record the shop and its default program."""
    base_url = admin_base_url(settings, shop_domain)
    granted = oauth.token_exchange(
        shop_domain, session_token, settings.shopify_api_key, settings.shopify_api_secret, base_url=base_url, expiring=True
    )
    shop = add_shop(session, shop_domain)
    store(shop, granted, TokenVault.from_settings(settings), datetime.now(UTC))
    client = AdminClient(shop_domain, granted.access_token, base_url=base_url)
    details = client.execute("Shop")["shop"]
    shop.name = details["name"]
    shop.currency = details["currencyCode"]
    shop.timezone = details["ianaTimezone"]
    shop.email = details.get("email")
    shop.plan = (details.get("plan") or {}).get("publicDisplayName")
    create_customer_metafield_definitions(client)  # idempotent: a reinstall finds them TAKEN
    look = saved_look(session, shop.id)
    if look is not None:  # Shopify deleted the app's metafields with the app: the storefront gets the saved look back
        launcher_publish.write(client, as_dict(look))
    return shop


def access_token(sessions: sessionmaker[Session], settings: Settings, shop_domain: str) -> str:
    """A usable access token for the shop, refreshed first if it is about to lapse."""
    vault = TokenVault.from_settings(settings)
    with UnitOfWork(sessions) as uow:
        shop = installed_shop(uow.session, shop_domain)
        if _fresh(shop):
            return vault.decrypt(shop.access_token_encrypted)
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(
            select(Shop).where(Shop.domain == shop_domain).with_for_update().execution_options(populate_existing=True)
        ).one()
        if _fresh(shop):  # refreshed by another process while we waited for the lock
            return vault.decrypt(shop.access_token_encrypted)
        now = datetime.now(UTC)
        if not _refreshable(shop, now):
            raise ReauthorizationNeeded(f"{shop_domain} has no usable token; open Perks in the Shopify admin again")
        try:
            granted = oauth.refresh_access_token(
                shop_domain,
                vault.decrypt(shop.refresh_token_encrypted),
                settings.shopify_api_key,
                settings.shopify_api_secret,
                base_url=admin_base_url(settings, shop_domain),
            )
        except TokenRequestError as error:
            if not _refused(error):
                raise  # Shopify could not be reached or failed: the refresh token may still be good
            shop.refresh_token_encrypted = shop.refresh_token_expires_at = None
            uow.commit()
            raise ReauthorizationNeeded(
                f"Shopify refused {shop_domain}'s refresh token ({error.error}); open Perks in the Shopify admin again"
            ) from error
        store(shop, granted, vault, now)
        uow.commit()
        return granted.access_token


def _refused(error: TokenRequestError) -> bool:
    """Shopify's answer means this refresh token will never work again (400/401, e.g. invalid_grant),
    as opposed to a network error or a 5xx, after which it may."""
    return error.status in (400, 401)


def needs_exchange(shop: Shop) -> bool:
    """No token Perks can use or refresh: opening the app must trade a session token again."""
    if shop.access_token_encrypted is None:
        return True
    return not _fresh(shop) and not _refreshable(shop, datetime.now(UTC))


def _refreshable(shop: Shop, now: datetime) -> bool:
    if shop.refresh_token_encrypted is None:
        return False
    return shop.refresh_token_expires_at is None or shop.refresh_token_expires_at > now


def _fresh(shop: Shop) -> bool:
    if shop.access_token_encrypted is None:
        return False
    return shop.access_token_expires_at is None or shop.access_token_expires_at > datetime.now(UTC) + MARGIN


def admin_client(sessions: sessionmaker[Session], settings: Settings, shop_domain: str, **options) -> AdminClient:
    """The one way the app reaches a shop's Admin API; `options` tune the client's retries."""
    return AdminClient(
        shop_domain,
        lambda: access_token(sessions, settings, shop_domain),
        base_url=admin_base_url(settings, shop_domain),
        **options,
    )


@contextmanager
def admin_failures(failure: Callable[..., Exception], refused: str) -> Iterator[None]:
    """A call's failure as the caller's own exception: `failure(message, refused=True)` with
    Shopify's words when it refused (`refused` if it gave none), `refused=False` when it could not be reached."""
    try:
        yield
    except UserErrors as refusal:
        raise failure(refusal.messages(refused), refused=True) from refusal
    except AccessDenied as denied:
        # Denied at a mutation's own field, nothing ran; below it, the mutation ran and only its answer was lost.
        ran = any(len(path) > 1 for path in denied.denied)
        needed = ", ".join(sorted(set(denied.required_access))) or "a scope it does not have"
        raise failure(f"Perks lacks Shopify access ({needed}): the merchant must approve the app's scopes", refused=not ran) from denied
    except (AdminApiError, ReauthorizationNeeded) as error:
        raise failure("Shopify could not be reached", refused=False) from error
