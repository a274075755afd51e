"""The merchant's referrals and tiers in the admin API: each referral with its state and revenue; the tier ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.admin_support import Admin
from tests.test_referrals import ADA, BOB, WAIT, ada, claim, confirm, pay, shop_id  # noqa: F401  (fixtures)


def test_each_referral_shows_its_state_and_the_revenue_its_friend_brought(platform, sessions, shop_id, ada):  # noqa: F811
    admin = Admin(platform, platform.shop)
    assert claim(platform, BOB, ada).status_code == 200
    listed = admin.get("/api/referrals").get_json()["referrals"]
    assert [(r["state"], r["revenue"], r["welcome_issued"]) for r in listed] == [("pending", "0.00", True)]
    paid_at = datetime.now(UTC)
    pay(platform, sessions, 9901, BOB, amount="60.00", now=paid_at)
    pay(platform, sessions, 9902, BOB, amount="25.50", now=paid_at + timedelta(days=1))
    confirm(sessions, shop_id, paid_at + timedelta(days=WAIT))
    (row,) = admin.get("/api/referrals").get_json()["referrals"]
    assert row["referrer"]["customer_id"] == str(ADA) and row["friend"]["customer_id"] == str(BOB)
    assert (row["state"], row["order_id"], row["order_amount"], row["revenue"], row["points"]) == (
        "rewarded",
        "9901",
        "60.00",
        "85.50",
        500,
    )


def test_referral_settings_are_checked_field_by_field(platform, sessions, shop_id):  # noqa: F811
    admin = Admin(platform, platform.shop)
    bad = admin.put("/api/referrals/settings", {"waiting_days": -1, "friend_reward_kind": "gold", "minimum_order": "1.234"})
    assert bad.status_code == 400
    assert set(bad.get_json()["fields"]) == {"waiting_days", "friend_reward_kind", "minimum_order"}
    good = admin.put("/api/referrals/settings", {"waiting_days": 30, "friend_reward_kind": "percentage", "friend_reward_value": "15"})
    assert good.get_json()["settings"]["waiting_days"] == 30


def test_the_tier_ladder_is_replaced_as_a_whole_keeping_ids_and_refusing_duplicates(platform):
    platform.install()
    admin = Admin(platform, platform.shop)
    ladder = {
        "basis": "points",
        "period": "rolling_12_months",
        "tiers": [
            {"name": "Silver", "threshold": "500", "multiplier": "1.25", "perks": ["Free shipping"], "entry_points": 100},
            {"name": "Gold", "threshold": "1500", "multiplier": "1.5", "perks": ["Free shipping", "Gifts"], "entry_points": 250},
        ],
    }
    made = admin.put("/api/tiers", ladder).get_json()
    assert [(t["name"], t["threshold"], t["multiplier"], t["members"]) for t in made["tiers"]] == [
        ("Silver", "500.00", "1.25", 0),
        ("Gold", "1500.00", "1.5", 0),
    ]
    silver, gold = made["tiers"]
    swapped = {
        "basis": "spend",
        "period": "calendar_year",
        "tiers": [{"id": silver["id"], "name": "Gold", "threshold": "500"}, {"id": gold["id"], "name": "Silver", "threshold": "100"}],
    }
    after = admin.put("/api/tiers", swapped).get_json()
    assert [(t["id"], t["name"]) for t in after["tiers"]] == [(gold["id"], "Silver"), (silver["id"], "Gold")]
    assert (after["basis"], after["period"]) == ("spend", "calendar_year")
    twice = admin.put(
        "/api/tiers", {"basis": "spend", "period": "lifetime", "tiers": [{"name": "A", "threshold": "1"}, {"name": "a", "threshold": "2"}]}
    )
    assert twice.status_code == 400 and "tiers" in twice.get_json()["fields"]


def test_referral_and_tier_changes_are_in_the_change_log(platform):
    platform.install()
    admin = Admin(platform, platform.shop)
    admin.put("/api/referrals/settings", {"waiting_days": 21})
    admin.put("/api/tiers", {"basis": "points", "period": "lifetime", "tiers": [{"name": "Gold", "threshold": "1000"}]})
    admin.put("/api/tiers", {"basis": "points", "period": "lifetime", "tiers": [{"name": "Gold", "threshold": "1000"}]})  # no change
    changes = admin.get("/api/program/changes").get_json()["changes"]
    by_subject = {c["subject"]: c for c in changes if c["subject"] in ("referrals", "tiers")}
    assert by_subject["referrals"]["after"]["waiting_days"] == 21 and by_subject["referrals"]["actor"] == "42"
    assert by_subject["tiers"]["after"]["tier:Gold"]["threshold"] == "1000.00"
    assert [c["subject"] for c in changes].count("tiers") == 1
