"""Issue 17, exactly once under faults: Shopify made the reward but its answer was lost.

For each reward kind and each way an answer goes missing (the connection dropped
after the mutation ran, the answer arriving after the client stopped waiting, a 500
after the work was done), the shopper ends with exactly one code or one credit and
the points spent once; or, when Shopify certainly made nothing, none and the points
back. Through the storefront's /redeem and the recovery job, against the fake Admin
API on a real socket.
"""

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from shopify_app.rewards import discounts, redemptions
from shopify_app.rewards.discounts import ShopifyIssuer
from shopify_app.rewards.models import Redemption
from tests import test_redemption
from tests.test_redemption import ADA, balance, give, ledger_kinds, redeem, reward

shop_id = test_redemption.shop_id  # the fixture: an installed shop

CLIENT_TIMEOUT = 0.5  # the shopper's request waits this long for each answer here (5 s live)
LATE = 1.2  # a "late" answer lands after the client gave up, and after its first look

KINDS = {
    "fixed_amount": ({"kind": "fixed_amount", "value": "5.00"}, "discountCodeBasicCreate"),
    "percentage": ({"kind": "percentage", "value": "15"}, "discountCodeBasicCreate"),
    "free_shipping": ({"kind": "free_shipping"}, "discountCodeFreeShippingCreate"),
    "free_product": ({"kind": "free_product", "variant_id": 45012345678901, "value": "0"}, "discountCodeBasicCreate"),
    "points_for_money": ({"kind": "points_for_money", "value": "1.00", "min_points": 500}, "discountCodeBasicCreate"),
    "store_credit": ({"kind": "store_credit", "value": "8.00"}, "storeCreditAccountCredit"),
}
FAULTS = ("drop", "late", "500")
COST = 500


@pytest.fixture(autouse=True)
def brief_waits(monkeypatch):
    monkeypatch.setitem(discounts.SHOPPER_WAITING, "timeout", CLIENT_TIMEOUT)
    monkeypatch.setitem(discounts.SHOPPER_WAITING, "backoff_base", 0.01)


def offer(sessions, shop_id: int, kind: str) -> tuple[int, str]:
    fields, mutation = KINDS[kind]
    give(sessions, shop_id, COST + 100)
    return reward(sessions, shop_id, title=kind, points_cost=COST, **fields), mutation


def ask(platform, reward_id: int, kind: str):
    return redeem(platform, reward_id, points=COST if kind == "points_for_money" else None)


def recover_later(platform, sessions, shop_id: int) -> dict[str, int]:
    later = datetime.now(UTC) + redemptions.STUCK_AFTER
    return dict(redemptions.recover(sessions, ShopifyIssuer(sessions, platform.settings), shop_id, later))


def made(platform) -> tuple[list[dict], list[dict]]:
    """Every discount and every store credit transaction Shopify holds for the shop."""
    shop = platform.fake.state.shop(platform.shop)
    credits = [tx for account in shop.store_credit_accounts.values() for tx in account["transactions"]]
    return list(shop.discounts.values()), credits


def the_redemption(sessions, shop_id: int) -> Redemption:
    with sessions() as session:
        return session.scalars(select(Redemption).where(Redemption.shop_id == shop_id)).one()


def assert_exactly_one(platform, sessions, shop_id: int, kind: str) -> None:
    codes, credits = made(platform)
    settled = the_redemption(sessions, shop_id)
    assert settled.state == "issued"
    if kind == "store_credit":
        assert codes == [] and len(credits) == 1 and Decimal(credits[0]["amount"]) == Decimal("8")
        assert settled.shopify_id == credits[0]["id"]
    else:
        assert credits == [] and [d["code"] for d in codes] == [settled.code]
        assert settled.shopify_id == codes[0]["id"]
    assert balance(sessions, shop_id) == 100  # spent once, never given back
    assert ledger_kinds(sessions, shop_id) == [("adjust", COST + 100), ("redeem", -COST)]


