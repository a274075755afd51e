"""GET /proxy/member in one round trip (issue 21): one statement reads the whole answer, and the answer is the one
the launcher always had, words in the shopper's language included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
from sqlalchemy import delete, event, select
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.earn.models import MemberBirthday
from shopify_app.launcher import member_view
from shopify_app.ledger import ledger
from shopify_app.referrals.models import Referral, ReferralLink, ReferralProgram
from shopify_app.rewards.models import Redemption, Reward
from shopify_app.shop.shops import installed_shop, program_of
from shopify_app.tiers import tiers
from shopify_app.tiers.models import MemberTier, Tier, TierProgram
from tests.fixtures.app_proxy import signed_query
from tests.rules_helpers import member

ADA, BOB, CAROL = 7012345678901, 7012345678902, 7012345678903


@pytest.fixture
def statements(platform):
    """The SQL statements the app sends, as they are sent."""
    engine = platform.app.extensions["perks"].sessions.kw["bind"]
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def get_member(platform, customer: int, locale: str | None = "fr"):
    query = signed_query(platform.shop, customer, platform.fake.client_secret, **({"locale": locale} if locale else {}))
    return platform.client.get("/proxy/member", query_string=query)


@pytest.fixture
def ada(platform, sessions) -> dict:
    """Ada, a member with a bit of everything: a tier, history, codes, a birthday, a newsletter paid, two friends."""
    platform.install()
    with UnitOfWork(sessions) as uow:
        session = uow.session
        shop = installed_shop(session, platform.shop)
        program = program_of(session, shop)
        program.points_per_unit, program.signup_points = Decimal("2.5"), 50
        ada = member(session, shop, ADA, first_name="Ada")
        now = datetime.now(UTC)
        ledger.post(session, ada, 1200, kind="earn", key="o1", reason="Order #1001", order_id=1001)
        ledger.post(session, ada, 5, kind="adjust", key="a1", reason="Order #1001: sorry for the wait")
        actions.set_rule(session, shop, "newsletter", points=30)
        actions.set_rule(session, shop, "birthday", points=100, limit_period="year")
        actions.award(session, shop, program, ada, "newsletter", now=now)
        tiers.program_of(session, shop.id).basis = "points"
        tiers.program_of(session, shop.id).period = "rolling_12_months"
        silver = Tier(shop_id=shop.id, name="Argent", threshold=Decimal(1000), perks="Livraison offerte\n")
        session.add_all([silver, Tier(shop_id=shop.id, name="Or", threshold=Decimal(3000), perks="Livraison offerte\nAvant-premières")])
        session.flush()
        session.add(MemberTier(member_id=ada.id, shop_id=shop.id, tier_id=silver.id, achieved_at=now, version=1, synced=True))
        cheap = session.scalars(select(Reward).where(Reward.shop_id == shop.id)).one()  # the default reward of an install
        dear = Reward(shop_id=shop.id, title="Mug", kind="free_product", points_cost=5000, value=Decimal("12.50"), variant_id=42)
        off = Reward(shop_id=shop.id, title="Ancien", kind="fixed_amount", points_cost=300, value=Decimal("3.00"), enabled=False)
        session.add_all([dear, off])
        session.flush()
        used = Redemption(shop_id=shop.id, member_id=ada.id, reward_id=off.id, request_key="k1", points=300, value=Decimal("3.00"))
        used.code, used.state, used.created_at, used.used_at = "PERKS-OLD", "used", now - timedelta(days=3), now - timedelta(days=2)
        fresh = Redemption(shop_id=shop.id, member_id=ada.id, reward_id=cheap.id, request_key="k2", points=cheap.points_cost)
        fresh.value, fresh.code, fresh.state, fresh.expires_at = cheap.value, "PERKS-NEW", "issued", now + timedelta(days=30)
        pending = Redemption(shop_id=shop.id, member_id=ada.id, reward_id=cheap.id, request_key="k3", points=1, value=Decimal(1))
        session.add_all([used, fresh, pending, MemberBirthday(member_id=ada.id, shop_id=shop.id, month=3, day=14)])
        bob, carol = member(session, shop, BOB), member(session, shop, CAROL)
        session.add_all(
            [
                Referral(shop_id=shop.id, referrer_id=ada.id, friend_id=bob.id, friend_customer_id=BOB, state="rewarded", points=500),
                Referral(shop_id=shop.id, referrer_id=ada.id, friend_id=carol.id, friend_customer_id=CAROL, state="rejected"),
                ReferralLink(shop_id=shop.id, member_id=ada.id, code="adacode234"),
            ]
        )
        session.flush()
        known = {"shop": shop.domain, "shop_name": shop.name, "cheap": cheap, "dear": dear, "used": used, "fresh": fresh, "now": now}
        uow.commit()
    return known


def test_one_get_of_the_member_is_one_statement(platform, ada, statements):
    assert get_member(platform, ADA).status_code == 200
    assert len(statements) == 1, statements


def test_the_first_view_with_a_referral_link_to_make_writes_it_in_one_more_statement(platform, ada, statements):
    first = get_member(platform, BOB)
    assert first.status_code == 200
    assert len(statements) == 2, statements
    code = first.get_json()["referral"]["url"].rsplit("/", 1)[1]
    statements.clear()
    again = get_member(platform, BOB)
    assert again.get_json()["referral"]["url"].endswith(f"/r/{code}")
    assert len(statements) == 1, statements


ONCE = {"limit": {"count": 1, "period": "ever"}}


def test_the_member_answer_in_french_is_the_launchers_as_before(platform, ada):
    body = get_member(platform, ADA).get_json()
    history = body.pop("history")
    assert [(e["points"], e["reason"]) for e in history] == [
        (30, "Abonnement à la newsletter"),
        (5, "Order #1001: sorry for the wait"),
        (1200, "Commande #1001"),
    ]
    assert all(datetime.fromisoformat(e["at"]).tzinfo is not None and e["at"].endswith("+00:00") for e in history)
    cheap, dear, used, fresh = ada["cheap"], ada["dear"], ada["used"], ada["fresh"]
    rewards = body.pop("rewards")
    assert [(r["title"], r["affordable"]) for r in rewards] == [(cheap.title, True), ("Mug", False)]
    assert rewards[1] == {
        "id": dear.id,
        "title": "Mug",
        "kind": "free_product",
        "points_cost": 5000,
        "value": "12.50",
        "variant_id": 42,
        "variant_title": None,
        "minimum_order": None,
        "limit_per_member": None,
        "code_valid_days": 30,
        "combines_with_order": False,
        "combines_with_product": True,
        "combines_with_shipping": True,
        "min_points": None,
        "max_points": None,
        "step_points": None,
        "step_value": None,
        "enabled": True,
        "archived": False,
        "affordable": False,
    }
    codes = body.pop("codes")
    assert codes == [
        {
            "id": fresh.id,
            "code": "PERKS-NEW",
            "title": cheap.title,
            "state": "issued",
            "points": cheap.points_cost,
            "value": str(cheap.value),
            "order_id": None,
            "error": None,
            "created_at": fresh.created_at.isoformat(),
            "expires_at": fresh.expires_at.isoformat(),
            "used_at": None,
        },
        {
            "id": used.id,
            "code": "PERKS-OLD",
            "title": "Ancien",  # a reward since switched off keeps its title on its codes
            "state": "used",
            "points": 300,
            "value": "3.00",
            "order_id": None,
            "error": None,
            "created_at": used.created_at.isoformat(),
            "expires_at": None,
            "used_at": used.used_at.isoformat(),
        },
    ]
    assert body == {
        "customer": {"id": str(ADA), "first_name": "Ada"},
        "shop": {"name": ada["shop_name"], "currency": "USD"},
        "points": 1235,
        "tier": {
            "name": "Argent",
            "perks": ["Livraison offerte"],
            "next": {"name": "Or", "basis": "points", "remaining": 1770, "progress": 0.115},
        },
        "earn": [
            {
                "key": "purchase",
                "title": body["earn"][0]["title"],
                "points": 2,
                "per": "currency_unit",
                "limit": None,
                "network": None,
                "url": None,
                "done": False,
            },
            {
                "key": "signup",
                "title": body["earn"][1]["title"],
                "points": 50,
                "per": "once",
                **ONCE,
                "network": None,
                "url": None,
                "done": False,
            },
            {
                "key": "newsletter",
                "title": body["earn"][2]["title"],
                "points": 30,
                "per": "once",
                **ONCE,
                "network": None,
                "url": None,
                "done": True,
            },
            {
                "key": "birthday",
                "title": body["earn"][3]["title"],
                "points": 100,
                "per": "year",
                "limit": {"count": 1, "period": "year"},
                "network": None,
                "url": None,
                "done": False,
            },
        ],
        "referral": {"url": f"https://{ada['shop']}/apps/perks/r/adacode234", "friends": 1, "points_earned": 500},
        "birthday": "03-14",
    }
    assert [way["title"] for way in body["earn"]] == [
        "Points par USD dépensé : 2.5",
        "Créez un compte",
        "Abonnez-vous à la newsletter",
        "Anniversaire",
    ]


def test_a_customer_not_yet_a_member_sees_nothing_of_their_own(platform, ada, statements):
    body = get_member(platform, 7012345678999, None).get_json()
    assert len(statements) == 1, statements
    assert body["customer"] == {"id": "7012345678999", "first_name": None}
    assert (body["points"], body["tier"], body["codes"], body["history"], body["referral"], body["birthday"]) == (
        0,
        None,
        [],
        [],
        None,
        None,
    )
    assert [r["affordable"] for r in body["rewards"]] == [False, False]


def test_a_shop_not_installed_is_refused_as_before(platform, ada):
    platform.shop = "nobody-here.myshopify.com"
    answer = get_member(platform, ADA)
    assert answer.status_code == 401
    assert answer.get_json() == {"error": "shop_not_installed", "message": "nobody-here.myshopify.com has not installed Perks"}


def test_a_shop_without_its_referral_and_tier_settings_rows_gets_them_made_and_its_answer(platform, ada, sessions, statements):
    """A shop installed before those rows were made at install: the first view makes them (the defaults), as every other
    reader of the settings does, and answers as with them."""
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, platform.shop).id
        uow.session.execute(delete(ReferralProgram).where(ReferralProgram.shop_id == shop_id))
        uow.session.execute(delete(TierProgram).where(TierProgram.shop_id == shop_id))
        uow.commit()
    body = get_member(platform, ADA).get_json()
    assert body["referral"] == {"url": f"https://{ada['shop']}/apps/perks/r/adacode234", "friends": 1, "points_earned": 500}
    # The defaults: points earned in the calendar year.
    assert body["tier"] == {
        "name": "Argent",
        "perks": ["Livraison offerte"],
        "next": {"name": "Or", "basis": "points", "remaining": 1770, "progress": 0.115},
    }
    statements.clear()
    assert get_member(platform, ADA).get_json() == body
    assert len(statements) == 1, statements


def test_the_one_statement_stays_short_enough_for_psycopg_to_parse_it_once():
    """psycopg caches how it converts a query only up to MAX_CACHED_STATEMENT_LENGTH bytes; past it, every
    GET /proxy/member would parse the statement again (member_view.SQL's comment)."""
    compiled = str(member_view.STATEMENT.compile(dialect=psycopg_dialect.dialect())).encode()
    assert len(compiled) <= MAX_CACHED_STATEMENT_LENGTH, len(compiled)
