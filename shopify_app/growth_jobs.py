"""Scheduled work on referrals and tiers: rewards confirmed after the waiting
period, tiers reviewed at their window's end, tiers written to Shopify.
Each is safe to run twice, late, or on two schedulers at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.jobs import in_chunks
from shopify_app.referrals import referrals
from shopify_app.shop.models import Shop
from shopify_app.tiers import tiers

log = logging.getLogger(__name__)


def confirm_referrals() -> int:
    return confirm_referrals_with(current().sessions, datetime.now(UTC))


def review_tiers() -> int:
    return review_tiers_with(current().sessions, datetime.now(UTC))


def sync_tiers() -> dict[str, int]:
    from shopify_app.shop import tokens
    from shopify_app.tiers import sync as tier_sync

    runtime = current()
    sessions, settings = runtime.sessions, runtime.settings
    return tier_sync.sync(sessions, lambda domain: tokens.admin_client(sessions, settings, domain))


def confirm_referrals_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Referral rewards whose waiting period is over: paid, or rejected for a refund or cancellation."""

    def confirm(shop_id: int) -> int:
        with UnitOfWork(sessions) as uow:
            due = referrals.due_to_confirm(uow.session, uow.session.get(Shop, shop_id), now)
        return in_chunks(sessions, shop_id, due, lambda session, shop, ids: referrals.confirm(session, shop, ids, now))

    return _per_shop(sessions, confirm)


def review_tiers_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Tiers at their window's end: kept if still earned, else moved down."""

    def review(shop_id: int) -> int:
        with UnitOfWork(sessions) as uow:
            due = tiers.due_for_review(uow.session, uow.session.get(Shop, shop_id), now)
        return in_chunks(sessions, shop_id, due, lambda session, shop, ids: tiers.review(session, shop, ids, now))

    return _per_shop(sessions, review)


def _per_shop(sessions: sessionmaker[Session], work: Callable[[int], int]) -> int:
    """Shop by shop, so one shop's trouble never holds up another's; `work` keeps its own transactions short."""
    total = 0
    with UnitOfWork(sessions) as uow:
        shop_ids = list(uow.session.scalars(select(Shop.id).where(Shop.uninstalled_at.is_(None)).order_by(Shop.id)))
    for shop_id in shop_ids:
        try:
            total += work(shop_id)
        except Exception:
            log.exception("referral/tier job failed for shop %s; the next run tries again", shop_id)
    return total
