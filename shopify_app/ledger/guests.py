"""Guests earn too: a paid order without an account holds its points against its email
until an account with that email appears, then they are credited once, the order as reason.

Two webhooks can race: a guest's orders/paid and the customers/create of
the account they make a second later. Each takes a lock on one row per
email (`GuestEmail`) before looking for the other, so whichever commits
second sees the first; and the credit is the order's own earn key
(`order:<id>:earn`), so no path can pay an order twice.

Lock order, the same everywhere so no two transactions deadlock: the
email's row first, then order rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.earn.models import Program
from shopify_app.ledger import events, ledger, take_back
from shopify_app.ledger.models import GuestEmail, Member, Order, PendingPoints
from shopify_app.shop.models import Shop


def normalise(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def lock_email(session: Session, shop_id: int, email: str) -> bool:
    """Hold the email's row until commit; True when this call made it, so nothing was ever held against it."""
    return email in lock_emails(session, shop_id, [email])


# The emails' rows not made yet, in one statement whatever their number (a drain's batch locks dozens:
# a multi-row VALUES is compiled again for each count).
_MAKE_EMAILS = text("""
INSERT INTO guest_emails (shop_id, email)
SELECT :shop_id, email FROM unnest(CAST(:emails AS text[])) AS g(email) ORDER BY email
ON CONFLICT (shop_id, email) DO NOTHING
RETURNING email
""")


def lock_emails(session: Session, shop_id: int, emails: list[str]) -> set[str]:
    """Hold each email's row until commit, in sorted order; the emails whose rows this call made,
    so nothing was ever held against them.

    A row this transaction inserts is as good as locked: anyone else's insert waits on it.
    """
    emails = sorted(set(emails))
    if not emails:
        return set()
    made = set(session.scalars(_MAKE_EMAILS, {"shop_id": shop_id, "emails": emails}))
    others = [email for email in emails if email not in made]
    if others:
        session.execute(
            select(GuestEmail.id)
            .where(GuestEmail.shop_id == shop_id, GuestEmail.email.in_(others))
            .order_by(GuestEmail.email)
            .with_for_update()
        )
    return made


def hold(session: Session, shop: Shop, program: Program, order: Order, email: str, now: datetime) -> None:
    """Keep a guest order's points against its email (the caller holds the email's lock);
    credit them at once when an account with that email already exists."""
    if order.points_earned <= 0:
        return
    session.execute(
        insert_ignoring_conflicts(PendingPoints, ["shop_id", "order_id"]).values(
            shop_id=shop.id, order_id=order.order_id, email=email, points=order.points_earned, status="pending", created_at=now
        )
    )
    member = session.scalars(
        select(Member)
        .where(Member.shop_id == shop.id, Member.email == email, Member.merged_into_id.is_(None), Member.deleted_at.is_(None))
        .order_by(Member.id)
        .limit(1)
    ).first()
    if member is not None:
        _credit_all(session, shop, program, member, email, now)


def claim(session: Session, shop: Shop, program: Program, member: Member, now: datetime) -> int:
    """Credit the member with every guest order held against their email; the points credited."""
    email = normalise(member.email)
    if email is None or not program.guest_points:
        return 0
    session.flush()  # the member's email must be in the database before another worker can look for it
    if lock_email(session, shop.id, email):
        return 0  # points are only ever held under an email's existing row
    return _credit_all(session, shop, program, member, email, now)


def _credit_all(session: Session, shop: Shop, program: Program, member: Member, email: str, now: datetime) -> int:
    held = session.scalars(
        select(PendingPoints)
        .where(PendingPoints.shop_id == shop.id, PendingPoints.email == email, PendingPoints.status == "pending")
        .order_by(PendingPoints.order_id)
        .with_for_update()
    ).all()
    credited = 0
    for pending in held:
        if expired(pending, program, now):
            pending.status, pending.settled_at = "expired", now
            continue
        order, _ = take_back.locked_order(session, shop.id, pending.order_id)
        order.member_id = member.id
        key = f"order:{order.order_id}:earn"
        reason = f"Order {order.name} (placed as a guest)"
        if ledger.post(session, member, pending.points, kind="earn", key=key, reason=reason, order_id=order.order_id):
            credited += pending.points
            events.emit(session, member, "points_earned", f"event:{key}", points=pending.points, reason=reason)
        pending.status, pending.member_id, pending.settled_at = "credited", member.id, now
        # A refund or cancellation that came while the points waited settles now.
        take_back.take_back(
            session, program, order, key=f"order:{order.order_id}:settle", reason=f"Order {order.name} refunded or cancelled"
        )
    return credited


def expired(pending: PendingPoints, program: Program, now: datetime) -> bool:
    """Pending points expire like any others: after the program's period without activity."""
    return program.expire_after_days is not None and pending.created_at + timedelta(days=program.expire_after_days) <= now
