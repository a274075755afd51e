"""The program's scheduled rules: birthdays, points expiry and dormant-member nudges, every hour for every shop.

Hourly, so a birthday lands soon after midnight in each shop's own zone;
all are safe to run twice or late (see earn/profile.py, ledger/expiry.py and notifications/dormancy.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import profile
from shopify_app.ledger import expiry
from shopify_app.notifications import dormancy
from shopify_app.shop.each_shop import in_chunks, per_shop
from shopify_app.shop.models import Shop


def birthdays_and_expiry() -> dict[str, int]:
    return run_rules(current().sessions, datetime.now(UTC))


def run_rules(sessions: sessionmaker[Session], now: datetime, shop_domain: str | None = None) -> dict[str, int]:
    """Shop by shop (shop.each_shop), within a shop a batch of members per transaction; the totals of the run."""
    totals = {"birthdays": 0, "reminded": 0, "expired": 0, "points_expired": 0, "nudged": 0}

    def birthdays_and_expiry(shop_id: int) -> int:
        done = _run_shop(sessions, shop_id, now, totals)
        totals["reminded"] += done.reminded
        totals["expired"] += done.expired
        totals["points_expired"] += done.points
        return 0

    per_shop(sessions, birthdays_and_expiry, shop_domain=shop_domain)
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
