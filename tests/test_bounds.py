"""Bounds in one place (shopify_app/core/limits.py): each refusal a 400 naming the field, and bad ids,
offsets and texts never reach the database as a 500 (issue 18)."""

from __future__ import annotations

import pytest

from shopify_app.core import limits
from tests.admin_support import Admin, add_member

ADA = 7180000000001
HUGE = 2235734507336458532028416  # past 2^63


@pytest.fixture
def admin(platform) -> Admin:
    platform.install()
    return Admin(platform, platform.shop)


def adjust(admin: Admin, key: str, customer: int = ADA, **body):
    headers = admin.headers() | {"Idempotency-Key": key}
    return admin.platform.client.post(f"/api/members/{customer}/adjustments", headers=headers, json=body)


def member_points(admin: Admin, customer: int = ADA) -> int:
    return admin.get(f"/api/members/{customer}").get_json()["member"]["points"]


def test_an_adjustment_below_zero_is_refused_unless_the_merchant_confirms_it(admin, sessions):
    add_member(sessions, admin.shop, ADA, email="ada@example.com", points=180)
    refused = adjust(admin, "k1", points=-999_999, reason="Typo")
    assert refused.status_code == 400, refused.get_json()
    assert refused.get_json()["message"].startswith("Points would take the balance from 180 to -999,819")
    refused = adjust(admin, "k2", points=-181, reason="Too much")
    assert refused.status_code == 400 and "confirm_negative" in refused.get_json()["message"]
    assert member_points(admin) == 180
    assert adjust(admin, "k3", points=-180, reason="All of it").status_code == 201
    confirmed = adjust(admin, "k4", points=-20, reason="Owed", confirm_negative=True)
    assert confirmed.status_code == 201, confirmed.get_json()
    assert confirmed.get_json()["balance"] == -20


@pytest.mark.parametrize("points", [10**15, limits.MAX_POINTS_PER_ADJUSTMENT + 1, -(limits.MAX_POINTS_PER_ADJUSTMENT + 1)])
def test_an_adjustment_past_the_limit_is_refused_naming_points(admin, sessions, points):
    add_member(sessions, admin.shop, ADA, email="ada@example.com", points=100)
    refused = adjust(admin, "big", points=points, reason="Oops", confirm_negative=True)
    assert refused.status_code == 400, refused.get_json()
    assert refused.get_json()["message"].startswith("Points must")
    assert member_points(admin) == 100
    assert adjust(admin, "max", points=limits.MAX_POINTS_PER_ADJUSTMENT, reason="Big gift").status_code == 201


def test_a_nul_byte_in_an_adjustments_reason_is_a_400_naming_reason(admin, sessions):
    add_member(sessions, admin.shop, ADA, email="ada@example.com", points=100)
    refused = adjust(admin, "nul", points=5, reason="Parcel\x00late")
    assert refused.status_code == 400, refused.get_json()
    assert refused.get_json()["message"].startswith("Reason ")
    assert member_points(admin) == 100


def test_a_reward_cost_past_the_limit_is_refused_naming_points_cost(admin):
    body = {"title": "Big", "kind": "fixed_amount", "points_cost": 99_999_999_999_999, "value": "5"}
    refused = admin.post("/api/rewards", json=body)
    assert refused.status_code == 400, refused.get_json()
    assert "points_cost" in refused.get_json()["fields"]
    made = admin.post("/api/rewards", json=body | {"points_cost": limits.MAX_REWARD_COST})
    assert made.status_code == 201, made.get_json()


def test_a_tier_multiplier_above_10_is_refused_naming_it(admin):
    ladder = {"basis": "points", "period": "lifetime", "tiers": [{"name": "Gold", "threshold": "500", "multiplier": "99999"}]}
    refused = admin.put("/api/tiers", ladder)
    assert refused.status_code == 400, refused.get_json()
    assert "tiers.0.multiplier" in refused.get_json()["fields"]
    ladder["tiers"][0]["multiplier"] = "10"
    assert admin.put("/api/tiers", ladder).status_code == 200


def test_a_launcher_label_longer_than_the_limit_is_refused_naming_it(admin):
    refused = admin.put("/api/launcher", {"texts": {"en": {"button_label": "x" * 200, "title": "Rewards"}}})
    assert refused.status_code == 400, refused.get_json()
    assert "texts.en.button_label" in refused.get_json()["fields"]


def test_the_domain_refuses_multipliers_above_the_limit(platform, sessions):
    from datetime import datetime
    from decimal import Decimal

    from shopify_app.core.errors import InvalidCommand
    from shopify_app.core.unit_of_work import UnitOfWork
    from shopify_app.earn import multipliers, promotions
    from shopify_app.shop.shops import installed_shop

    platform.install()
    with UnitOfWork(sessions) as uow:
        shop = installed_shop(uow.session, platform.shop)
        with pytest.raises(InvalidCommand, match=r"^multiplier:"):
            multipliers.set_multiplier(uow.session, shop.id, "product", 1, Decimal(99_999))
        with pytest.raises(InvalidCommand, match=r"^target_id:"):
            multipliers.set_multiplier(uow.session, shop.id, "product", HUGE, Decimal(2))
        with pytest.raises(InvalidCommand, match=r"^multiplier:"):
            promotions.add_promotion(
                uow.session, shop, name="x", multiplier=Decimal(11), starts_local=datetime(2026, 1, 1), ends_local=datetime(2026, 1, 2)
            )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/members/{HUGE}"),
        ("GET", f"/api/members/{HUGE}/redemptions"),
        ("DELETE", f"/api/promotions/{HUGE}"),
        ("PATCH", f"/api/rewards/{HUGE}"),
        ("GET", f"/api/imports/{HUGE}"),
        ("GET", f"/api/members/{2**63}"),
    ],
)
def test_an_id_past_2_to_the_63_is_not_found_not_a_500(admin, method, path):
    answer = admin.platform.client.open(path, method=method, headers=admin.headers(), json={})
    assert answer.status_code == 404, (answer.status_code, answer.get_data(as_text=True)[:200])


def test_the_largest_id_is_still_a_plain_not_found(admin):
    assert admin.get(f"/api/members/{limits.MAX_ID}").status_code == 404


@pytest.mark.parametrize("offset", ["3²", "٣", "-1", " 3"])
def test_an_offset_that_is_not_ascii_digits_is_a_400_naming_it(admin, offset):
    answer = admin.get("/api/members", query_string={"offset": offset})
    assert answer.status_code == 400, answer.get_data(as_text=True)[:200]
    assert "offset" in answer.get_json()["fields"]


def test_tier_and_referral_amounts_past_the_limits_are_refused_naming_them(admin):
    ladder = {
        "basis": "spend",
        "period": "lifetime",
        "tiers": [{"name": "Gold", "threshold": str(10**13), "entry_points": 10**15}],
    }
    refused = admin.put("/api/tiers", ladder)
    assert refused.status_code == 400, refused.get_json()
    assert {"tiers.0.threshold", "tiers.0.entry_points"} <= refused.get_json()["fields"].keys()
    refused = admin.put("/api/referrals/settings", {"referrer_points": 10**15, "friend_code_valid_days": 10**9})
    assert refused.status_code == 400, refused.get_json()
    assert {"referrer_points", "friend_code_valid_days"} <= refused.get_json()["fields"].keys()
    assert admin.put("/api/referrals/settings", {"referrer_points": limits.MAX_POINTS_PER_AWARD}).status_code == 200
