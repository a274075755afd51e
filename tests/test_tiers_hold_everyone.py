"""Tiers that hold everyone: saving a ladder places every member at once, by a worker, in batches and with progress;
the admin shows each tier's member count and the analytics its real distribution (issue 20)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shopify_app import create_app
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import ledger
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import LedgerEntry, Order
from shopify_app.shop import tokens
from shopify_app.shop.shops import installed_shop
from shopify_app.tiers import jobs as tier_jobs
from shopify_app.tiers import sync as tier_sync
from shopify_app.tiers import tiers
from shopify_app.tiers.models import MemberTier
from tests.admin_support import Admin

# Points earned by the members, one group each: Bronze from 0, Silver from 500, Gold from 1,500.
GROUPS = {0: 120, 200: 100, 499: 30, 500: 60, 1200: 50, 1500: 40, 4000: 20}  # points -> members: 420 in all, three batches
EXPECTED = {"Bronze": 120 + 100 + 30, "Silver": 60 + 50, "Gold": 40 + 20}
LADDER = {
    "basis": "points",
    "period": "lifetime",
    "tiers": [{"name": "Bronze", "threshold": "0"}, {"name": "Silver", "threshold": "500"}, {"name": "Gold", "threshold": "1500"}],
}


FIRST_NAMES = ("Ada", "Grace", "Alan", "Barbara", "Edsger", "Katherine", "Donald", "Frances", "John", "Radia", "Ken")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Johnson", "Knuth", "Allen", "Backus", "Perlman")


def members_with_points(sessions, shop: str, groups: dict[int, int], *, first_customer: int = 9_000_000) -> int:
    """Members who earned these points (counted towards a tier), named, made in one transaction; how many."""
    customer = first_customer
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        for points, count in groups.items():
            for _ in range(count):
                customer += 1
                first, last = FIRST_NAMES[customer % len(FIRST_NAMES)], LAST_NAMES[customer // 7 % len(LAST_NAMES)]
                profile = CustomerProfile(customer, email=f"{first.lower()}.{customer}@example.com", first_name=first, last_name=last)
                member, _ = ensure_member(uow.session, shop_id, profile)
                if points:
                    ledger.post(uow.session, member, points, kind="earn", key=f"test:{customer}", reason="Order")
        uow.commit()
    return customer - first_customer


def wait_for_placement(admin: Admin, timeout: float = 60) -> dict:
    """GET /api/tiers until the placement job is done; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = admin.get("/api/tiers").get_json()
        placement = answer["placement"]
        if placement is not None and placement["status"] in ("done", "failed"):
            return answer
        assert time.monotonic() < deadline, placement
        time.sleep(0.2)


def counts(answer: dict) -> dict[str, int]:
    return {t["name"]: t["members"] for t in answer["tiers"]}


@pytest.fixture
def admin(platform, sessions) -> Admin:
    platform.install()
    return Admin(platform, platform.shop)


def test_saving_a_ladder_places_every_member_in_batches_with_progress(admin, sessions, workers):
    total = members_with_points(sessions, admin.shop, GROUPS)
    saved = admin.put("/api/tiers", LADDER)
    assert saved.status_code == 200, saved.get_json()
    placement = saved.get_json()["placement"]
    assert placement["status"] in ("queued", "running", "done") and placement["total"] in (0, total)

    answer = wait_for_placement(admin)
    assert answer["placement"] == {"status": "done", "done": total, "total": total}
    assert counts(answer) == EXPECTED
    assert answer["members_total"] == total
    # Every member placed is left for the tag and metafield sync to write to Shopify.
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, admin.shop).id
        unsynced = uow.session.scalar(
            select(func.count()).where(MemberTier.shop_id == shop_id, MemberTier.synced.is_(False), MemberTier.tier_id.is_not(None))
        )
    assert unsynced == total


