"""Points become real Shopify discounts and store credit, never spent twice and never lost."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.models import Program
from shopify_app.ledger import adjustments, ledger
from shopify_app.ledger.members import find_member
from shopify_app.ledger.models import LedgerEntry
from shopify_app.notifications import deliver
from shopify_app.notifications.channels import FlowTriggers
from shopify_app.notifications.messages import render
from shopify_app.rewards import redemptions
from shopify_app.rewards.discounts import ShopifyIssuer
from shopify_app.rewards.jobs import expire_codes_with, recover_redemptions_with
from shopify_app.rewards.models import Redemption, Reward
from shopify_app.rewards.rewards import create_reward
from shopify_app.shop.models import Shop
from tests.fixtures.app_proxy import signed_query
from webhooks.handlers import HANDLERS

ADA = 7012345678901


@pytest.fixture
def shop_id(platform, sessions) -> int:
    platform.install()
    with UnitOfWork(sessions) as uow:
        return uow.session.scalars(select(Shop.id).where(Shop.domain == platform.shop)).one()


def give(sessions, shop_id: int, points: int, customer: int = ADA) -> None:
    with UnitOfWork(sessions) as uow:
        adjustments.adjust(uow.session, shop_id, customer, points, "Welcome gift", "staff-1")
        uow.commit()


def reward(sessions, shop_id: int, **fields) -> int:
    with UnitOfWork(sessions) as uow:
        made = create_reward(uow.session, shop_id, fields)
        uow.commit()
        return made.id


def balance(sessions, shop_id: int, customer: int = ADA) -> int:
    with UnitOfWork(sessions) as uow:
        member = find_member(uow.session, shop_id, customer)
        return ledger.balance(uow.session, shop_id, member.id)


def redeem(platform, reward_id: int, points: int | None = None, key: str | None = None, customer: int = ADA):
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    return platform.proxy("POST", "/redeem", customer, json={"reward_id": reward_id, "points": points}, headers=headers)


def discount(platform, code: str) -> dict:
    (found,) = [d for d in platform.fake.state.shop(platform.shop).discounts.values() if d["code"] == code]
    return found


def test_a_new_shop_offers_5_off_for_500_points(platform, sessions, shop_id):
    with UnitOfWork(sessions) as uow:
        (default,) = uow.session.scalars(select(Reward).where(Reward.shop_id == shop_id))
        assert (default.kind, default.points_cost, default.value, default.enabled) == ("fixed_amount", 500, 5, True)


def test_an_amount_off_reward_becomes_a_single_use_code_bound_to_the_customer(platform, sessions, shop_id):
    give(sessions, shop_id, 800)
    reward_id = reward(
        sessions,
        shop_id,
        title="$10 off",
        kind="fixed_amount",
        points_cost=700,
        value="10.00",
        minimum_order="40.00",
        code_valid_days=30,
    )
    response = redeem(platform, reward_id)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["points_spent"] == 700 and body["balance"] == 100 and body["code"].startswith("PERKS-")
    made = discount(platform, body["code"])
    assert made["kind"] == "basic"
    assert made["customer_ids"] == [f"gid://shopify/Customer/{ADA}"]
    assert made["value"] == {"type": "amount", "amount": "10.0", "applies_on_each_item": False}
    assert made["minimum_subtotal"] == "40.0"
    assert made["usage_limit"] == 1 and made["applies_once_per_customer"] is True
    assert made["ends_at"].startswith(body["expires_at"][:10])
    assert made["combines_with"] == {"orderDiscounts": False, "productDiscounts": True, "shippingDiscounts": True}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "percentage", "value": "15"}, {"type": "percentage", "percentage": 0.15}),
        (
            {"kind": "free_product", "variant_id": 45012345678901, "value": "0"},
            {"type": "on_quantity", "quantity": "1", "percentage": 1.0},  # one unit free, not every unit
        ),
    ],
)
def test_percentage_and_free_product_rewards_become_basic_codes(platform, sessions, shop_id, fields, expected):
    give(sessions, shop_id, 300)
    body = redeem(platform, reward(sessions, shop_id, title="Reward", points_cost=300, **fields)).get_json()
    made = discount(platform, body["code"])
    assert made["value"] == expected
    if fields["kind"] == "free_product":
        assert made["items"]["variant_ids"] == ["gid://shopify/ProductVariant/45012345678901"]


def test_a_free_shipping_reward_becomes_a_free_shipping_code(platform, sessions, shop_id):
    give(sessions, shop_id, 200)
    body = redeem(platform, reward(sessions, shop_id, title="Free shipping", kind="free_shipping", points_cost=200)).get_json()
    assert discount(platform, body["code"])["kind"] == "free_shipping"


def test_a_store_credit_reward_credits_the_customers_shopify_account(platform, sessions, shop_id):
    give(sessions, shop_id, 1000)
    body = redeem(platform, reward(sessions, shop_id, title="$8 credit", kind="store_credit", points_cost=1000, value="8.00")).get_json()
    assert body["code"] is None and body["state"] == "issued"
    (account,) = platform.fake.state.shop(platform.shop).store_credit_accounts.values()
    assert account["owner_id"] == f"gid://shopify/Customer/{ADA}"
    assert account["balance"] == "8.0"


def test_a_store_credit_redemption_needs_only_the_scope_to_credit(platform, sessions, shop_id):
    # The scopes Perks had before: no read_store_credit_accounts. The credit's answer once
    # selected its account, so Shopify credited, then denied the answer, and the points came back too.
    before = "read_orders,read_products,write_customers,write_discounts,write_store_credit_account_transactions"
    for token in platform.fake.state.access_tokens.values():
        token["scope"] = before
    give(sessions, shop_id, 1000)
    body = redeem(platform, reward(sessions, shop_id, title="$8 credit", kind="store_credit", points_cost=1000, value="8.00")).get_json()
    assert body.get("state") == "issued", body
    assert balance(sessions, shop_id) == 0
    (account,) = platform.fake.state.shop(platform.shop).store_credit_accounts.values()
    assert account["balance"] == "8.0"


def test_store_credit_whose_answer_was_denied_after_it_ran_is_neither_issued_nor_given_back(sessions, shop_id):
    from shopify_app.rewards.discounts import CreditAnswerDenied, issue_with
    from shopify_app.shopify.errors import AccessDenied

    class DeniedAfterRunning:
        def execute(self, name, variables):
            path = ["storeCreditAccountCredit", "storeCreditAccountTransaction", "account"]
            error = {
                "message": "Access denied for account field.",
                "path": path,
                "extensions": {"code": "ACCESS_DENIED", "requiredAccess": "`read_store_credit_accounts` access scope."},
            }
            answer = {"storeCreditAccountCredit": {"storeCreditAccountTransaction": None}}
            raise AccessDenied("missing access scope", errors=[error], data=answer)

    with UnitOfWork(sessions) as uow:
        shop = uow.session.get(Shop, shop_id)
        credit = Reward(kind="store_credit", title="$8 credit")
        with pytest.raises(CreditAnswerDenied):  # not IssueFailed: that would give the points back
            issue_with(DeniedAfterRunning(), shop, credit, Redemption(value=8, expires_at=None), ADA)


def test_a_reward_shopify_may_have_made_stays_pending_with_its_points_taken(sessions, shop_id):
    from shopify_app.rewards.discounts import CreditAnswerDenied

    class CreditedButDenied:
        def issue(self, shop, reward, redemption, customer_id):
            raise CreditAnswerDenied("storeCreditAccountCredit ran; its answer was denied")

        def find(self, shop, reward, redemption, customer_id):
            return None  # not visible yet: the recovery asks again later

    give(sessions, shop_id, 1000)
    credit = reward(sessions, shop_id, title="$8 credit", kind="store_credit", points_cost=1000, value="8.00")
    wanted = redemptions.RedeemRequest(shop_id, ADA, credit, f"{ADA}:once")
    for _ in range(2):  # asked again, the shopper hears the same
        with pytest.raises(redemptions.RedemptionRefused) as refused:
            redemptions.redeem(sessions, CreditedButDenied(), wanted, datetime.now(UTC))
        assert refused.value.reason == "in_progress"
    assert balance(sessions, shop_id) == 0  # neither given back (that could pay twice) nor lost: pending
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalars(select(Redemption.state).where(Redemption.shop_id == shop_id)).one() == "pending"


def test_points_for_money_spends_the_chosen_points_in_steps(platform, sessions, shop_id):
    give(sessions, shop_id, 1000)
    reward_id = reward(
        sessions,
        shop_id,
        title="Points off",
        kind="points_for_money",
        points_cost=100,
        value="1.00",
        min_points=200,
        max_points=900,
    )
    assert redeem(platform, reward_id, points=250).status_code == 422  # not a whole step
    assert redeem(platform, reward_id, points=1000).status_code == 422  # over the maximum
    assert redeem(platform, reward_id, points=None).status_code == 422
    body = redeem(platform, reward_id, points=700).get_json()
    assert body["points_spent"] == 700 and body["balance"] == 300
    assert discount(platform, body["code"])["value"]["amount"] == "7.0"


def test_twenty_concurrent_redemptions_by_a_member_who_can_afford_one_give_exactly_one_code(platform, sessions, shop_id):
    twenty_at_once(platform, sessions, shop_id, lambda reward_id: redeem(platform, reward_id))


def twenty_at_once(platform, sessions, shop_id: int, redeem_once) -> None:
    """20 redemptions of ADA's at once, each its own Idempotency-Key, through `redeem_once(reward_id)` (the launcher,
    the customer account page, the till): one code, the points spent once, the other 19 refused."""
    give(sessions, shop_id, 600)
    reward_id = reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")
    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(lambda _: redeem_once(reward_id), range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19
    assert {r.get_json()["error"] for r in responses if r.status_code == 409} == {"insufficient_points"}
    assert balance(sessions, shop_id) == 100
    assert len(platform.fake.state.shop(platform.shop).discounts) == 1


def test_the_same_request_sent_twice_gives_the_same_code_and_one_debit(platform, sessions, shop_id):
    give(sessions, shop_id, 1200)
    reward_id = reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")
    first, second = redeem(platform, reward_id, key="tap-1"), redeem(platform, reward_id, key="tap-1")
    assert first.get_json()["code"] == second.get_json()["code"]
    assert balance(sessions, shop_id) == 700
    assert len(platform.fake.state.shop(platform.shop).discounts) == 1


def ledger_kinds(sessions, shop_id: int) -> list[tuple[str, int]]:
    with UnitOfWork(sessions) as uow:
        return [
            (e.kind, e.points)
            for e in uow.session.scalars(select(LedgerEntry).where(LedgerEntry.shop_id == shop_id).order_by(LedgerEntry.id))
        ]


def test_when_shopify_refuses_the_code_the_points_come_back_and_the_shopper_is_told(platform, sessions, shop_id):
    give(sessions, shop_id, 500)
    reward_id = reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")
    platform.fake.state.refuse_next(
        "discountCodeBasicCreate",
        1,
        [{"field": ["basicCodeDiscount", "code"], "message": "Code is invalid", "code": "INVALID"}],
    )
    response = redeem(platform, reward_id)
    assert response.status_code == 502
    assert response.get_json()["error"] == "reward_not_issued"
    assert response.get_json()["message"] == "We could not create your reward. We gave you back 500 points."
    assert "Code is invalid" in response.get_json()["detail"]
    assert ledger_kinds(sessions, shop_id) == [("adjust", 500), ("redeem", -500), ("refund", 500)]
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalars(select(Redemption.state).where(Redemption.shop_id == shop_id)).one() == "failed"


def test_after_5xx_the_points_stay_held_since_the_code_may_exist(platform, sessions, shop_id):
    """Before issue 17 a 503 storm gave the points back, though a 5xx can follow a code that landed."""
    give(sessions, shop_id, 500)
    reward_id = reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")
    platform.fake.state.fail_next(50, 503)
    response = redeem(platform, reward_id)
    assert response.status_code == 409 and response.get_json()["error"] == "in_progress"
    assert balance(sessions, shop_id) == 0
    assert ledger_kinds(sessions, shop_id)[-1:] == [("redeem", -500)]


def test_a_scope_the_merchant_has_not_granted_is_named_and_the_points_come_back(platform, sessions, shop_id):
    for token in platform.fake.state.access_tokens.values():
        token["scope"] = token["scope"].replace("write_discounts", "")
    give(sessions, shop_id, 500)
    response = redeem(platform, reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00"))
    assert response.status_code == 502
    assert "could not be reached" not in response.get_json()["detail"]
    assert "Perks lacks Shopify access" in response.get_json()["detail"] and "write_discounts" in response.get_json()["detail"]
    assert ledger_kinds(sessions, shop_id)[-2:] == [("redeem", -500), ("refund", 500)]
    assert platform.fake.state.shop(platform.shop).discounts == {}  # denied, so nothing was made


def test_an_order_paid_with_a_perks_code_marks_the_redemption_used(platform, sessions, shop_id):
    give(sessions, shop_id, 500)
    code = redeem(platform, reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")).get_json()[
        "code"
    ]
    order = shopify.order_paid(7777, ADA)
    order["discount_codes"] = [
        {"code": "BLACKFRIDAY", "amount": "10.00", "type": "percentage"},  # the merchant's own code, not looked up
        {"code": code.lower(), "amount": "5.00", "type": "fixed_amount"},
    ]
    with UnitOfWork(sessions) as uow:
        HANDLERS["orders/paid"](uow.session, platform.shop, order)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        used = uow.session.scalars(select(Redemption).where(Redemption.shop_id == shop_id)).one()
        assert (used.state, used.order_id) == ("used", 7777)


def test_the_member_sees_affordable_rewards_first_and_their_codes(platform, sessions, shop_id):
    give(sessions, shop_id, 600)
    code = redeem(platform, reward(sessions, shop_id, title="$1 off", kind="fixed_amount", points_cost=100, value="1.00")).get_json()[
        "code"
    ]
    body = platform.proxy("GET", "/member", ADA).get_json()
    assert body["points"] == 500
    assert [(r["title"], r["affordable"]) for r in body["rewards"]] == [("$1 off", True), ("5 USD off", True)]
    assert [c["code"] for c in body["codes"]] == [code]
    give(sessions, shop_id, -450)
    assert [r["affordable"] for r in platform.proxy("GET", "/member", ADA).get_json()["rewards"]] == [False, False]


def test_a_visitor_who_is_not_logged_in_cannot_redeem(platform, shop_id):
    response = platform.proxy("POST", "/redeem", None, json={"reward_id": 1})
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"


def test_a_disabled_or_other_shops_reward_cannot_be_redeemed(platform, sessions, shop_id):
    give(sessions, shop_id, 1000)
    off = reward(sessions, shop_id, title="Gone", kind="fixed_amount", points_cost=100, value="1.00", enabled=False)
    assert redeem(platform, off).get_json()["error"] == "reward_unavailable"
    assert redeem(platform, 999999).status_code == 404
    assert balance(sessions, shop_id) == 1000


def expire_all_codes(sessions, shop_id: int) -> None:
    with UnitOfWork(sessions) as uow:
        for redemption in uow.session.scalars(select(Redemption).where(Redemption.shop_id == shop_id)):
            redemption.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        uow.commit()


@pytest.mark.parametrize(("refund", "expected_balance"), [(False, 100), (True, 600)])
def test_a_code_that_expires_unused_keeps_its_points_spent_unless_the_program_returns_them(
    platform, sessions, shop_id, refund, expected_balance
):
    with UnitOfWork(sessions) as uow:
        uow.session.scalars(select(Program).where(Program.shop_id == shop_id)).one().refund_expired_codes = refund
        uow.commit()
    give(sessions, shop_id, 600)
    redeem(platform, reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00"))
    expire_all_codes(sessions, shop_id)
    later = datetime.now(UTC) + timedelta(days=1)  # the job may run late, and twice
    assert expire_codes_with(sessions, later) >= 1
    expire_codes_with(sessions, later)
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalars(select(Redemption.state).where(Redemption.shop_id == shop_id)).one() == "expired"
    assert balance(sessions, shop_id) == expected_balance


def test_refusals_reach_the_shopper_in_their_language(platform, sessions, shop_id):
    give(sessions, shop_id, 100)
    reward_id = reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")
    signed = signed_query(platform.shop, ADA, platform.fake.client_secret, locale="fr")  # Shopify signs the launcher's ?locale= too
    refused = platform.client.post("/proxy/redeem", query_string=signed, json={"reward_id": reward_id})
    assert refused.status_code == 409
    assert refused.get_json()["message"] == "Il vous manque 400 points pour cette récompense."


def test_a_redeemed_reward_goes_to_shopify_flow_and_the_members_mail(platform, sessions, shop_id):
    give(sessions, shop_id, 500)
    code = redeem(platform, reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")).get_json()[
        "code"
    ]
    flow = FlowTriggers(client_for=lambda domain: platform.fake.client(domain))
    assert deliver(sessions, [flow], datetime.now(UTC), shop_domain=platform.shop)["failed"] == 0
    sent = [t for t in platform.fake.state.shop(platform.shop).flow_triggers if t["handle"] == "perks-reward-redeemed"]
    assert [t["payload"] for t in sent] == [{"customer_id": ADA, "points": 500, "balance": 0, "reward": "$5 off"}]
    subject, body = render(
        "reward_redeemed",
        "en",
        {"shop": "Perks Demo", "name": "Ada", "points": 500, "reward": "$5 off", "code": code, "balance": 0},
    )
    assert subject == "Your reward from Perks Demo: $5 off" and code in body


# --- a crash between the debit and Shopify's answer ---------------------------------


class ProcessDied(Exception):
    """The worker or web process is killed mid-redemption (not a refusal: nothing settles it)."""


class LostAnswer:
    """Shopify's answer never comes back: the process dies before the call, or after Shopify made the code."""

    def __init__(self, real: ShopifyIssuer, *, reached_shopify: bool):
        self.real, self.reached_shopify = real, reached_shopify

    def issue(self, shop, reward, redemption, customer_id):
        if self.reached_shopify:
            self.real.issue(shop, reward, redemption, customer_id)
        raise ProcessDied

    def find(self, shop, reward, redemption, customer_id):
        return self.real.find(shop, reward, redemption, customer_id)


