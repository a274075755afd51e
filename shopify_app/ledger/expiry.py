"""Points expire after the program's period without activity, with one reminder first.

Activity is a purchase or a redemption (and an expiry itself, so points
earned afterwards get a period of their own). Each period is identified by
the instant it runs from; its reminder and its expiry are recorded once on
an `ExpiryNotice` row unique per member and period, and the expiry entry's
key is `expire:<member>:<period start>`. So the job can run twice, late, or
in two processes at once: the member's row lock orders them and the keys
make the second a no-op.

When the job reminds late (it did not run for a while), the member still
gets the full notice: the points expire `reminder days` after the reminder,
never before the member could have read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.earn.models import Program
from shopify_app.ledger import events, ledger
from shopify_app.ledger.models import ExpiryNotice, LedgerEntry, Member, PendingPoints
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import program_of

ACTIVITY = or_(LedgerEntry.kind.in_(("redeem", "expire")), and_(LedgerEntry.kind == "earn", LedgerEntry.order_id.is_not(None)))


@dataclass
class Run:
    reminded: int = 0
    expired: int = 0
    points: int = 0
    pending_expired: int = 0


def run(session: Session, shop: Shop, now: datetime) -> Run:
    """Remind and expire what is due in one shop at `now`, in the caller's one transaction."""
    done = Run()
    for member_id in due_members(session, shop, now):
        settle(session, shop, member_id, now, done)
    done.pending_expired = expire_pending(session, shop, now)
    return done


def due_members(session: Session, shop: Shop, now: datetime) -> list[int]:
    """Members with points whose reminder or expiry may be due (settle() decides under a lock)."""
    program = program_of(session, shop)
    if not program.expire_after_days:
        return []
    period, notice = _durations(program)
    last = (
        select(LedgerEntry.member_id, func.max(LedgerEntry.created_at).label("at"))
        .where(LedgerEntry.shop_id == shop.id, ACTIVITY)
        .group_by(LedgerEntry.member_id)
        .subquery()
    )
    since = func.coalesce(last.c.at, Member.created_at)
    due = (
        select(Member.id)
        .outerjoin(last, last.c.member_id == Member.id)
        .where(Member.shop_id == shop.id, Member.points_balance > 0, since <= now - period + notice)
    )
    return list(session.scalars(due.order_by(Member.id)))


def expire_pending(session: Session, shop: Shop, now: datetime) -> int:
    """Guests' pending points past the period expire too; how many orders' worth."""
    program = program_of(session, shop)
    if not program.expire_after_days:
        return 0
    period, _ = _durations(program)
    return session.execute(
        update(PendingPoints)
        .where(PendingPoints.shop_id == shop.id, PendingPoints.status == "pending", PendingPoints.created_at <= now - period)
        .values(status="expired", settled_at=now)
    ).rowcount


def _durations(program: Program) -> tuple[timedelta, timedelta]:
    return timedelta(days=program.expire_after_days), timedelta(days=max(program.expiry_reminder_days, 0))


def settle(session: Session, shop: Shop, member_id: int, now: datetime, done: Run) -> None:
    """Remind or expire one member if due; under the member's row lock, so safe twice or concurrently."""
    program = program_of(session, shop)
    if not program.expire_after_days:
        return
    # The member's row lock: ledger.post updates the same row, so no points
    # can arrive between reading the balance and expiring it.
    member = session.scalars(select(Member).where(Member.id == member_id).with_for_update().execution_options(populate_existing=True)).one()
    if member.points_balance <= 0:
        return
    since = (
        session.scalar(select(func.max(LedgerEntry.created_at)).where(LedgerEntry.member_id == member.id, ACTIVITY)) or member.created_at
    )
    period, notice_period = _durations(program)
    expires = since + period
    if now < expires - notice_period:
        return  # a purchase came in since the candidates were chosen
    stamp = since.isoformat()
    session.execute(
        insert_ignoring_conflicts(ExpiryNotice, ["shop_id", "member_id", "since"]).values(
            shop_id=shop.id, member_id=member.id, since=stamp, points_expired=0
        )
    )
    notice = session.scalars(
        select(ExpiryNotice).where(ExpiryNotice.shop_id == shop.id, ExpiryNotice.member_id == member.id, ExpiryNotice.since == stamp)
    ).one()
    if notice.expired_at is not None:
        return
    if notice_period and notice.reminded_at is None:
        notice.reminded_at = now
        events.emit(
            session,
            member,
            "points_expiring",
            f"event:expiring:{member.id}:{stamp}",
            points=member.points_balance,
            expires_at=max(expires, now + notice_period).isoformat(),
        )
        done.reminded += 1
        return
    if notice_period:
        expires = max(expires, notice.reminded_at + notice_period)
    if now < expires:
        return
    points = member.points_balance
    key = f"expire:{member.id}:{stamp}"
    if ledger.post(
        session, member, -points, kind="expire", key=key, reason=f"Points expired after {program.expire_after_days} days without activity"
    ):
        notice.expired_at, notice.points_expired = now, points
        events.emit(session, member, "points_expired", f"event:{key}", points=points)
        done.expired += 1
        done.points += points
