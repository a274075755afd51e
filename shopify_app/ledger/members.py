"""Members: one per Shopify customer per shop."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.models import Member


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