def stuck(platform, sessions, shop_id: int, *, reached_shopify: bool, age=timedelta(hours=1), **reward_fields) -> tuple[int, datetime]:
    """A $5-off redemption (or of the reward described) left pending by a crash `age` ago, with 100
    points to spare: its points taken, Shopify's answer lost. Its id, and now."""
    fields = reward_fields or {"title": "$5 off", "kind": "fixed_amount", "points_cost": 500, "value": "5.00"}
    give(sessions, shop_id, fields["points_cost"] + 100)
    reward_id, now = reward(sessions, shop_id, **fields), datetime.now(UTC)
    issuer = LostAnswer(ShopifyIssuer(sessions, platform.settings), reached_shopify=reached_shopify)
    with pytest.raises(ProcessDied):
        redemptions.redeem(sessions, issuer, redemptions.RedeemRequest(shop_id, ADA, reward_id, uuid.uuid4().hex), now - age)
    with UnitOfWork(sessions) as uow:
        return uow.session.scalars(select(Redemption.id).where(Redemption.shop_id == shop_id, Redemption.state == "pending")).one(), now


def recover_now(platform, sessions, shop_id: int, now: datetime) -> dict[str, int]:
    return dict(redemptions.recover(sessions, ShopifyIssuer(sessions, platform.settings), shop_id, now))


