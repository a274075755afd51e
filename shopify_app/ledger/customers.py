"""Customers becoming members, and what their Shopify account earns them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from shopify_app.earn import actions, profile
from shopify_app.ledger import guests, pending_balances
from shopify_app.ledger.commands import SaveCustomer
from shopify_app.ledger.members import ensure_member
from shopify_app.shop.shops import installed_shop, program_of


def save_customer(session: Session, cmd: SaveCustomer, *, now: datetime | None = None) -> None:
    """Create or update the member. A new account earns the account rule once; an
    email subscribed (customers_email_marketing_consent/update: the customer
    topics carry no consent since 2025-01) the newsletter rule once ever, however
    often consent is withdrawn and given again; guest orders under the email are credited."""
    now = now or datetime.now(UTC)
    shop = installed_shop(session, cmd.shop_domain)
    member, _ = ensure_member(session, shop.id, cmd.profile)
    program = program_of(session, shop)
    if cmd.is_new:
        actions.award(session, shop, program, member, "signup", now=now)
    if cmd.profile.email_subscribed:
        actions.award(session, shop, program, member, "newsletter", now=now)
    profile.award_if_complete(session, shop, program, member, now)
    guests.claim(session, shop, program, member, now)
    pending_balances.claim(session, member, now)
