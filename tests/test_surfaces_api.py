"""The JSON Shopify's UI extension surfaces read (/surfaces/*): the launcher's answers and redemption, guarded per surface.

Each surface, each refusal: a forged, expired or other app's token, another shop's token, an uninstalled shop,
another customer, no token; the customer comes from the token alone, and POS must be a staff member's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.ledger import checkout
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop
from shopify_app.tiers import tiers
from shopify_app.tiers.models import Tier
from tests.fixtures.surface_tokens import customer_token, pos_token
from tests.rules_helpers import in_shop
from tests.test_redemption import ADA, balance, give, reward, twenty_at_once
from webhooks import translate

GRACE = 7012345678902  # another customer of the same shop


class Surfaces:
    """The platform's app called as the extensions call it, with the tokens their surfaces mint."""

    def __init__(self, platform):
        self.platform = platform
        self.client = platform.client
        self.key, self.secret = platform.fake.client_id, platform.fake.client_secret

    def customer(self, customer: int | None = ADA, shop: str | None = None, **changes) -> dict:
        return self.bearer(customer_token(shop or self.platform.shop, self.key, self.secret, customer, **changes))

    def checkout(self, customer: int | None = ADA, shop: str | None = None, **changes) -> dict:
        return self.bearer(customer_token(shop or self.platform.shop, self.key, self.secret, customer, bare_dest=True, **changes))

    def pos(self, shop: str | None = None, **changes) -> dict:
        return self.bearer(pos_token(shop or self.platform.shop, self.key, self.secret, **changes))

    @staticmethod
    def bearer(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    def redeem(self, path: str, headers: dict, reward_id: int, key: str | None = None):
        headers = headers | {"Idempotency-Key": key or uuid.uuid4().hex}
        return self.client.post(path, json={"reward_id": reward_id}, headers=headers)


@pytest.fixture
def shop_id(platform, sessions) -> int:
    platform.install()
    with UnitOfWork(sessions) as uow:
        return uow.session.scalars(select(Shop.id).where(Shop.domain == platform.shop)).one()


@pytest.fixture
def surfaces(platform, shop_id) -> Surfaces:
    return Surfaces(platform)


def pay(sessions, shop: str, order_id: int, customer: int | None, amount: str = "40.00", email: str = "ada@example.com") -> None:
    cmd = translate.order_paid(shop, shopify.order_paid(order_id, customer, lines=((amount, 1, 0),), email=email))
    in_shop(sessions, shop, lambda session, sh, program: checkout.order_paid(session, cmd))


def other_installed_shop(platform) -> str:
    other = f"o{uuid.uuid4().hex[:12]}.myshopify.com"
    platform.install(other)
    return other


# ---------------------------------------------------------------------------
# Each guard's refusals, on every surface's endpoints

CUSTOMER_READS = [("get", "/surfaces/member"), ("post", "/surfaces/redeem"), ("post", "/surfaces/birthday")]
POS_CALLS = [("get", f"/surfaces/pos/customers/{ADA}"), ("post", f"/surfaces/pos/customers/{ADA}/redeem")]
EVERY_CALL = [*CUSTOMER_READS, ("get", "/surfaces/orders/5001"), *POS_CALLS]


def call(surfaces, method: str, path: str, headers: dict):
    body = {"json": {"date": "03-14"} if path.endswith("/birthday") else {"reward_id": 1}} if method == "post" else {}
    return surfaces.client.open(path, method=method.upper(), headers=headers, **body)


def token_for(surfaces, path: str, **changes) -> dict:
    if "/pos/" in path:
        return surfaces.pos(**changes)
    return surfaces.checkout(**changes) if "/orders/" in path else surfaces.customer(**changes)


@pytest.mark.parametrize(("method", "path"), EVERY_CALL)
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"forged": True}, "This session token was not signed by Shopify for this app."),
        ({"exp": 1_700_000_000}, "Your session has expired. Reload the page and try again."),
        ({"aud": "another-app"}, "This session token was made for another app."),
    ],
)
def test_a_forged_expired_or_other_apps_token_is_refused(surfaces, sessions, shop_id, method, path, changes, message):
    give(sessions, shop_id, 600)
    changes = dict(changes)  # the parameter's dict is every case's
    if changes.pop("forged", False):
        surfaces.secret = "not-the-apps-secret-but-thirty-two-bytes"
    response = call(surfaces, method, path, token_for(surfaces, path, **changes))
    assert response.status_code == 401
    assert response.get_json() == {"error": "invalid_session_token", "message": message}
    assert balance(sessions, shop_id) == 600


