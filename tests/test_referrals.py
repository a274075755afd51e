"""Referrals: a friend gets a welcome code at once; the member is paid once, after the
waiting period, for the friend's first qualifying order, and never when it is gamed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import checkout, orders
from shopify_app.ledger.commands import CancelOrder
from shopify_app.ledger.members import find_member
from shopify_app.ledger.models import LedgerEntry
from shopify_app.referrals import referrals
from shopify_app.referrals.models import Referral, ReferralProgram
from shopify_app.shop.models import Shop
from tests.fixtures.app_proxy import signed_query
from webhooks import translate
from webhooks.handlers import HANDLERS

ADA, BOB, CAROL = 7012345678901, 7012345678902, 7012345678903
WAIT = 14


@pytest.fixture
def shop_id(platform, sessions) -> int:
    platform.install()
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == platform.shop)).one()
        program = referrals.settings_of(uow.session, shop_id)
        program.referrer_points, program.waiting_days, program.minimum_order = 500, WAIT, Decimal("40.00")
        program.friend_reward_kind, program.friend_reward_value = "fixed_amount", Decimal("10.00")
        uow.commit()
    return shop_id


def joined(platform, sessions, customer: int, email: str) -> None:
    with UnitOfWork(sessions) as uow:
        HANDLERS["customers/create"](uow.session, platform.shop, shopify.customer(customer, email))
        uow.commit()


def link(platform, customer: int) -> str:
    body = platform.proxy("GET", "/member", customer).get_json()
    return body["referral"]["url"].rsplit("/", 1)[1]


def claim(platform, customer: int, code: str):
    return platform.proxy("POST", "/referral/claim", customer, json={"code": code})


def pay(platform, sessions, order_id: int, customer: int, *, amount="50.00", email=None, address=None, now=None):
    """A paid order; friends ship to their own street unless told otherwise."""
    payload = shopify.order_paid(order_id, customer, lines=((Decimal(amount), 1, 0),), email=email or f"{customer}@example.com")
    payload["shipping_address"]["address1"] = address or f"{customer} Friendly Street"
    with UnitOfWork(sessions) as uow:
        checkout.order_paid(uow.session, translate.order_paid(platform.shop, payload), now=now or datetime.now(UTC))
        uow.commit()


def confirm(sessions, shop_id: int, now: datetime) -> int:
    with UnitOfWork(sessions) as uow:
        settled = referrals.confirm_due(uow.session, uow.session.get(Shop, shop_id), now)
        uow.commit()
        return settled


def referral_rewards(sessions, shop_id: int) -> list[int]:
    with UnitOfWork(sessions) as uow:
        return list(uow.session.scalars(select(LedgerEntry.points).where(LedgerEntry.shop_id == shop_id, LedgerEntry.kind == "referral")))


def the_referral(sessions, shop_id: int, friend: int = BOB) -> Referral:
    with UnitOfWork(sessions) as uow:
        found = uow.session.scalars(select(Referral).where(Referral.shop_id == shop_id, Referral.friend_customer_id == friend)).one()
        uow.session.expunge(found)
        return found


@pytest.fixture
def ada(platform, sessions, shop_id) -> str:
    """Ada, a member who shops at 12 Analytical Row with her Visa ending 4242; her referral code."""
    joined(platform, sessions, ADA, "ada@example.com")
    pay(platform, sessions, 9001, ADA, email="ada@example.com", address="12 Analytical Row")
    return link(platform, ADA)


def test_the_link_is_short_unguessable_and_on_the_shops_own_domain(platform, sessions, ada):
    body = platform.proxy("GET", "/member", ADA).get_json()
    assert body["referral"] == {"url": f"https://{platform.shop}/apps/perks/r/{ada}", "friends": 0, "points_earned": 0}
    assert len(ada) == 10 and ada.isalnum()
    assert link(platform, ADA) == ada  # one code per member
    program = platform.proxy("GET", "/program", None).get_json()
    assert program["referral"] == {
        "friend_reward": "$10.00 off your first order",
        "member_reward": "500 points (on an order of $40.00 or more)",
    }


def test_the_offer_is_said_in_the_shoppers_language(platform, ada):
    def offer_in(locale):
        query = signed_query(platform.shop, None, platform.fake.client_secret, locale=locale)
        return platform.client.get("/proxy/program", query_string=query).get_json()["referral"]

    offer = offer_in("fr")
    assert offer == {
        "friend_reward": "10,00\u00a0$US de réduction sur votre première commande",
        "member_reward": "500 points (pour une commande d'au moins 40,00\u00a0$US)",
    }
    assert offer_in("ro")["member_reward"].startswith("500 de puncte")
    followed = platform.proxy("GET", f"/r/{ada}", None, headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert "Rabatt" in unquote_plus(followed.headers["Location"])


def test_following_the_link_remembers_the_code_and_lands_on_the_home_page_with_the_offer(platform, ada):
    response = platform.proxy("GET", f"/r/{ada}", None)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/?perks_ref={ada}&perks_offer=")
    assert f"perks_ref={ada}" in response.headers["Set-Cookie"]
    assert platform.proxy("GET", "/r/nosuchcode", None).headers["Location"] == "/"


def test_happy_path_the_friend_gets_a_bound_code_and_the_member_is_paid_once_after_the_waiting_period(platform, sessions, shop_id, ada):
    answer = claim(platform, BOB, ada)
    assert answer.status_code == 200, answer.get_json()
    code = answer.get_json()["code"]
    (made,) = [d for d in platform.fake.state.shop(platform.shop).discounts.values() if d["code"] == code]
    assert made["customer_ids"] == [f"gid://shopify/Customer/{BOB}"]
    assert made["usage_limit"] == 1 and made["value"]["amount"] == "10.0"

    paid_at = datetime.now(UTC)
    pay(platform, sessions, 9101, BOB, amount="65.00", now=paid_at)
    assert the_referral(sessions, shop_id).state == "qualified"
    assert confirm(sessions, shop_id, paid_at + timedelta(days=WAIT) - timedelta(seconds=1)) == 0
    assert referral_rewards(sessions, shop_id) == []  # held while the waiting period runs

    assert confirm(sessions, shop_id, paid_at + timedelta(days=WAIT)) == 1
    assert confirm(sessions, shop_id, paid_at + timedelta(days=WAIT + 1)) == 0
    assert referral_rewards(sessions, shop_id) == [500]
    done = the_referral(sessions, shop_id)
    assert (done.state, done.order_id, done.order_amount, done.points) == ("rewarded", 9101, Decimal("65.00"), 500)
    assert platform.proxy("GET", "/member", ADA).get_json()["referral"]["points_earned"] == 500
    # A second order of the friend pays nothing more.
    pay(platform, sessions, 9102, BOB, now=paid_at + timedelta(days=20))
    assert referral_rewards(sessions, shop_id) == [500]


def test_a_member_cannot_refer_themself(platform, sessions, shop_id, ada):
    answer = claim(platform, ADA, ada)
    assert (answer.status_code, answer.get_json()["error"]) == (422, "self_referral")
    assert platform.fake.state.shop(platform.shop).discounts == {}


def test_a_friend_whose_shopify_email_is_the_members_is_refused(platform, sessions, shop_id, ada):
    platform.fake.state.add_customer(platform.shop, id=BOB, email="ADA@example.com")
    answer = claim(platform, BOB, ada)
    assert (answer.status_code, answer.get_json()["error"]) == (422, "self_referral")


@pytest.mark.parametrize(
    "giveaway",
    [
        {"email": "ada@example.com"},  # the member's own email at checkout
        {"address": "12  analytical row"},  # the member's shipping address
    ],
    ids=["same email", "same shipping address"],
)
def test_a_friends_order_that_gives_the_member_away_never_pays(platform, sessions, shop_id, ada, giveaway):
    assert claim(platform, BOB, ada).status_code == 200
    paid_at = datetime.now(UTC)
    pay(platform, sessions, 9201, BOB, now=paid_at, **giveaway)
    assert (the_referral(sessions, shop_id).state, the_referral(sessions, shop_id).reason) == ("rejected", "self_referral")
    confirm(sessions, shop_id, paid_at + timedelta(days=WAIT + 1))
    assert referral_rewards(sessions, shop_id) == []


def test_a_friend_who_ordered_before_is_refused_whether_shopify_or_perks_knows_it(platform, sessions, shop_id, ada):
    platform.fake.state.add_customer(platform.shop, id=BOB, email="bob@example.com", number_of_orders=2)
    answer = claim(platform, BOB, ada)
    assert (answer.status_code, answer.get_json()["error"]) == (422, "ordered_before")
    pay(platform, sessions, 9301, CAROL)  # Shopify has not counted it yet, Perks has
    answer = claim(platform, CAROL, ada)
    assert (answer.status_code, answer.get_json()["error"]) == (422, "ordered_before")
    assert referral_rewards(sessions, shop_id) == []


def test_a_friend_is_referred_once_a_second_member_is_refused_and_a_repeat_claim_gets_the_same_code(platform, sessions, shop_id, ada):
    joined(platform, sessions, CAROL, "carol@example.com")
    carols = link(platform, CAROL)
    first = claim(platform, BOB, ada).get_json()["code"]
    assert claim(platform, BOB, ada).get_json()["code"] == first
    answer = claim(platform, BOB, carols)
    assert (answer.status_code, answer.get_json()["error"]) == (409, "already_referred")
    assert len(platform.fake.state.shop(platform.shop).discounts) == 1
    paid_at = datetime.now(UTC)
    pay(platform, sessions, 9401, BOB, now=paid_at)
    confirm(sessions, shop_id, paid_at + timedelta(days=WAIT))
    with UnitOfWork(sessions) as uow:
        carol = find_member(uow.session, shop_id, CAROL)
        assert carol.points_balance == 0
    assert referral_rewards(sessions, shop_id) == [500]


def test_a_refund_inside_the_waiting_period_means_no_payout(platform, sessions, shop_id, ada):
    assert claim(platform, BOB, ada).status_code == 200
    paid_at = datetime.now(UTC)
    pay(platform, sessions, 9501, BOB, amount="50.00", now=paid_at)
    refund = shopify.refund(95011, 9501, lines=((Decimal("50.00"), 1, Decimal("10.00")),))
    with UnitOfWork(sessions) as uow:
        HANDLERS["refunds/create"](uow.session, platform.shop, refund)
        uow.commit()
    confirm(sessions, shop_id, paid_at + timedelta(days=WAIT))
    assert (the_referral(sessions, shop_id).state, the_referral(sessions, shop_id).reason) == ("rejected", "refunded")
    assert referral_rewards(sessions, shop_id) == []


def test_a_cancellation_inside_the_waiting_period_means_no_payout(platform, sessions, shop_id, ada):
    assert claim(platform, BOB, ada).status_code == 200
    paid_at = datetime.now(UTC)
    pay(platform, sessions, 9601, BOB, now=paid_at)
    with UnitOfWork(sessions) as uow:
        orders.cancel_order(uow.session, CancelOrder(platform.shop, 9601, paid_at + timedelta(days=3)))
        uow.commit()
    confirm(sessions, shop_id, paid_at + timedelta(days=WAIT + 2))
    assert (the_referral(sessions, shop_id).state, the_referral(sessions, shop_id).reason) == ("rejected", "cancelled")
    assert referral_rewards(sessions, shop_id) == []


def test_an_order_below_the_minimum_waits_for_one_that_meets_it(platform, sessions, shop_id, ada):
    assert claim(platform, BOB, ada).status_code == 200
    now = datetime.now(UTC)
    pay(platform, sessions, 9701, BOB, amount="39.99", now=now)
    assert the_referral(sessions, shop_id).state == "pending"
    pay(platform, sessions, 9702, BOB, amount="40.00", now=now)
    assert (the_referral(sessions, shop_id).state, the_referral(sessions, shop_id).order_id) == ("qualified", 9702)


def test_without_a_waiting_period_the_member_is_paid_with_the_order(platform, sessions, shop_id, ada):
    with UnitOfWork(sessions) as uow:
        uow.session.scalars(select(ReferralProgram).where(ReferralProgram.shop_id == shop_id)).one().waiting_days = 0
        uow.commit()
    assert claim(platform, BOB, ada).status_code == 200
    pay(platform, sessions, 9801, BOB)
    pay(platform, sessions, 9801, BOB)  # the same delivery again
    assert referral_rewards(sessions, shop_id) == [500]