def wait_for_late_answers() -> None:
    time.sleep(LATE + 0.3)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_reward_whose_answer_is_lost_is_made_exactly_once_and_paid_once(platform, sessions, shop_id, kind, fault):
    reward_id, mutation = offer(sessions, shop_id, kind)
    platform.fake.state.lose_answer_next(mutation, 1, fault, delay=LATE)

    response = ask(platform, reward_id, kind)
    wait_for_late_answers()

    if kind == "store_credit" and fault == "late":
        # Not there when asked, and a credit is never sent twice: still being created, points held.
        assert response.status_code == 409 and response.get_json()["error"] == "in_progress"
        assert the_redemption(sessions, shop_id).state == "pending" and balance(sessions, shop_id) == 100
        assert recover_later(platform, sessions, shop_id) == {"issued": 1}  # the recovery finds it landed
    else:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["state"] == "issued"
    assert recover_later(platform, sessions, shop_id) == {}
    assert_exactly_one(platform, sessions, shop_id, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_when_every_answer_is_lost_after_landing_the_look_up_still_finds_the_one_reward(platform, sessions, shop_id, kind):
    reward_id, mutation = offer(sessions, shop_id, kind)
    platform.fake.state.lose_answer_next(mutation, 20, "500")
    assert ask(platform, reward_id, kind).status_code == 200
    assert_exactly_one(platform, sessions, shop_id, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_a_reward_whose_fate_cannot_be_known_stays_pending_then_settles_once(platform, sessions, shop_id, kind):
    """5xx on everything, the look-ups too: nothing known, nothing decided. Here Shopify never
    made it; once it answers, the recovery makes the code (unique, so never twice), or, for
    store credit, which is never sent twice, gives the points back."""
    reward_id, _ = offer(sessions, shop_id, kind)
    platform.fake.state.fail_next(50, 503)
    response = ask(platform, reward_id, kind)
    assert response.status_code == 409 and response.get_json()["error"] == "in_progress"
    assert the_redemption(sessions, shop_id).state == "pending" and balance(sessions, shop_id) == 100

    assert recover_later(platform, sessions, shop_id) == {"waiting": 1}  # still failing: still nothing decided
    platform.fake.state.fail_next(0)
    if kind == "store_credit":
        assert recover_later(platform, sessions, shop_id) == {"failed": 1}
        assert made(platform) == ([], []) and balance(sessions, shop_id) == COST + 100
        assert ledger_kinds(sessions, shop_id) == [("adjust", COST + 100), ("redeem", -COST), ("refund", COST)]
    else:
        assert recover_later(platform, sessions, shop_id) == {"issued": 1}
        assert_exactly_one(platform, sessions, shop_id, kind)
    assert recover_later(platform, sessions, shop_id) == {}


@pytest.mark.parametrize("kind", ["fixed_amount", "store_credit"])
def test_when_shopify_is_never_reached_the_points_come_back_at_once(platform, sessions, shop_id, kind):
    reward_id, _ = offer(sessions, shop_id, kind)
    platform.fake.server.stop()  # connection refused: the request certainly never arrived
    response = ask(platform, reward_id, kind)
    assert response.status_code == 502 and response.get_json()["error"] == "reward_not_issued"
    assert balance(sessions, shop_id) == COST + 100
    assert made(platform) == ([], [])


def test_a_credit_is_matched_to_its_own_redemption_only(platform, sessions, shop_id):
    """Two $8 credits for the same member, both answers lost after landing, settled by look-ups:
    each redemption stands for its own transaction, never both for one."""
    reward_id, mutation = offer(sessions, shop_id, "store_credit")
    give(sessions, shop_id, COST)
    platform.fake.state.lose_answer_next(mutation, 2, "drop")
    assert ask(platform, reward_id, "store_credit").status_code == 200
    assert ask(platform, reward_id, "store_credit").status_code == 200
    _, credits = made(platform)
    with sessions() as session:
        ids = sorted(session.scalars(select(Redemption.shopify_id).where(Redemption.shop_id == shop_id)))
    assert len(credits) == 2 and ids == sorted(tx["id"] for tx in credits)


def test_a_merchants_own_credit_of_another_amount_is_not_taken_for_the_lost_one(platform, sessions, shop_id):
    reward_id, mutation = offer(sessions, shop_id, "store_credit")
    client = platform.fake.client(platform.shop)
    client.execute("StoreCreditAccountCredit", {"id": f"gid://shopify/Customer/{ADA}",
                                                "creditInput": {"creditAmount": {"amount": "9.00", "currencyCode": "USD"}}})
    platform.fake.state.lose_answer_next(mutation, 1, "late", delay=LATE)
    assert ask(platform, reward_id, "store_credit").status_code == 409  # the $9 is not ours: still being created
    wait_for_late_answers()
    assert recover_later(platform, sessions, shop_id) == {"issued": 1}
    _, credits = made(platform)
    assert the_redemption(sessions, shop_id).shopify_id == next(tx["id"] for tx in credits if tx["amount"] == "8.0")
