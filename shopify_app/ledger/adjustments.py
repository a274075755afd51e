"""Manual point adjustments by the merchant's staff, with a reason and who made them.

An adjustment asked for from the admin carries the request's idempotency key
(one per click): its ledger entry is keyed `admin:<key>:adjust`, so the
database's unique key per shop makes a repeat, a retry or a race a no-op, and
the repeat is answered from what the first one wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_app.core.errors import InvalidCommand, LoyaltyError
from shopify_app.ledger import ledger
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import Adjustment, LedgerEntry, Member


class KeyReused(LoyaltyError):
    """The idempotency key was already used for another adjustment."""


@dataclass(frozen=True)
class Adjusted:
    adjustment: Adjustment
    balance: int  # the member's balance right after it: the sum of their entries up to its own
    repeat: bool  # True when an earlier request under the same key made it


def adjust(
    session: Session, shop_id: int, customer_id: int, points: int, reason: str, staff_user: str, *, confirm_negative: bool = False
) -> Adjustment:
    member, _ = ensure_member(session, shop_id, CustomerProfile(customer_id=customer_id))
    _keep_above_zero(session, member, points, confirm_negative)
    adjustment = Adjustment(shop_id=shop_id, member_id=member.id, points=points, reason=reason, staff_user=staff_user)
    session.add(adjustment)
    session.flush()
    ledger.post(session, member, points, kind="adjust", key=f"adjustment:{adjustment.id}", reason=adjustment.reason)
    return adjustment


def adjust_once(
    session: Session,
    shop_id: int,
    customer_id: int,
    points: int,
    reason: str,
    staff_user: str,
    request_key: str,
    *,
    confirm_negative: bool = False,
) -> Adjusted:
    """The adjustment a request under `request_key` asks for, made once whatever the repeats and races.

    Raises KeyReused, changing nothing, if the key already made a different
    adjustment (another customer, points or reason), and InvalidCommand if it
    would take the balance below zero without `confirm_negative`. The points and the reason come
    checked by the request's model (admin_api.members.AdjustmentFields): within the limits, a reason said."""
    key = f"admin:{request_key}:adjust"
    earlier = _earlier(session, shop_id, key, customer_id, points, reason)
    if earlier is not None:
        return earlier
    member, _ = ensure_member(session, shop_id, CustomerProfile(customer_id=customer_id))
    _keep_above_zero(session, member, points, confirm_negative)
    at = datetime.now(UTC)
    attempt = session.begin_nested()
    adjustment = Adjustment(shop_id=shop_id, member_id=member.id, points=points, reason=reason, staff_user=staff_user, created_at=at)
    session.add(adjustment)
    session.flush()
    if not ledger.post(session, member, points, kind="adjust", key=key, reason=reason, at=at):
        # A request under the same key got there first (this insert waited for its commit): keep nothing of ours.
        attempt.rollback()
        earlier = _earlier(session, shop_id, key, customer_id, points, reason)
        assert earlier is not None, f"ledger entry {key} refused as a duplicate, then not found"
        return earlier
    attempt.commit()
    entry_id = session.scalar(select(LedgerEntry.id).where(LedgerEntry.shop_id == shop_id, LedgerEntry.idempotency_key == key))
    return Adjusted(adjustment, _balance_through(session, member.id, entry_id), repeat=False)


def _keep_above_zero(session: Session, member: Member, points: int, confirm_negative: bool) -> None:
    """Refuse an adjustment that takes the balance below zero unless the merchant confirmed it.

    The member's row is locked first, so two adjustments at once cannot each see enough points."""
    if points > 0 or confirm_negative:
        return
    balance = session.scalar(select(Member.points_balance).where(Member.id == member.id).with_for_update())
    if balance + points < 0:
        raise InvalidCommand(
            f"Points would take the balance from {balance:,} to {balance + points:,}: "
            "tick “Allow the balance to go below zero” (confirm_negative) if that is meant"
        )


def _earlier(session: Session, shop_id: int, key: str, customer_id: int, points: int, reason: str) -> Adjusted | None:
    """What an earlier request under this key made, rebuilt from its ledger entry; None if none did."""
    found = session.execute(
        select(LedgerEntry, Member.customer_id)
        .join(Member, Member.id == LedgerEntry.member_id)
        .where(LedgerEntry.shop_id == shop_id, LedgerEntry.idempotency_key == key)
    ).first()
    if found is None:
        return None
    entry, earlier_customer = found
    if (earlier_customer, entry.points, entry.reason) != (customer_id, points, reason):
        raise KeyReused("Idempotency-Key was already used for another adjustment; send a new key for a new one")
    # Written in one transaction with the entry, at the same instant, for the same member, points and reason.
    adjustment = session.scalars(
        select(Adjustment)
        .where(
            Adjustment.shop_id == shop_id,
            Adjustment.member_id == entry.member_id,
            Adjustment.created_at == entry.created_at,
            Adjustment.points == entry.points,
            Adjustment.reason == entry.reason,
        )
        .order_by(Adjustment.id)
        .limit(1)
    ).one()
    return Adjusted(adjustment, _balance_through(session, entry.member_id, entry.id), repeat=True)


def _balance_through(session: Session, member_id: int, entry_id: int) -> int:
    """The member's balance as of one entry: the sum of theirs up to and including it."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(LedgerEntry.member_id == member_id, LedgerEntry.id <= entry_id)
    )
    return int(total)
