"""Members: one per Shopify customer per shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.models import ImportedBalance, LedgerEntry, Member
from shopify_app.tiers.models import MemberTier, Tier


def ensure_member(session: Session, shop_id: int, profile: CustomerProfile) -> tuple[Member, bool]:
    """The member for this customer, created if new; True when this call created it.

    Insert-or-nothing first, so two deliveries racing for a new customer
    make one member, not an error.
    """
    created = session.scalars(
        insert_ignoring_conflicts(Member, ["shop_id", "customer_id"])
        .values(shop_id=shop_id, customer_id=profile.customer_id, points_balance=0)
        .returning(Member)
    ).one_or_none()
    member = created or find_member(session, shop_id, profile.customer_id)
    if member.merged_into_id is not None:
        # Shopify merged this customer away: what they earn now goes to the kept one.
        return surviving(session, member), False
    apply_profile(member, profile)
    return member, created is not None


def surviving(session: Session, member: Member) -> Member:
    while member.merged_into_id is not None:
        member = session.get(Member, member.merged_into_id)
    return member


def apply_profile(member: Member, profile: CustomerProfile) -> None:
    """Keep email and name current; an older profile never overwrites a newer one."""
    newest = member.profile_updated_at
    if newest is not None and (profile.updated_at is None or profile.updated_at < newest):
        return
    if profile.email is not None:
        member.email = profile.email.strip().lower() or None
    if profile.first_name is not None:
        member.first_name = profile.first_name
    if profile.last_name is not None:
        member.last_name = profile.last_name
    if profile.updated_at is not None:
        member.profile_updated_at = profile.updated_at


def find_member(session: Session, shop_id: int, customer_id: int) -> Member | None:
    return session.scalars(select(Member).where(Member.shop_id == shop_id, Member.customer_id == customer_id)).one_or_none()


# --- history from before Perks -------------------------------------------------
#
# An import credits the balance the other app had (a ledger entry, kind "import") and keeps what that app said the
# customer earned in all (`ImportedBalance.lifetime_points`, which includes that balance: points earned there, less
# those spent or expired there, are the balance). So, once per member (the largest, if several imports carried it):
# - their points earned before Perks are the imported lifetime points;
# - the members table, whose ledger sum already holds the import's credit B, adds only what the other app counted
#   beyond it, max(lifetime - B, 0): 1,250 lifetime with a balance of 300 is 300 in the ledger plus 950, never 1,550.
# Only balances credited to the member count; one still held for an email counts once its account claims it.


def imported_lifetime(session: Session, member_ids: list[int]) -> dict[int, int]:
    """Each member's points earned before Perks, as the other app counted them; a member with none is absent."""
    query = select(ImportedBalance.member_id, func.max(ImportedBalance.lifetime_points)).where(
        ImportedBalance.status == "credited", ImportedBalance.member_id.in_(member_ids), ImportedBalance.lifetime_points.is_not(None)
    )
    return {member_id: int(points) for member_id, points in session.execute(query.group_by(ImportedBalance.member_id))}


def imported_tiers(session: Session, member_ids: list[int], since: datetime | None) -> dict[int, str]:
    """The tier each member's other app had them in, from their latest import credited since `since` (any, if None)."""
    query = select(ImportedBalance.member_id, ImportedBalance.tier).where(
        ImportedBalance.status == "credited", ImportedBalance.member_id.in_(member_ids), ImportedBalance.tier.is_not(None)
    )
    if since is not None:
        query = query.where(ImportedBalance.credited_at >= since)
    return dict(session.execute(query.order_by(ImportedBalance.id)).all())


# --- the members table ----------------------------------------------------------

SORTS = ("name", "points", "lifetime_points", "tier", "joined")


@dataclass(frozen=True)
class Listed:
    member: Member
    tier: str | None
    lifetime_points: int


def directory(session: Session, shop_id: int, q: str, sort: str, descending: bool, offset: int, limit: int) -> tuple[list[Listed], int]:
    """A page of the shop's members matching `q` (part of a name or an email, or a whole customer id), sorted by
    `sort`, and how many match in all."""
    listed = listing(shop_id, q, sort, descending)
    total = session.scalar(select(func.count()).select_from(listed.with_only_columns(Member.id).order_by(None).subquery()))
    return [Listed(member, tier, int(points)) for member, tier, points in session.execute(listed.offset(offset).limit(limit))], total


def listing(shop_id: int, q: str, sort: str, descending: bool) -> Select:
    """The shop's members matching `q` as rows of (Member, tier name, lifetime points), sorted by `sort` (one of
    SORTS; ties newest first, then by id, so pages never overlap).

    Lifetime points: every point the member was given (orders, actions, adjustments, imports, tier bonuses), less what
    refunded orders took back; a redemption's refund gives back points already counted, and spending or expiry takes
    nothing from it. Plus what another app counted as earned beyond the balance it handed over (see above)."""
    # Correlated, so a page sorted by anything else sums the ledger of its own rows only (PostgreSQL evaluates it
    # after the LIMIT), each through the ledger's member index.
    lifetime_points = (
        select(
            func.coalesce(
                func.sum(
                    case(
                        (LedgerEntry.kind == "reverse", LedgerEntry.points),
                        (LedgerEntry.points > 0, case((LedgerEntry.kind == "refund", 0), else_=LedgerEntry.points)),
                        else_=0,
                    )
                ),
                0,
            )
        )
        .where(LedgerEntry.member_id == Member.id)
        .correlate(Member)
        .scalar_subquery()
    )
    before_perks = (
        select(func.coalesce(func.max(func.greatest(ImportedBalance.lifetime_points - ImportedBalance.points, 0)), 0))
        .where(ImportedBalance.member_id == Member.id, ImportedBalance.status == "credited")
        .correlate(Member)
        .scalar_subquery()
    )
    lifetime_points = (lifetime_points + before_perks).label("lifetime_points")
    found = (
        select(Member, Tier.name, lifetime_points)
        .where(Member.shop_id == shop_id, Member.merged_into_id.is_(None), Member.redacted_at.is_(None))
        .outerjoin(MemberTier, MemberTier.member_id == Member.id)
        .outerjoin(Tier, Tier.id == MemberTier.tier_id)
    )
    if q.strip():
        found = found.where(_matches(q.strip()))
    key = {
        "name": func.lower(func.coalesce(func.nullif(func.trim(_full_name()), ""), Member.email, "")),
        "points": Member.points_balance,
        "lifetime_points": lifetime_points,
        # No tier sorts below the lowest tier.
        "tier": func.coalesce(Tier.threshold, -1),
        "joined": Member.created_at,
    }[sort]
    return found.order_by(key.desc() if descending else key.asc(), Member.created_at.desc(), Member.id.desc())


def _full_name():
    return func.coalesce(Member.first_name, "") + " " + func.coalesce(Member.last_name, "")


def _matches(q: str):
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    terms = [func.lower(Member.email).like(pattern, escape="\\"), func.lower(_full_name()).like(pattern, escape="\\")]
    if q.isdigit():
        terms.append(cast(Member.customer_id, String) == q)
    return or_(*terms)
