"""Dormant members: points waiting, a nudge to come back and use them.

A member with points who has not earned or spent anything for the
program's `nudge_after_days` (or has done nothing since joining) gets one
nudge: "you have N points waiting, enough for X", naming the best reward the
points already buy. Members whose points buy nothing yet are left alone: the
nudge would have nothing to offer. One nudge per quiet spell: the event's
key is the member and the instant the spell began, so the hourly job may run
twice or late, and a member who comes back and goes quiet again is nudged again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_app.ledger import events
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.rewards.models import Reward
from shopify_app.rewards.rewards import catalogue, fewest_points
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import program_of

# An expiry or a merge is not the member coming back.
NOT_ACTIVITY = ("expire", "merge")


def nudge(session: Session, shop: Shop, now: datetime) -> int:
    """Record a nudge for every member whose quiet spell has lasted long enough, in the caller's one transaction; how many were new."""
    return nudge_members(session, shop, quiet_members(session, shop, now))


def quiet_members(session: Session, shop: Shop, now: datetime) -> list[tuple[int, datetime]]:
    """(member, quiet since) for each member whose points buy a reward and whose quiet spell has lasted long enough."""
    program = program_of(session, shop)
    if not program.nudge_after_days:
        return []
    offers = catalogue(session, shop.id, enabled_only=True)
    if not offers:
        return []
    last = (
        select(LedgerEntry.member_id, func.max(LedgerEntry.created_at).label("at"))
        .where(LedgerEntry.shop_id == shop.id, LedgerEntry.kind.not_in(NOT_ACTIVITY))
        .group_by(LedgerEntry.member_id)
        .subquery()
    )
    since = func.coalesce(last.c.at, Member.created_at)
    quiet = session.execute(
        select(Member.id, since)
        .outerjoin(last, last.c.member_id == Member.id)
        .where(
            Member.shop_id == shop.id,
            Member.points_balance >= min(fewest_points(r) for r in offers),
            Member.redacted_at.is_(None),
            Member.merged_into_id.is_(None),
            since <= now - timedelta(days=program.nudge_after_days),
        )
        .order_by(Member.id)
    )
    return [(member_id, quiet_since) for member_id, quiet_since in quiet]


def nudge_members(session: Session, shop: Shop, quiet: list[tuple[int, datetime]]) -> int:
    """Nudge these quiet members (from `quiet_members`) with the best reward their points buy now; how many were new.

    A member whose points were spent since the list was read has nothing to be offered, and is skipped."""
    offers = catalogue(session, shop.id, enabled_only=True)
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_([member_id for member_id, _ in quiet])))}
    nudged = 0
    for member_id, quiet_since in quiet:
        member = members.get(member_id)  # gone if the shop or the customer was erased since
        reward = best_affordable(offers, member.points_balance) if member else None
        if reward is None:
            continue
        nudged += events.emit(
            session,
            member,
            "dormant_nudge",
            f"nudge:{member.id}:{quiet_since.isoformat()}",
            points=member.points_balance,
            reward=reward.title,
        )
    return nudged


def best_affordable(offers: list[Reward], points: int) -> Reward | None:
    affordable = [r for r in offers if fewest_points(r) <= points]
    return max(affordable, key=lambda r: (fewest_points(r), r.id), default=None)