def test_placing_again_moves_no_one_twice(admin, sessions, workers):
    members_with_points(sessions, admin.shop, {0: 3, 600: 2})
    admin.put("/api/tiers", LADDER)
    first = wait_for_placement(admin)
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, admin.shop).id
        versions = dict(uow.session.execute(select(MemberTier.member_id, MemberTier.version).where(MemberTier.shop_id == shop_id)).all())
    same = {**LADDER, "tiers": [{"id": t["id"], "name": t["name"], "threshold": t["threshold"]} for t in first["tiers"]]}
    assert admin.put("/api/tiers", same).status_code == 200
    again = wait_for_placement(admin)
    assert counts(again) == counts(first) == {"Bronze": 3, "Silver": 2, "Gold": 0}
    with UnitOfWork(sessions) as uow:
        after = dict(uow.session.execute(select(MemberTier.member_id, MemberTier.version).where(MemberTier.shop_id == shop_id)).all())
    assert after == versions


def test_a_second_save_while_the_first_places_wins(admin, sessions, workers):
    members_with_points(sessions, admin.shop, GROUPS)
    admin.put("/api/tiers", LADDER)
    later = {
        "basis": "points",
        "period": "lifetime",
        "tiers": [{"name": "Member", "threshold": "0"}, {"name": "Insider", "threshold": "1000"}],
    }
    assert admin.put("/api/tiers", later).status_code == 200
    answer = wait_for_placement(admin)
    assert counts(answer) == {"Member": 120 + 100 + 30 + 60, "Insider": 50 + 40 + 20}


def test_a_spend_ladder_places_members_by_money_spent(admin, sessions, workers):
    members_with_points(sessions, admin.shop, {0: 4})
    paid = datetime.now(UTC) - timedelta(days=3)
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, admin.shop).id
        for n, amount in enumerate(["20.00", "150.00", "400.00"], start=1):
            member, _ = ensure_member(uow.session, shop_id, CustomerProfile(9_000_000 + n))
            uow.session.add(
                Order(shop_id=shop_id, order_id=77_000 + n, member_id=member.id, name=f"#{n}", eligible_amount=amount, paid_at=paid)
            )
        uow.commit()
    ladder = {
        "basis": "spend",
        "period": "rolling_12_months",
        "tiers": [{"name": "Silver", "threshold": "100"}, {"name": "Gold", "threshold": "300"}],
    }
    admin.put("/api/tiers", ladder)
    assert counts(wait_for_placement(admin)) == {"Silver": 1, "Gold": 1}


def test_the_analytics_tier_distribution_counts_each_tiers_members(admin, sessions, workers):
    members_with_points(sessions, admin.shop, GROUPS)
    assert admin.get("/api/analytics").get_json()["tiers"] == []
    admin.put("/api/tiers", LADDER)
    wait_for_placement(admin)
    tiers = admin.get("/api/analytics").get_json()["tiers"]
    assert [(t["name"], t["threshold"], t["members"]) for t in tiers] == [
        ("Bronze", "0.00", EXPECTED["Bronze"]),
        ("Silver", "500.00", EXPECTED["Silver"]),
        ("Gold", "1500.00", EXPECTED["Gold"]),
    ]


def test_a_shop_without_a_placement_shows_none(admin):
    answer = admin.get("/api/tiers").get_json()
    assert answer["placement"] is None and answer["tiers"] == []


def test_the_issues_shop_shows_each_tiers_members_once_the_ladder_is_saved(admin, sessions, workers):
    # Issue 20: Bronze 0 / Silver 500 / Gold 1,500 saved over 600 members showed "0 of 600" in every tier.
    members_with_points(sessions, admin.shop, {0: 200, 300: 100, 700: 150, 2000: 150})
    admin.put("/api/tiers", LADDER)
    answer = wait_for_placement(admin)
    assert answer["members_total"] == 600
    assert counts(answer) == {"Bronze": 300, "Silver": 150, "Gold": 150}


def test_thresholds_that_rise_move_members_down_at_once(admin, sessions, workers):
    members_with_points(sessions, admin.shop, {100: 2, 600: 3, 1600: 4})
    admin.put("/api/tiers", LADDER)
    first = wait_for_placement(admin)
    assert counts(first) == {"Bronze": 2, "Silver": 3, "Gold": 4}
    higher = {
        **LADDER,
        "tiers": [{"id": t["id"], "name": t["name"], "threshold": str(int(float(t["threshold"])) * 2)} for t in first["tiers"]],
    }
    admin.put("/api/tiers", higher)
    # Silver now needs 1,000 and Gold 3,000: the 600s go back to Bronze, the 1,600s to Silver.
    assert counts(wait_for_placement(admin)) == {"Bronze": 5, "Silver": 4, "Gold": 0}
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, admin.shop).id
        entries = uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.shop_id == shop_id, LedgerEntry.kind == "tier")
        )
    assert entries == 0  # these tiers pay no entry points, and moving down never pays