def state_of(sessions, redemption_id: int) -> tuple[str, str | None, str | None]:
    with UnitOfWork(sessions) as uow:
        found = uow.session.get(Redemption, redemption_id)
        return found.state, found.code, found.shopify_id


def test_a_redemption_whose_code_reached_shopify_before_the_crash_is_recovered_as_issued(platform, sessions, shop_id):
    redemption_id, now = stuck(platform, sessions, shop_id, reached_shopify=True)
    assert state_of(sessions, redemption_id)[0] == "pending" and balance(sessions, shop_id) == 100

    assert recover_now(platform, sessions, shop_id, now) == {"issued": 1}
    assert recover_now(platform, sessions, shop_id, now) == {}  # a second run finds nothing left
    state, code, shopify_id = state_of(sessions, redemption_id)
    assert (state, shopify_id) == ("issued", discount(platform, code)["id"])
    assert len(platform.fake.state.shop(platform.shop).discounts) == 1
    assert ledger_kinds(sessions, shop_id) == [("adjust", 600), ("redeem", -500)]


def test_a_redemption_that_never_reached_shopify_is_issued_by_the_recovery(platform, sessions, shop_id):
    redemption_id, now = stuck(platform, sessions, shop_id, reached_shopify=False)
    assert platform.fake.state.shop(platform.shop).discounts == {}

    recover_redemptions_with(sessions, ShopifyIssuer(sessions, platform.settings), now)  # the cron's job, every installed shop
    state, code, shopify_id = state_of(sessions, redemption_id)
    made = discount(platform, code)
    assert (state, shopify_id) == ("issued", made["id"]) and made["customer_ids"] == [f"gid://shopify/Customer/{ADA}"]
    assert balance(sessions, shop_id) == 100