@pytest.mark.parametrize(("method", "path"), EVERY_CALL)
def test_no_token_is_refused(surfaces, method, path):
    response = call(surfaces, method, path, {})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_session_token"
    assert "without Shopify's session token" in response.get_json()["message"]


@pytest.mark.parametrize(("method", "path"), EVERY_CALL)
def test_a_token_for_an_uninstalled_shop_is_refused(platform, surfaces, sessions, method, path):
    with UnitOfWork(sessions) as uow:
        installed_shop(uow.session, platform.shop).uninstalled_at = datetime.now(UTC)
        uow.commit()
    response = call(surfaces, method, path, token_for(surfaces, path))
    assert response.status_code == 401 and response.get_json()["error"] == "shop_not_installed"


@pytest.mark.parametrize(("method", "path"), POS_CALLS)
def test_a_customers_token_is_refused_at_the_till(surfaces, method, path):
    response = call(surfaces, method, path, surfaces.customer())
    assert response.status_code == 401
    assert response.get_json()["message"] == "Only the shop's staff can do this at the till: this session token is not a staff member's."


@pytest.mark.parametrize(("method", "path"), CUSTOMER_READS)
def test_the_customer_account_needs_a_signed_in_customer(surfaces, method, path):
    response = call(surfaces, method, path, surfaces.customer(None))
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"


def test_another_shops_token_reads_its_own_shop_never_this_ones(platform, surfaces, sessions, shop_id):
    """The shop is the token's: a token of shop A asking for ADA reads ADA at shop A, whatever the request says."""
    give(sessions, shop_id, 600)
    other = other_installed_shop(platform)
    assert surfaces.client.get("/surfaces/member", headers=surfaces.customer(shop=other)).get_json()["points"] == 0
    assert surfaces.client.get(f"/surfaces/pos/customers/{ADA}", headers=surfaces.pos(shop=other)).get_json()["points"] == 0
    refused = surfaces.redeem(
        f"/surfaces/pos/customers/{ADA}/redeem",
        surfaces.pos(shop=other),
        reward(sessions, shop_id, title="x", kind="fixed_amount", points_cost=100, value="1"),
    )
    assert refused.status_code == 404 and refused.get_json()["error"] == "reward_unavailable"  # this shop's reward is not the other's
    assert balance(sessions, shop_id) == 600


def test_a_customer_reads_and_redeems_only_their_own_points_whatever_the_request_names(surfaces, sessions, shop_id):
    give(sessions, shop_id, 600)
    give(sessions, shop_id, 900, customer=GRACE)
    reward_id = reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")
    headers = surfaces.customer(GRACE)
    read = surfaces.client.get(f"/surfaces/member?customer_id={ADA}&logged_in_customer_id={ADA}", headers=headers).get_json()
    assert (read["customer"]["id"], read["points"]) == (str(GRACE), 900)
    named = surfaces.client.post("/surfaces/redeem", json={"reward_id": reward_id, "customer_id": ADA}, headers=headers)
    assert named.status_code == 400 and "customer_id" in named.get_json()["fields"]
    assert surfaces.redeem(f"/surfaces/redeem?customer_id={ADA}", headers, reward_id).get_json()["balance"] == 400
    assert (balance(sessions, shop_id), balance(sessions, shop_id, GRACE)) == (600, 400)


def test_a_customer_cannot_read_another_customers_order_nor_a_guest_without_its_email(surfaces, sessions, platform):
    pay(sessions, platform.shop, 5001, ADA)
    pay(sessions, platform.shop, 5002, None, email="guest@example.com")
    for headers in (surfaces.checkout(GRACE), surfaces.customer(GRACE)):
        refused = surfaces.client.get("/surfaces/orders/5001", headers=headers)
        assert refused.status_code == 404
        assert refused.get_json() == {"error": "order_not_found", "message": "We found no order of yours with this number."}
    for query in ("", "?email=someone@example.com"):
        assert surfaces.client.get(f"/surfaces/orders/5001{query}", headers=surfaces.checkout(None)).status_code == 404
        assert surfaces.client.get(f"/surfaces/orders/5002{query}", headers=surfaces.checkout(None)).status_code == 404