def test_a_ladder_saved_while_redis_is_down_is_kept_and_its_placement_is_queued_later(admin, platform, sessions, workers):
    members_with_points(sessions, admin.shop, {0: 5, 600: 5})
    settings = platform.settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
    no_redis = create_app(settings).test_client()
    saved = no_redis.put("/api/tiers", headers=admin.headers(), json=LADDER)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["placement"] == {"status": "pending", "done": 0, "total": 10}
    assert [t["name"] for t in admin.get("/api/tiers").get_json()["tiers"]] == ["Bronze", "Silver", "Gold"]
    assert admin.get("/api/tiers").get_json()["placement"]["status"] == "pending"

    queue = platform.app.extensions["perks"].queue
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, admin.shop).id
    # Other tests' shops share the database: only this shop's placement is looked at.
    assert shop_id not in tier_jobs.resume_placements(sessions, queue, datetime.now(UTC))  # saved a moment ago: not yet
    assert shop_id in tier_jobs.resume_placements(sessions, queue, datetime.now(UTC) + tier_jobs.RESUME_AFTER)
    answer = wait_for_placement(admin)
    assert answer["placement"]["status"] == "done" and counts(answer) == {"Bronze": 5, "Silver": 5, "Gold": 0}
    assert shop_id not in tier_jobs.resume_placements(sessions, queue, datetime.now(UTC) + tier_jobs.RESUME_AFTER)  # owed no more


def test_a_whole_shops_tiers_reach_shopify_in_bulk_and_follow_a_move_down(admin, platform, sessions):
    members_with_points(sessions, admin.shop, {100: 30, 600: 30})
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, admin.shop).id
        tiers.replace_ladder(uow.session, shop_id, "points", "lifetime", [tier_fields(t) for t in LADDER["tiers"]], datetime.now(UTC))
        uow.commit()
    tier_jobs.place_with(sessions, shop_id, datetime.now(UTC))
    fake = platform.fake.state

    def sync() -> tuple[dict, list[str]]:
        fake.requests.clear()
        done = tier_sync.sync(sessions, lambda domain: tokens.admin_client(sessions, platform.settings, domain), shop_domain=admin.shop)
        return done, [r["operation"] for r in fake.requests if r["shop"] == admin.shop]

    def shopify_says() -> Counter:
        customers = [c for c in fake.shop(admin.shop).customers.values() if "perks.tier" in c["metafields"]]
        return Counter(
            (tuple(sorted(t for t in c["tags"] if t.startswith("Perks tier:"))), c["metafields"]["perks.tier"]["value"]) for c in customers
        )

    done, calls = sync()
    assert done == {"synced": 60, "failed": 0}
    # Two bulk operations (stale tags off, the tier's tag on) and metafieldsSet 25 a call: not 180 calls.
    assert Counter(calls) == {"StagedUploadsCreate": 2, "BulkOperationRunMutation": 2, "BulkOperation": 2, "MetafieldsSet": 3}
    assert shopify_says() == {(("Perks tier: Bronze",), "Bronze"): 30, (("Perks tier: Silver",), "Silver"): 30}

    with UnitOfWork(sessions) as uow:
        ladder = [tier_fields(t) | {"id": t.id, "threshold": t.threshold * 2} for t in tiers.ladder(uow.session, shop_id)]
        tiers.replace_ladder(uow.session, shop_id, "points", "lifetime", ladder, datetime.now(UTC))
        uow.commit()
    tier_jobs.place_with(sessions, shop_id, datetime.now(UTC))
    done, calls = sync()
    assert done == {"synced": 30, "failed": 0}  # only the members who moved (Silver now needs 1,000)
    assert shopify_says() == {(("Perks tier: Bronze",), "Bronze"): 60}


def tier_fields(tier) -> dict:
    """A tier as replace_ladder takes it, from the test's ladder or the shop's."""
    name, threshold = (tier["name"], tier["threshold"]) if isinstance(tier, dict) else (tier.name, tier.threshold)
    return {"id": None, "name": name, "threshold": Decimal(threshold), "multiplier": Decimal(1), "perks": [], "entry_points": 0}
