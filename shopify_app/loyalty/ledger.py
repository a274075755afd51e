"""The points ledger. A balance is the sum of its entries; nothing else writes it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shopify_app.db import insert_ignoring_conflicts
from shopify_app.models import LedgerEntry, Member


def post(
    session: Session,
    member: Member,
    points: int,
    *,
    kind: str,
    key: str,
    reason: str = "",
    order_id: int | None = None,
    at: datetime | None = None,
) -> bool:
    """Record a movement once per idempotency key; True if this call recorded it.

    The cached balance moves in the same statement batch and transaction as
    the entry, and only when the entry was really inserted. `at` dates the
    entry when the caller works to a clock of its own (a job judging `now`).
    """
    if points == 0:
        return False
    inserted = session.execute(
        insert_ignoring_conflicts(session, LedgerEntry, ["shop_id", "idempotency_key"])
        .values(
            shop_id=member.shop_id,
            member_id=member.id,
            points=points,
            kind=kind,
            idempotency_key=key,
            reason=reason,
            order_id=order_id,
            created_at=at or datetime.now(UTC),
        )
        .returning(LedgerEntry.id)
    ).scalar()
    if inserted is None:
        return False
    session.execute(update(Member).where(Member.id == member.id).values(points_balance=Member.points_balance + points))
    return True


def balance(session: Session, shop_id: int, member_id: int) -> int:
    """The balance as the ledger says it: the sum of the member's entries."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(LedgerEntry.shop_id == shop_id, LedgerEntry.member_id == member_id)
    )
    return int(total)


def history(session: Session, shop_id: int, member_id: int, limit: int = 50) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.shop_id == shop_id, LedgerEntry.member_id == member_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
        )
    )