def test_when_shopify_refuses_the_recovered_code_the_points_come_back_once(platform, sessions, shop_id):
    redemption_id, now = stuck(platform, sessions, shop_id, reached_shopify=False)
    platform.fake.state.refuse_next(
        "discountCodeBasicCreate", 1, [{"field": ["basicCodeDiscount", "code"], "message": "Code is invalid", "code": "INVALID"}]
    )
    assert recover_now(platform, sessions, shop_id, now) == {"failed": 1}
    assert recover_now(platform, sessions, shop_id, now) == {}
    assert state_of(sessions, redemption_id)[0] == "failed"
    assert ledger_kinds(sessions, shop_id) == [("adjust", 600), ("redeem", -500), ("refund", 500)]
    assert balance(sessions, shop_id) == 600


def test_while_shopify_cannot_be_reached_a_stuck_redemption_waits_with_its_points_taken(platform, sessions, shop_id):
    redemption_id, now = stuck(platform, sessions, shop_id, reached_shopify=True)
    platform.fake.state.fail_next(3, 503)  # the look-up and its two retries
    assert recover_now(platform, sessions, shop_id, now) == {"waiting": 1}
    assert state_of(sessions, redemption_id)[0] == "pending" and balance(sessions, shop_id) == 100  # its code may exist
    assert recover_now(platform, sessions, shop_id, now) == {"issued": 1}
    assert ledger_kinds(sessions, shop_id) == [("adjust", 600), ("redeem", -500)]


