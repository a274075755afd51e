"""Referral rewards confirmed once the waiting period is over (hourly); safe to run twice, late, or on two schedulers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.runtime import current
from shopify_app.referrals import referrals
from shopify_app.shop.each_shop import each_due


def confirm_referrals() -> int:
    return confirm_referrals_with(current().sessions, datetime.now(UTC))


def confirm_referrals_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Referral rewards whose waiting period is over: paid, or rejected for a refund or cancellation."""

    return each_due(
        sessions,
        lambda session, shop: referrals.due_to_confirm(session, shop, now),
        lambda session, shop, ids: referrals.confirm(session, shop, ids, now),
    )
