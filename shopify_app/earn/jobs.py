"""The program's scheduled work: birthdays, points expiry and dormant-member nudges, every hour for every shop.

Hourly, so a birthday lands soon after midnight in each shop's own zone;
both are safe to run twice or late (see loyalty/profile.py and expiry.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.core.db import session_factory
from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import profile
from shopify_app.ledger import expiry
from shopify_app.notifications import dormancy
from shopify_app.shop.models import Shop

log = logging.getLogger(__name__)
BATCH = 200
T = TypeVar("T")


def birthdays_and_expiry() -> dict[str, int]:
    return run_rules(current().sessions, datetime.now(UTC))


def run_rules(sessions: sessionmaker[Session], now: datetime, shop_domain: str | None = None) -> dict[str, int]:
    """Shop by shop, so one shop's trouble never holds up another's; within a shop, BATCH members per transaction."""
    totals = {"birthdays": 0, "reminded": 0, "expired": 0, "points_expired": 0, "nudged": 0}
    with UnitOfWork(sessions) as uow:
        query = select(Shop.id).where(Shop.uninstalled_at.is_(None))
        if shop_domain:
            query = query.where(Shop.domain == shop_domain)
        shop_ids = list(uow.session.scalars(query.order_by(Shop.id)))
    for shop_id in shop_ids:
        try:
            done = _run_shop(sessions, shop_id, now, totals)
        except Exception:
            log.exception("birthdays and expiry failed for shop %s; the next run tries again", shop_id)
            continue
        totals["reminded"] += done.reminded
        totals["expired"] += done.expired
        totals["points_expired"] += done.points
    return totals


def _run_shop(sessions: sessionmaker[Session], shop_id: int, now: datetime, totals: dict[str, int]) -> expiry.Run:
    with UnitOfWork(sessions) as uow:
        shop = uow.session.get(Shop, shop_id)
        birthdays = profile.birthday_members(uow.session, shop, now)
        expiry.expire_pending(uow.session, shop, now)
        quiet = dormancy.quiet_members(uow.session, shop, now)
        due = expiry.due_members(uow.session, shop, now)
        uow.commit()

    def pay_birthdays(session: Session, shop: Shop, member_ids: list[int]) -> int:
        return profile.award_birthdays(session, shop, now, member_ids)

    totals["birthdays"] += in_chunks(sessions, shop_id, birthdays, pay_birthdays)
    totals["nudged"] += in_chunks(sessions, shop_id, quiet, dormancy.nudge_members)
    done = expiry.Run()

    def settle(session: Session, shop: Shop, member_ids: list[int]) -> int:
        for member_id in member_ids:
            expiry.settle(session, shop, member_id, now, done)
        return len(member_ids)

    in_chunks(sessions, shop_id, due, settle)
    return done


def in_chunks(sessions: sessionmaker[Session], shop_id: int, items: list[T], work: Callable[[Session, Shop, list[T]], int]) -> int:
    """`work` on the shop's `items` (listed beforehand, without locks) BATCH at a time, each batch its own
    transaction; the sum of what it returns.

    Member row locks are then held a moment, not while a whole shop is settled, so orders,
    redemptions and storefront requests arriving meanwhile are not kept waiting.
    """
    total = 0
    for start in range(0, len(items), BATCH):
        with UnitOfWork(sessions) as uow:
            total += work(uow.session, uow.session.get(Shop, shop_id), items[start : start + BATCH])
            uow.commit()
    return total


def deliver_notifications() -> dict[str, int]:
    """Member events out to their channels: mail when PERKS_SMTP_URL is set, metafields always."""
    from shopify_app.notifications import deliver

    runtime = current()
    return deliver(runtime.sessions, channels(runtime.settings), datetime.now(UTC))


def channels(settings: Settings) -> list:
    """The channels this deployment has: SMTP from PERKS_SMTP_URL (smtp://host:port) and
    PERKS_MAIL_FROM; Shopify customer metafields and Flow triggers through each shop's Admin client."""
    from urllib.parse import urlsplit

    from shopify_app.notifications.channels import Email, FlowTriggers, Metafields, admin_locale
    from shopify_app.shop import tokens

    sessions = session_factory(settings.database_url)

    def client_for(shop_domain: str):
        return tokens.admin_client(sessions, settings, shop_domain)

    found: list = [Metafields(client_for=client_for), FlowTriggers(client_for=client_for)]
    if settings.smtp_url:
        url = urlsplit(settings.smtp_url)
        found.insert(0, Email(url.hostname or "127.0.0.1", url.port or 25, settings.mail_from, locale_of=admin_locale(client_for)))
    return found
