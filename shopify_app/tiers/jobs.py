"""Tiers reviewed at their window's end (hourly) and written to Shopify (every minute); safe to run twice or late."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.runtime import current
from shopify_app.shop import tokens
from shopify_app.shop.each_shop import each_due
from shopify_app.tiers import sync as tier_sync
from shopify_app.tiers import tiers


def review_tiers() -> int:
    return review_tiers_with(current().sessions, datetime.now(UTC))


def sync_tiers() -> dict[str, int]:
    runtime = current()
    sessions, settings = runtime.sessions, runtime.settings
    return tier_sync.sync(sessions, lambda domain: tokens.admin_client(sessions, settings, domain))


def review_tiers_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Tiers at their window's end: kept if still earned, else moved down."""

    return each_due(
        sessions,
        lambda session, shop: tiers.due_for_review(session, shop, now),
        lambda session, shop, ids: tiers.review(session, shop, ids, now),
    )
