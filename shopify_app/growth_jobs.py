"""Scheduled work on referrals and tiers: rewards confirmed after the waiting
period, tiers reviewed at their window's end, tiers written to Shopify.
Each is safe to run twice, late, or on two schedulers at once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.config import Settings
from shopify_app.db import session_factory
from shopify_app.loyalty import referrals, tiers
from shopify_app.models import Shop
from shopify_app.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def confirm_referrals() -> int:
    return confirm_referrals_with(session_factory(Settings.from_env().database_url), datetime.now(UTC))


def review_tiers() -> int:
    return review_tiers_with(session_factory(Settings.from_env().database_url), datetime.now(UTC))


def sync_tiers() -> dict[str, int]:
    from shopify_app.platform import tier_sync, tokens

    settings = Settings.from_env()
    sessions = session_factory(settings.database_url)
    return tier_sync.sync(sessions, lambda domain: tokens.admin_client(sessions, settings, domain))


def confirm_referrals_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Referral rewards whose waiting period is over: paid, or rejected for a refund or cancellation."""
    return _per_shop(sessions, lambda session, shop: referrals.confirm_due(session, shop, now))


def review_tiers_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Tiers at their window's end: kept if still earned, else moved down."""
    return _per_shop(sessions, lambda session, shop: tiers.review_due(session, shop, now))


def _per_shop(sessions: sessionmaker[Session], work) -> int:
    """One transaction per shop, so one shop's trouble never holds up another's."""
    total = 0
    with UnitOfWork(sessions) as uow:
        shop_ids = list(uow.session.scalars(select(Shop.id).where(Shop.uninstalled_at.is_(None)).order_by(Shop.id)))
    for shop_id in shop_ids:
        try:
            with UnitOfWork(sessions) as uow:
                total += work(uow.session, uow.session.get(Shop, shop_id))
                uow.commit()
        except Exception:
            log.exception("referral/tier job failed for shop %s; the next run tries again", shop_id)
    return total
