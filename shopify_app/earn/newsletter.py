"""The newsletter subscribed from the launcher: Shopify records the consent, then the rule pays.

The points go out at once, under the very key the
customers_email_marketing_consent/update webhook uses (`actions.award` for "newsletter": one `ActionClaim` per member, once
ever), so whichever of the two comes first pays and the other finds it paid.
Shopify is asked before anything of ours is written: if it refuses or cannot
be reached, nothing has changed and the shopper may try again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.errors import LoyaltyError
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.earn.models import ActionClaim
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import ensure_member, find_member
from shopify_app.shop.shops import installed_shop, program_of


class SubscriptionFailed(LoyaltyError):
    """Shopify did not record the consent: `refused` when it said no, else it could not be reached."""

    def __init__(self, message: str, *, refused: bool):
        super().__init__(message)
        self.refused = refused


class Subscriber(Protocol):
    def subscribe(self, shop_domain: str, customer_id: int) -> None:
        """Record the customer's email marketing consent as subscribed; raise SubscriptionFailed if not."""


def subscribe(
    sessions: sessionmaker[Session], subscriber: Subscriber, shop_domain: str, customer_id: int, *, now: datetime
) -> actions.Outcome:
    """awarded | repeat (paid before, Shopify not asked again) | off (no newsletter rule on)."""
    with UnitOfWork(sessions) as uow:
        before = _settled(uow.session, shop_domain, customer_id)
    if before is not None:
        return before
    subscriber.subscribe(shop_domain, customer_id)
    with UnitOfWork(sessions) as uow:
        shop = installed_shop(uow.session, shop_domain)
        member = ensure_member(uow.session, shop.id, CustomerProfile(customer_id))[0]
        outcome = actions.award(uow.session, shop, program_of(uow.session, shop), member, "newsletter", now=now)
        uow.commit()
    return outcome


def _settled(session: Session, shop_domain: str, customer_id: int) -> actions.Outcome | None:
    """What to answer without asking Shopify: the rule is off, or this member was paid for it already."""
    shop = installed_shop(session, shop_domain)
    rule = actions.find_rule(session, shop.id, "newsletter")
    if rule is None or not rule.enabled or not program_of(session, shop).enabled:
        return actions.Outcome("off")
    member = find_member(session, shop.id, customer_id)
    claimed = (
        member is not None
        and session.scalars(
            select(ActionClaim.id).where(ActionClaim.shop_id == shop.id, ActionClaim.rule_id == rule.id, ActionClaim.member_id == member.id)
        ).first()
    )
    return actions.Outcome("repeat") if claimed else None
