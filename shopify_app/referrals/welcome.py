"""The referred friend's side through the Admin API: who they are, and their welcome code.

A claim is three steps, as a redemption is: Shopify is asked about the
friend (email, orders so far); the referral is recorded in one transaction,
its code chosen there; then the code is created in Shopify with no
transaction open, and the outcome recorded. Claiming again after a failure
tries the same code again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.referrals import referrals
from shopify_app.referrals.models import Referral, ReferralProgram
from shopify_app.rewards.discounts import SHOPPER_WAITING, issue_with
from shopify_app.rewards.models import Redemption, Reward
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop
from shopify_app.shop.tokens import ReauthorizationNeeded, admin_client
from shopify_app.shopify.admin_client import AdminClient
from shopify_app.shopify.errors import AdminApiError, UserErrors


class ShopifyUnavailable(Exception):
    """The Admin API could not say who the friend is; nothing was recorded."""


def friend_facts(client: AdminClient, customer_id: int) -> referrals.Friend:
    customer = client.execute("Customer", {"id": f"gid://shopify/Customer/{customer_id}", "metafieldNamespace": "perks"})["customer"]
    if customer is None:
        return referrals.Friend(customer_id)
    email = (customer.get("defaultEmailAddress") or {}).get("emailAddress")
    return referrals.Friend(customer_id, email=email, orders_before=int(customer.get("numberOfOrders") or 0))


def welcome_reward(program: ReferralProgram, shop: Shop) -> Reward:
    """The friend's reward as a catalogue-less reward (never stored); the launcher words it in the shopper's language."""
    return Reward(
        shop_id=shop.id,
        title="Welcome gift",
        kind=program.friend_reward_kind,
        points_cost=1,
        value=program.friend_reward_value,
        minimum_order=program.friend_reward_minimum,
        combines_with_order=False,
        combines_with_product=True,
        combines_with_shipping=True,
    )


def claim(sessions: sessionmaker[Session], settings: Settings, shop_domain: str, code: str, customer_id: int, now: datetime) -> Referral:
    """Record the referral (or raise ReferralRefused) and create the friend's code in Shopify."""
    client = admin_client(sessions, settings, shop_domain, **SHOPPER_WAITING)
    try:
        friend = friend_facts(client, customer_id)
    except (AdminApiError, ReauthorizationNeeded) as error:
        raise ShopifyUnavailable("Shopify could not be reached; try again in a moment.") from error
    with UnitOfWork(sessions) as uow:
        shop = installed_shop(uow.session, shop_domain)
        referral = referrals.claim(uow.session, shop, code, friend, now)
        uow.commit()
        if referral.welcome_shopify_id is not None:
            uow.session.expunge(referral)
            return referral
        program = referrals.settings_of(uow.session, shop.id)
        reward = welcome_reward(program, shop)
        days = program.friend_code_valid_days
        ticket = Redemption(
            code=referral.welcome_code, value=reward.value, created_at=now, expires_at=now + timedelta(days=days) if days else None
        )
        uow.session.expunge_all()
    try:
        shopify_id, error = issue_with(client, shop, reward, ticket, customer_id).shopify_id, None
    except UserErrors as refusal:
        shopify_id, error = None, refusal.messages("Shopify refused the code")
    except (AdminApiError, ReauthorizationNeeded):
        shopify_id, error = None, "Shopify could not be reached"
    with UnitOfWork(sessions) as uow:
        settled = referrals.welcome_issued(uow.session, referral.id, shopify_id, error)
        uow.commit()
        uow.session.refresh(settled)
        uow.session.expunge(settled)
        return settled
