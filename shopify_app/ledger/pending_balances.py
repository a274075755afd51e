"""Balances an import brings for customers, kept with what the other app knew of them; those of customers who
have no Shopify account yet held against their email until the account appears.

Another app's export lists every customer it ever saw, guests included; Shopify has
no customer for some of their emails yet. Their balance is held (`ImportedBalance`,
status pending) and credited when an account with that email appears: customers/create
or customers/update (`customers.save_customer`), or their first order with that email
(`checkout.order_paid`). The entry's key is the one the import would have written
(`import:<job>:<row>`), so whichever path comes first credits it, and only once.

The import and the account race as guest orders and accounts do (`guests.py`), and meet
the same way: each takes the email's row lock (`guests.lock_email`) before looking for
the other, so whichever commits second sees the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.earn.models import MemberBirthday
from shopify_app.ledger import guests, ledger
from shopify_app.ledger.models import ImportedBalance, Member
from shopify_app.shop.models import Shop
from shopify_app.tiers import tiers


@dataclass(frozen=True)
class Carried:
    """What an export holds besides the balance, as far as its layout has it."""

    lifetime_points: int | None = None
    tier: str | None = None
    # (month, day, year or None): some apps keep the day without the year.
    birthday: tuple[int, int, int | None] | None = None
    referrals: int | None = None


@dataclass(frozen=True)
class Balance:
    """One imported row's balance, keyed as its ledger entry is."""

    key: str
    reason: str
    email: str | None
    first_name: str | None
    last_name: str | None
    points: int
    carried: Carried


def credit(session: Session, member: Member, balance: Balance) -> bool:
    """The balance on the member's ledger (once per key); True if this call credited it."""
    return ledger.post(session, member, balance.points, kind="import", key=balance.key, reason=balance.reason)


def keep(session: Session, shop_id: int, job_id: int, credited: list[tuple[Balance, Member]], now: datetime) -> None:
    """The member's history from the other app, for balances credited at the import; its birthday given to
    the member unless they gave Perks one already (theirs is newer than any export). A row that carries
    nothing but its balance has no history to keep: its ledger entry is the whole of it."""
    credited = [(balance, member) for balance, member in credited if balance.carried != Carried()]
    if not credited:
        return
    session.execute(
        insert_ignoring_conflicts(ImportedBalance, ["shop_id", "idempotency_key"]).values(
            [_values(shop_id, job_id, balance, member.id, now) for balance, member in credited]
        )
    )
    _give_birthdays(session, shop_id, [(member, balance.carried) for balance, member in credited], now)


def hold(session: Session, shop_id: int, job_id: int, balances: list[Balance], now: datetime) -> dict[str, Member]:
    """Hold each balance against its email, but for emails a member has by now (an account made since
    Shopify was asked): those members are returned by email, for the caller to credit."""
    emails = sorted({b.email for b in balances if b.email})
    for email in emails:  # sorted: two imports lock emails in the same order
        guests.lock_email(session, shop_id, email)
    members: dict[str, Member] = {}
    if emails:
        query = (
            select(Member)
            .where(Member.shop_id == shop_id, func.lower(Member.email).in_(emails), Member.merged_into_id.is_(None))
            .where(Member.deleted_at.is_(None))
            .order_by(Member.id)
        )
        for member in session.scalars(query):
            members.setdefault(member.email.lower(), member)
    held = [b for b in balances if b.email not in members]
    if held:
        session.execute(
            insert_ignoring_conflicts(ImportedBalance, ["shop_id", "idempotency_key"]).values(
                [_values(shop_id, job_id, balance, None, now) for balance in held]
            )
        )
    return members


def claim(session: Session, member: Member, now: datetime) -> int:
    """Credit the member with every balance held against their email; the points credited."""
    email = guests.normalise(member.email)
    if email is None:
        return 0
    session.flush()  # the member's email must be in the database before an import can look for it
    if guests.lock_email(session, member.shop_id, email):
        return 0  # balances are only ever held under an email's existing row
    held = session.scalars(
        select(ImportedBalance)
        .where(ImportedBalance.shop_id == member.shop_id, ImportedBalance.email == email, ImportedBalance.status == "pending")
        .order_by(ImportedBalance.id)
        .with_for_update()
    ).all()
    credited = 0
    for row in held:
        if ledger.post(session, member, row.points, kind="import", key=row.idempotency_key, reason=row.reason):
            credited += row.points
        row.status, row.member_id, row.credited_at = "credited", member.id, now
    birthdays = [(member, Carried(birthday=(r.birth_month, r.birth_day, r.birth_year))) for r in held if r.birth_month]
    _give_birthdays(session, member.shop_id, birthdays, now)
    if held:
        # The other app's tier and lifetime points with it; a tier name the ladder lacks was named in the import's result.
        session.flush()
        names = [r.tier for r in held if r.tier] or [None]
        tiers.place_imported(session, session.get(Shop, member.shop_id), [(member, name) for name in names], now)
    return credited


def _values(shop_id: int, job_id: int, balance: Balance, member_id: int | None, now: datetime) -> dict:
    month, day, year = balance.carried.birthday or (None, None, None)
    return {
        "shop_id": shop_id,
        "job_id": job_id,
        "email": balance.email,
        "first_name": balance.first_name,
        "last_name": balance.last_name,
        "points": balance.points,
        "idempotency_key": balance.key,
        "reason": balance.reason,
        "lifetime_points": balance.carried.lifetime_points,
        "tier": balance.carried.tier,
        "birth_month": month,
        "birth_day": day,
        "birth_year": year,
        "referrals": balance.carried.referrals,
        "status": "pending" if member_id is None else "credited",
        "member_id": member_id,
        "created_at": now,
        "credited_at": None if member_id is None else now,
    }


def _give_birthdays(session: Session, shop_id: int, given: list[tuple[Member, Carried]], now: datetime) -> None:
    # Written without the profile's reward: an import moves history, it does not earn.
    rows = {
        member.id: {"member_id": member.id, "shop_id": shop_id, "month": c.birthday[0], "day": c.birthday[1], "year": c.birthday[2]}
        for member, c in given
        if c.birthday
    }
    if rows:
        session.execute(insert_ignoring_conflicts(MemberBirthday, ["member_id"]).values([row | {"given_at": now} for row in rows.values()]))
