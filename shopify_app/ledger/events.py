"""What the member should hear about, recorded in the same transaction as the points.

An event is a row, not a call: the notifier delivers it afterwards, so a mail
server or Shopify being down never holds up or rolls back the ledger. Each
event has a key unique per shop, so a retried transaction records it once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.ledger.models import Member
from shopify_app.notifications.models import MemberEvent

KINDS = (
    "points_earned",
    "points_expiring",
    "points_expired",
    "birthday",
    "reward_affordable",
    "tier_changed",
    "referral_credited",
    "dormant_nudge",
    "reward_redeemed",
)


def emit(session: Session, member: Member, kind: str, key: str, **data) -> bool:
    """Record the event once per key; True if this call recorded it."""
    if kind not in KINDS:
        raise ValueError(f"unknown member event {kind!r}")
    return (
        session.execute(
            insert_ignoring_conflicts(MemberEvent, ["shop_id", "key"])
            .values(shop_id=member.shop_id, member_id=member.id, kind=kind, key=key, data=data, attempts=0)
            .returning(MemberEvent.id)
        ).scalar()
        is not None
    )
