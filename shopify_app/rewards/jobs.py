"""Scheduled work on rewards: codes that expired unused, and redemptions a crash left pending."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.rewards.discounts import ShopifyIssuer
from shopify_app.rewards.redemptions import expire_unused, recover
from shopify_app.shop.each_shop import BATCH
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import program_of

log = logging.getLogger(__name__)


def expire_codes() -> int:
    """rq entry point for the cron."""
    return expire_codes_with(current().sessions, datetime.now(UTC))


def expire_codes_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Mark past-due unused codes expired, shop by shop, BATCH codes per transaction; safe to run twice or late."""
    expired = 0
    for shop_id in _installed(sessions):
        done = BATCH
        while done == BATCH:  # a short batch was the shop's last
            with UnitOfWork(sessions) as uow:
                shop = uow.session.get(Shop, shop_id)
                done = expire_unused(uow.session, shop, program_of(uow.session, shop).refund_expired_codes, now, limit=BATCH)
                uow.commit()
            expired += done
    return expired


def recover_redemptions() -> dict[str, int]:
    """rq entry point for the cron."""
    runtime = current()
    return recover_redemptions_with(runtime.sessions, ShopifyIssuer(runtime.sessions, runtime.settings), datetime.now(UTC))


def recover_redemptions_with(sessions: sessionmaker[Session], issuer, now: datetime) -> dict[str, int]:
    """Settle redemptions stuck pending, shop by shop; the states they end in."""
    ended: Counter[str] = Counter()
    for shop_id in _installed(sessions):
        ended += recover(sessions, issuer, shop_id, now)
    if ended["waiting"]:
        log.warning("%d redemptions wait pending with their points held: Shopify could not say what it made", ended["waiting"])
    return dict(ended)


def _installed(sessions: sessionmaker[Session]) -> list[int]:
    with UnitOfWork(sessions) as uow:
        return list(uow.session.scalars(select(Shop.id).where(Shop.uninstalled_at.is_(None))))
