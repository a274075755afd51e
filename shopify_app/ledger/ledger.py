"""The points ledger. A balance is the sum of its entries; nothing else writes it.

Entries are append-only, and the database holds the code to it: a trigger
(migration 0014) refuses UPDATE, DELETE and TRUNCATE of ledger_entries unless
the transaction called `allow_rewrite`, which only deleting a shop does. A
mistake is corrected by a new entry. `audit_balances` checks every member's
cached balance against its entries (`perks audit`, and daily from cron).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.shop.models import Shop

log = logging.getLogger(__name__)
# Members per audit transaction: short transactions, one index range scan of entries each.
AUDIT_CHUNK = 5000


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
        insert_ignoring_conflicts(LedgerEntry, ["shop_id", "idempotency_key"])
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
    # The new balance comes back and is set on `member` alone: SQLAlchemy's own synchronisation
    # would evaluate the WHERE against every member in the session (an import chunk's hundreds).
    moved = update(Member).where(Member.id == member.id).values(points_balance=Member.points_balance + points)
    balance_now = session.execute(moved.returning(Member.points_balance), execution_options={"synchronize_session": False}).scalar_one()
    set_committed_value(member, "points_balance", balance_now)
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


def allow_rewrite(session: Session) -> None:
    """Let this transaction delete ledger entries (the guard's one door, closed again at commit).

    For deleting a shop's data (shop/redact) only: every other change to the
    ledger is a new entry.
    """
    session.execute(select(func.set_config("perks.ledger_rewrite", "on", True)))


@dataclass(frozen=True)
class Drift:
    shop: str
    customer_id: int
    member_id: int
    cached: int
    entries: int


@dataclass
class BalanceAudit:
    members: int = 0
    drifted: int = 0
    first: list[Drift] = field(default_factory=list)  # the first few drifted members, by member id


def audit_balances(
    sessions: sessionmaker[Session], *, shop_domain: str | None = None, chunk: int = AUDIT_CHUNK, keep: int = 10
) -> BalanceAudit:
    """Compare every member's cached balance with the sum of its entries, `chunk` members per transaction.

    Each chunk is one statement, so the cached column and the entries are read
    in one snapshot: a payment landing meanwhile is never taken for drift.
    """
    audit, after = BalanceAudit(), 0
    while True:
        with UnitOfWork(sessions) as uow:
            rows = _audit_chunk(uow.session, after, shop_domain, chunk)
        for shop, customer_id, member_id, cached, entries in rows:
            if cached != entries:
                audit.drifted += 1
                if len(audit.first) < keep:
                    audit.first.append(Drift(shop, customer_id, member_id, int(cached), int(entries)))
        audit.members += len(rows)
        if len(rows) < chunk:
            break
        after = rows[-1][2]
    if audit.drifted:
        log.error("ledger audit: %d of %d cached balances differ from their entries, first %s", audit.drifted, audit.members, audit.first)
    return audit


def _audit_chunk(session: Session, after: int, shop_domain: str | None, chunk: int) -> list[tuple]:
    members = select(Member.id, Member.shop_id, Member.customer_id, Member.points_balance).where(Member.id > after)
    if shop_domain is not None:
        members = members.where(Member.shop_id == select(Shop.id).where(Shop.domain == shop_domain).scalar_subquery())
    members = members.order_by(Member.id).limit(chunk).subquery()
    sums = (
        select(LedgerEntry.member_id, func.sum(LedgerEntry.points).label("total"))
        .where(LedgerEntry.member_id.in_(select(members.c.id)))
        .group_by(LedgerEntry.member_id)
        .subquery()
    )
    query = (
        select(Shop.domain, members.c.customer_id, members.c.id, members.c.points_balance, func.coalesce(sums.c.total, 0))
        .join(Shop, Shop.id == members.c.shop_id)
        .outerjoin(sums, sums.c.member_id == members.c.id)
        .order_by(members.c.id)
    )
    return [tuple(row) for row in session.execute(query)]