def test_a_redemption_still_within_its_request_is_left_alone(platform, sessions, shop_id):
    redemption_id, now = stuck(platform, sessions, shop_id, reached_shopify=False, age=timedelta(minutes=2))
    assert recover_now(platform, sessions, shop_id, now) == {}
    assert state_of(sessions, redemption_id)[0] == "pending" and platform.fake.state.shop(platform.shop).discounts == {}


CREDIT = {"title": "$8 credit", "kind": "store_credit", "points_cost": 1000, "value": "8.00", "code_valid_days": 30}


def test_stuck_store_credit_that_landed_is_found_among_the_accounts_transactions(platform, sessions, shop_id):
    """Before issue 17 it waited for a person ("left") for ever."""
    redemption_id, now = stuck(platform, sessions, shop_id, reached_shopify=True, **CREDIT)
    assert recover_now(platform, sessions, shop_id, now) == {"issued": 1}
    (account,) = platform.fake.state.shop(platform.shop).store_credit_accounts.values()
    assert account["balance"] == "8.0" and state_of(sessions, redemption_id)[::2] == ("issued", account["transactions"][0]["id"])
    assert balance(sessions, shop_id) == 100


def test_stuck_store_credit_that_never_landed_gives_the_points_back_and_never_credits(platform, sessions, shop_id):
    redemption_id, now = stuck(platform, sessions, shop_id, reached_shopify=False, **CREDIT)
    assert recover_now(platform, sessions, shop_id, now) == {"failed": 1}
    assert recover_now(platform, sessions, shop_id, now) == {}
    assert state_of(sessions, redemption_id)[0] == "failed"
    assert platform.fake.state.shop(platform.shop).store_credit_accounts == {}
    assert balance(sessions, shop_id) == 1100