# ---------------------------------------------------------------------------
# What each surface reads and does


def test_the_customer_account_reads_what_the_launcher_reads(platform, surfaces, sessions, shop_id):
    give(sessions, shop_id, 600)
    launcher = platform.proxy("GET", "/member", ADA).get_json()
    account = surfaces.client.get("/surfaces/member", headers=surfaces.customer()).get_json()
    assert account == launcher and account["points"] == 600


def test_the_member_answer_names_the_shop_its_currency_and_how_often_each_way_to_earn_pays(surfaces, sessions, shop_id):
    with UnitOfWork(sessions) as uow:
        shop = uow.session.get(Shop, shop_id)
        actions.set_rule(uow.session, shop, "review", points=50, limit_count=3, limit_period="month")
        actions.set_rule(uow.session, shop, "birthday", points=100)  # once a year, whatever the rule's limit says
        named = {"name": shop.name, "currency": shop.currency}
        uow.commit()
    answer = surfaces.client.get("/surfaces/member", headers=surfaces.customer()).get_json()
    assert answer["shop"] == named
    limits = {way["key"]: way["limit"] for way in answer["earn"]}
    assert limits["purchase"] is None
    assert limits["review"] == {"count": 3, "period": "month"}
    assert limits["birthday"] == {"count": 1, "period": "year"}


def test_the_customer_account_redeems_a_code_on_the_spot_and_a_retry_gives_it_again(platform, surfaces, sessions, shop_id):
    give(sessions, shop_id, 1200)
    reward_id = reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")
    first = surfaces.redeem("/surfaces/redeem", surfaces.customer(), reward_id, key="tap-1")
    again = surfaces.redeem("/surfaces/redeem", surfaces.customer(), reward_id, key="tap-1")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["code"].startswith("PERKS-") and first.get_json() == again.get_json()
    assert (first.get_json()["points_spent"], first.get_json()["balance"], balance(sessions, shop_id)) == (500, 700, 700)
    assert len(platform.fake.state.shop(platform.shop).discounts) == 1


def test_the_customer_account_gives_the_birthday_the_launcher_then_shows(platform, surfaces, shop_id):
    given = surfaces.client.post("/surfaces/birthday", json={"date": "03-14"}, headers=surfaces.customer())
    assert given.status_code == 200 and given.get_json() == {"birthday": "03-14"}
    assert platform.proxy("GET", "/member", ADA).get_json()["birthday"] == "03-14"
    refused = surfaces.client.post("/surfaces/birthday", json={"date": "02-30"}, headers=surfaces.customer())
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_date"


def test_the_till_reads_the_customers_balance_tier_and_rewards_and_redeems_for_them(platform, surfaces, sessions, shop_id):
    give(sessions, shop_id, 600)
    reward_id = reward(sessions, shop_id, title="$5 off", kind="fixed_amount", points_cost=500, value="5.00")
    seen = surfaces.client.get(f"/surfaces/pos/customers/{ADA}", headers=surfaces.pos()).get_json()
    assert (seen["customer_id"], seen["points"], seen["tier"]) == (str(ADA), 600, None)
    assert [offer["affordable"] for offer in seen["rewards"]] == sorted((offer["affordable"] for offer in seen["rewards"]), reverse=True)
    done = surfaces.redeem(f"/surfaces/pos/customers/{ADA}/redeem", surfaces.pos(), reward_id)
    assert done.status_code == 200 and done.get_json()["code"].startswith("PERKS-") and done.get_json()["balance"] == 100
    assert surfaces.client.get(f"/surfaces/pos/customers/{GRACE}", headers=surfaces.pos()).get_json()["points"] == 0


