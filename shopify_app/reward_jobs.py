"""Scheduled work on rewards: codes that expired unused."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.config import Settings
from shopify_app.db import session_factory
from shopify_app.loyalty.redemptions import expire_unused
from shopify_app.loyalty.shops import program_of
from shopify_app.models import Shop
from shopify_app.unit_of_work import UnitOfWork


def expire_codes() -> int:
    """rq entry point for the cron."""
    return expire_codes_with(session_factory(Settings.from_env().database_url), datetime.now(UTC))


def expire_codes_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Mark past-due unused codes expired, shop by shop; safe to run twice or late."""
    expired = 0
    with UnitOfWork(sessions) as uow:
        shop_ids = list(uow.session.scalars(select(Shop.id).where(Shop.uninstalled_at.is_(None))))
    for shop_id in shop_ids:
        with UnitOfWork(sessions) as uow:
            shop = uow.session.get(Shop, shop_id)
            expired += expire_unused(uow.session, shop, program_of(uow.session, shop).refund_expired_codes, now)
            uow.commit()
    return expired
