"""VIP tiers: up at once, the new multiplier from the next order, the entry reward once,
down only at the window's end, and Shopify's tag and metafield following each move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.ledger import checkout
from shopify_app.ledger.commands import PerformAction
from shopify_app.ledger.members import find_member
from shopify_app.ledger.models import LedgerEntry
from shopify_app.shop import tokens
from shopify_app.shop.models import Shop
from shopify_app.tiers import sync as tier_sync
from shopify_app.tiers import tiers
from shopify_app.tiers.models import MemberTier, Tier
from webhooks import translate

ADA = 7012345678901
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def shop_id(platform, sessions) -> int:
    """Silver from 100 spent (1.5x, 50 points to enter), Gold from 300 (2x, 100 points), rolling 12 months."""
    platform.install()
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == platform.shop)).one()
        program = tiers.program_of(uow.session, shop_id)
        program.basis, program.period = "spend", "rolling_12_months"
        uow.session.add_all(
            [
                Tier(
                    shop_id=shop_id,
                    name="Silver",
                    threshold=Decimal(100),
                    multiplier=Decimal("1.5"),
                    entry_points=50,
                    perks="Free shipping",
                ),
                Tier(
                    shop_id=shop_id,
                    name="Gold",
                    threshold=Decimal(300),
                    multiplier=Decimal(2),
                    entry_points=100,
                    perks="Free shipping\nEarly access",
                ),
            ]
        )
        uow.commit()
    return shop_id


def pay(platform, sessions, order_id: int, amount: str, now: datetime) -> int:
    payload = shopify.order_paid(order_id, ADA, lines=((Decimal(amount), 1, 0),))
    with UnitOfWork(sessions) as uow:
        earned = checkout.order_paid(uow.session, translate.order_paid(platform.shop, payload), now=now)
        uow.commit()
        return earned


def tier_of(sessions, shop_id: int) -> str | None:
    with UnitOfWork(sessions) as uow:
        member = find_member(uow.session, shop_id, ADA)
        found = tiers.current(uow.session, member)
        return found.name if found else None


def entries(sessions, shop_id: int, kind: str) -> list[int]:
    with UnitOfWork(sessions) as uow:
        return list(
            uow.session.scalars(
                select(LedgerEntry.points).where(LedgerEntry.shop_id == shop_id, LedgerEntry.kind == kind).order_by(LedgerEntry.id)
            )
        )


def review(sessions, shop_id: int, now: datetime) -> int:
    with UnitOfWork(sessions) as uow:
        moved = tiers.review_due(uow.session, uow.session.get(Shop, shop_id), now)
        uow.commit()
        return moved


def synced(platform, sessions) -> dict:
    """Run the sync, then what the fake Shopify says of Ada: her tier tags and tier metafield."""
    done = tier_sync.sync(sessions, lambda domain: tokens.admin_client(sessions, platform.settings, domain), shop_domain=platform.shop)
    customer = platform.fake.state.shop(platform.shop).customers[f"gid://shopify/Customer/{ADA}"]
    return {
        "tags": sorted(t for t in customer["tags"] if t.startswith("Perks tier:")),
        "metafield": customer["metafields"]["perks.tier"]["value"],
        "done": done,
    }


def test_up_at_once_on_the_crossing_order_which_earns_at_the_old_rate_and_the_next_at_the_new(platform, sessions, shop_id):
    assert pay(platform, sessions, 1, "80.00", T0) == 80
    assert tier_of(sessions, shop_id) is None
    assert pay(platform, sessions, 2, "40.00", T0 + timedelta(days=1)) == 40  # crosses 100: earns at 1x
    assert tier_of(sessions, shop_id) == "Silver"
    assert pay(platform, sessions, 3, "10.00", T0 + timedelta(days=2)) == 15  # 1.5x
    assert synced(platform, sessions) | {"done": None} == {"tags": ["Perks tier: Silver"], "metafield": "Silver", "done": None}

    assert pay(platform, sessions, 4, "200.00", T0 + timedelta(days=3)) == 300  # crosses 300 at 1.5x
    assert tier_of(sessions, shop_id) == "Gold"
    assert pay(platform, sessions, 5, "10.00", T0 + timedelta(days=4)) == 20  # 2x
    after = synced(platform, sessions)
    assert (after["tags"], after["metafield"]) == (["Perks tier: Gold"], "Gold")


def test_the_entry_reward_is_given_once_per_tier(platform, sessions, shop_id):
    pay(platform, sessions, 1, "120.00", T0)
    pay(platform, sessions, 1, "120.00", T0)  # the same delivery again
    pay(platform, sessions, 2, "5.00", T0 + timedelta(hours=1))
    with UnitOfWork(sessions) as uow:
        member = find_member(uow.session, shop_id, ADA)
        tiers.evaluate(uow.session, uow.session.get(Shop, shop_id), member, T0 + timedelta(hours=2))
        uow.commit()
    assert entries(sessions, shop_id, "tier") == [50]
    pay(platform, sessions, 3, "500.00", T0 + timedelta(days=1))  # straight past Gold: Gold's entry only
    assert entries(sessions, shop_id, "tier") == [50, 100]


def test_down_only_at_the_windows_end_and_shopify_follows(platform, sessions, shop_id):
    pay(platform, sessions, 1, "150.00", T0)  # Silver
    pay(platform, sessions, 2, "200.00", T0 + timedelta(days=30))  # Gold, held until 12 months after this
    gold_at = T0 + timedelta(days=30)
    assert synced(platform, sessions)["tags"] == ["Perks tier: Gold"]
    assert review(sessions, shop_id, T0 + timedelta(days=364)) == 0  # order 1 has left the window, Gold stays
    assert review(sessions, shop_id, gold_at + timedelta(days=365) - timedelta(seconds=1)) == 0
    assert tier_of(sessions, shop_id) == "Gold"
    # At the window's end only the order paid at its very start (200) is inside it: down to Silver.
    assert review(sessions, shop_id, gold_at + timedelta(days=365)) == 1
    assert tier_of(sessions, shop_id) == "Silver"
    after = synced(platform, sessions)
    assert (after["tags"], after["metafield"]) == (["Perks tier: Silver"], "Silver")
    assert entries(sessions, shop_id, "tier") == [50, 100]  # moving down pays nothing


def test_a_failing_shopify_call_never_blocks_points_and_the_tier_is_written_on_the_next_run(platform, sessions, shop_id):
    platform.fake.state.fail_next(50, 503)
    pay(platform, sessions, 1, "120.00", T0)
    done = tier_sync.sync(
        sessions, lambda domain: tokens.admin_client(sessions, platform.settings, domain, max_retries=0), shop_domain=platform.shop
    )
    assert done == {"synced": 0, "failed": 1}
    assert entries(sessions, shop_id, "earn") == [120] and tier_of(sessions, shop_id) == "Silver"
    platform.fake.state.reset_controls()
    after = synced(platform, sessions)
    assert (after["tags"], after["metafield"], after["done"]) == (["Perks tier: Silver"], "Silver", {"synced": 1, "failed": 0})


def test_rolling_12_months_counts_an_order_paid_exactly_12_months_ago_and_not_a_moment_earlier(platform, sessions, shop_id):
    pay(platform, sessions, 1, "120.00", T0)  # Silver, held until T0 + 1 year
    year_on = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    with UnitOfWork(sessions) as uow:
        member = find_member(uow.session, shop_id, ADA)
        assert tiers.measure(uow.session, member, "spend", tiers.window_start("rolling_12_months", "UTC", year_on), year_on) == 120
        later = year_on + timedelta(microseconds=1)
        assert tiers.measure(uow.session, member, "spend", tiers.window_start("rolling_12_months", "UTC", later), later) == 0
        state = uow.session.get(MemberTier, member.id)
        assert state.held_until == year_on
    assert review(sessions, shop_id, year_on - timedelta(microseconds=1)) == 0
    assert review(sessions, shop_id, year_on) == 0  # the order at the window's very start still counts: Silver kept
    assert tier_of(sessions, shop_id) == "Silver"
    assert review(sessions, shop_id, datetime(2028, 3, 10, 12, 0, tzinfo=UTC)) == 1  # a year with nothing: down
    assert tier_of(sessions, shop_id) is None
    assert synced(platform, sessions)["tags"] == [] and synced(platform, sessions)["metafield"] == "none"


def test_a_calendar_year_tier_is_held_to_the_years_end_in_the_shops_zone(platform, sessions, shop_id):
    with UnitOfWork(sessions) as uow:
        tiers.program_of(uow.session, shop_id).period = "calendar_year"
        uow.session.get(Shop, shop_id).timezone = "America/New_York"
        uow.commit()
    pay(platform, sessions, 1, "120.00", datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    new_year = datetime(2027, 1, 1, 5, 0, tzinfo=UTC)  # midnight in New York
    assert review(sessions, shop_id, new_year - timedelta(seconds=1)) == 0
    assert review(sessions, shop_id, new_year) == 1
    assert tier_of(sessions, shop_id) is None


def test_the_launcher_shows_a_member_below_the_first_tier_the_way_to_it(platform, sessions, shop_id):
    pay(platform, sessions, 1, "40.00", datetime.now(UTC))
    body = platform.proxy("GET", "/member", ADA).get_json()
    assert body["tier"] == {"name": None, "perks": [], "next": {"name": "Silver", "basis": "spend", "remaining": 60, "progress": 0.4}}


def test_the_launcher_shows_the_tier_its_perks_and_the_way_to_the_next(platform, sessions, shop_id):
    pay(platform, sessions, 1, "150.00", datetime.now(UTC))
    body = platform.proxy("GET", "/member", ADA).get_json()
    following = {"name": "Gold", "basis": "spend", "remaining": 150, "progress": 0.25}
    assert body["tier"] == {"name": "Silver", "perks": ["Free shipping"], "next": following}
    program = platform.proxy("GET", "/program", None).get_json()
    assert program["tiers"] == [
        {"name": "Silver", "threshold": 100, "perks": ["Free shipping"]},
        {"name": "Gold", "threshold": 300, "perks": ["Free shipping", "Early access"]},
    ]


def test_points_from_an_earn_action_move_the_member_up_at_once(platform, sessions):
    platform.install()
    now = datetime.now(UTC)
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == platform.shop)).one()
        program = tiers.program_of(uow.session, shop.id)
        program.basis, program.period = "points", "lifetime"
        uow.session.add(Tier(shop_id=shop.id, name="Silver", threshold=Decimal(100), multiplier=Decimal(1), entry_points=0, perks=""))
        actions.set_rule(uow.session, shop, "review", points=150)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert actions.perform(uow.session, PerformAction(platform.shop, ADA, "review", ref="p1"), now=now).status == "awarded"
        uow.commit()
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == platform.shop)).one()
    assert tier_of(sessions, shop_id) == "Silver"