def test_the_till_names_the_tier_the_customer_holds(platform, surfaces, sessions, shop_id):
    with UnitOfWork(sessions) as uow:
        tiers.program_of(uow.session, shop_id).basis = "spend"
        uow.session.add(Tier(shop_id=shop_id, name="Silver", threshold=Decimal(30), multiplier=Decimal(1)))
        uow.commit()
    pay(sessions, platform.shop, 5001, ADA, amount="40.00")
    seen = surfaces.client.get(f"/surfaces/pos/customers/{ADA}", headers=surfaces.pos())
    assert seen.status_code == 200 and (seen.get_json()["points"], seen.get_json()["tier"]) == (40, "Silver")


def test_the_thank_you_page_shows_the_orders_points_the_balance_after_and_the_next_reward(surfaces, sessions, platform, shop_id):
    pay(sessions, platform.shop, 5001, ADA, amount="40.00")
    seen = surfaces.client.get("/surfaces/orders/5001", headers=surfaces.checkout()).get_json()
    assert (seen["state"], seen["points"], seen["balance"]) == ("earned", 40, 40)
    assert (seen["next_reward"]["title"], seen["next_reward"]["points_cost"], seen["next_reward"]["remaining"]) == ("5 USD off", 500, 460)
    assert seen["referral"] is None or seen["referral"]["url"].startswith(f"https://{platform.shop}/apps/perks/r/")
    from_account = surfaces.client.get("/surfaces/orders/5001", headers=surfaces.customer()).get_json()
    assert from_account == seen


def test_the_thank_you_page_before_perks_sees_the_order_paid_says_it_is_processing(surfaces):
    seen = surfaces.client.get("/surfaces/orders/5009", headers=surfaces.checkout()).get_json()
    assert (seen["state"], seen["points"], seen["balance"]) == ("processing", 0, 0)


def test_a_guest_sees_the_points_waiting_for_an_account_with_the_orders_email(surfaces, sessions, platform):
    pay(sessions, platform.shop, 5002, None, amount="30.00", email="Guest@Example.com")
    seen = surfaces.client.get("/surfaces/orders/5002?email=guest@example.com", headers=surfaces.checkout(None)).get_json()
    assert seen == {"order_id": "5002", "state": "held", "points": 30, "balance": None, "next_reward": None, "referral": None}


# ---------------------------------------------------------------------------
# CORS: Shopify's extension origins, and no other


# Shopify's extension sandbox, new customer accounts, a myshopify checkout, a shop's own account domain, a sandboxed worker.
ORIGINS = [
    "https://extensions.shopifycdn.com",
    "https://shopify.com",
    "https://ada-coffee.myshopify.com",
    "https://account.ada.coffee",
    "null",
]


@pytest.mark.parametrize("origin", ORIGINS)
def test_a_preflight_from_wherever_an_extension_runs_is_allowed_without_credentials(surfaces, origin):
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,idempotency-key"}
    response = surfaces.client.options("/surfaces/redeem", headers=headers)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type, Idempotency-Key"
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("origin", ORIGINS)
def test_from_any_origin_the_session_token_is_what_lets_a_request_through(surfaces, sessions, shop_id, origin):
    give(sessions, shop_id, 600)
    refused = surfaces.client.get("/surfaces/member", headers={"Origin": origin})
    assert refused.status_code == 401 and refused.headers["Access-Control-Allow-Origin"] == "*"  # the extension reads why
    answered = surfaces.client.get("/surfaces/member", headers={"Origin": origin} | surfaces.customer())
    assert answered.status_code == 200 and answered.get_json()["points"] == 600


# ---------------------------------------------------------------------------
# The launcher's race, from the customer account page and from the till


def test_twenty_redemptions_at_once_from_the_customer_account_give_exactly_one_code(platform, surfaces, sessions, shop_id):
    twenty_at_once(platform, sessions, shop_id, lambda reward_id: surfaces.redeem("/surfaces/redeem", surfaces.customer(), reward_id))


def test_twenty_redemptions_at_once_from_the_till_give_exactly_one_code(platform, surfaces, sessions, shop_id):
    path = f"/surfaces/pos/customers/{ADA}/redeem"
    twenty_at_once(platform, sessions, shop_id, lambda reward_id: surfaces.redeem(path, surfaces.pos(), reward_id))
