"""Home: five figures against the previous period, the setup checklist, the change log in words.

A shop in UTC, Home's 30 days ending 2026-03-31: the current period runs 03-02 to 03-31,
the previous one 01-31 to 03-01 (both whole days).

members (joined)   A 01-10, B 02-10, C 03-05, D 03-20, X 04-02 (after both periods)
ledger   before both: A adjust +40 (01-15)
         previous:    A earn +200 (02-05), B earn +100 (02-12), A redeem -50 (02-20)
         current:     A earn +100 (03-03), C earn +300 (03-06), B redeem -100 (03-10),
                      C redeem -200 and its refund +200 (03-15, Shopify refused the code),
                      D adjust +50 (03-21), A expire -20 (03-25)
         after:       A earn +1,000 (04-05)
orders   previous:    A 80.00 (02-06), B 40.50 (02-13), a guest 999.00 (02-14)
         current:     A 120.00 (03-03), C 60.25 (03-06), C 500.00 cancelled (03-07), a guest 70.00 (03-08),
                      D 19.75 (03-31 23:00)
         after:       A 300.00 (04-01)

members        previous A, B = 2; current A, B, C, D = 4: +100.0 %
points issued  previous 200 + 100 = 300; current 100 + 300 + 50 = 450: +50.0 %
redeemed       previous 50; current 100 + 200 - 200 = 100: +100.0 %
liability      the best money reward is 10.00 off for 400 points = 0.025 a point (the default 5 off for 500 is 0.01);
               outstanding at the previous end A 40+200-50 = 190, B 100: 290 points = 7.25;
               at the current end A 190+100-20 = 270, B 0, C 300, D 50: 620 points = 15.50: +113.8 %
revenue        previous 80.00 + 40.50 = 120.50; current 120.00 + 60.25 + 19.75 = 200.00: +66.0 %
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.rewards.models import Reward
from shopify_app.shop.shops import installed_shop
from tests.admin_support import Admin, add_member, add_order, post_entry

A, B, C, D, X = (7600000000000 + n for n in range(1, 6))


def noon(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def build(sessions, shop: str) -> None:
    with UnitOfWork(sessions) as uow:
        found = installed_shop(uow.session, shop)
        found.timezone = "UTC"
        uow.session.add(Reward(shop_id=found.id, title="10 off", kind="fixed_amount", points_cost=400, value=10, enabled=True))
        uow.commit()
    for customer, joined in [(A, noon(1, 10)), (B, noon(2, 10)), (C, noon(3, 5)), (D, noon(3, 20)), (X, noon(4, 2))]:
        add_member(sessions, shop, customer, email=f"{customer}@example.com", joined=joined)
    for customer, points, kind, at in [
        (A, 40, "adjust", noon(1, 15)),
        (A, 200, "earn", noon(2, 5)),
        (B, 100, "earn", noon(2, 12)),
        (A, -50, "redeem", noon(2, 20)),
        (A, 100, "earn", noon(3, 3)),
        (C, 300, "earn", noon(3, 6)),
        (B, -100, "redeem", noon(3, 10)),
        (C, -200, "redeem", noon(3, 15)),
        (C, 200, "refund", noon(3, 15)),
        (D, 50, "adjust", noon(3, 21)),
        (A, -20, "expire", noon(3, 25)),
        (A, 1000, "earn", noon(4, 5)),
    ]:
        post_entry(sessions, shop, customer, points, kind=kind, key=f"home:{customer}:{kind}:{at.isoformat()}", at=at)
    for order_id, amount, paid, customer, cancelled in [
        (1, "80.00", noon(2, 6), A, None),
        (2, "40.50", noon(2, 13), B, None),
        (3, "999.00", noon(2, 14), None, None),
        (4, "120.00", noon(3, 3), A, None),
        (5, "60.25", noon(3, 6), C, None),
        (6, "500.00", noon(3, 7), C, noon(3, 8)),
        (7, "70.00", noon(3, 8), None, None),
        (8, "19.75", datetime(2026, 3, 31, 23, tzinfo=UTC), D, None),
        (9, "300.00", noon(4, 1), A, None),
    ]:
        add_order(sessions, shop, order_id, amount, paid_at=paid, customer_id=customer, cancelled=cancelled)


@pytest.fixture
def admin(platform) -> Admin:
    platform.install()
    return Admin(platform, platform.shop)


def test_home_shows_each_figure_against_the_previous_period_as_computed_by_hand(admin, sessions):
    build(sessions, admin.shop)
    response = admin.get("/api/home", query_string={"days": "30", "to": "2026-03-31"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["current"] == {"start": "2026-03-02T00:00:00+00:00", "end": "2026-04-01T00:00:00+00:00"}
    assert body["previous"] == {"start": "2026-01-31T00:00:00+00:00", "end": "2026-03-02T00:00:00+00:00"}
    assert {f["name"]: (f["current"], f["previous"], f["change_percent"], f["direction"]) for f in body["figures"]} == {
        "members": (4, 2, "100.0", "up"),
        "points_issued": (450, 300, "50.0", "up"),
        "points_redeemed": (100, 50, "100.0", "up"),
        "liability": ("15.50", "7.25", "113.8", "up"),
        "revenue": ("200.00", "120.50", "66.0", "up"),
    }


def test_homes_liability_is_the_analytics_cards_for_the_same_days(admin, sessions):
    build(sessions, admin.shop)
    home = {f["name"]: f for f in admin.get("/api/home", query_string={"to": "2026-03-31"}).get_json()["figures"]}
    card = admin.get("/api/analytics", query_string={"from": "2026-03-02", "to": "2026-03-31"}).get_json()
    assert home["liability"]["current"] == card["liability"]
    assert home["revenue"]["current"] == card["members"]["revenue"]
    assert (home["members"]["current"], home["points_issued"]["current"]) == (card["members_total"], card["points_issued"])


def test_a_figure_down_from_before_and_one_with_nothing_to_compare_with(admin, sessions):
    build(sessions, admin.shop)
    # 7 days ending 03-14 (03-08..03-14) against 03-01..03-07.
    body = admin.get("/api/home", query_string={"days": "7", "to": "2026-03-14"}).get_json()
    figures = {f["name"]: f for f in body["figures"]}
    # Revenue: 70.00 is a guest's, so 0 from members now against 120.00 + 60.25 before.
    assert (figures["revenue"]["current"], figures["revenue"]["previous"]) == ("0.00", "180.25")
    assert (figures["revenue"]["change_percent"], figures["revenue"]["direction"]) == ("-100.0", "down")
    # Redeemed: B's 100 now, nothing before: no percentage, but up.
    assert (figures["points_redeemed"]["current"], figures["points_redeemed"]["previous"]) == (100, 0)
    assert (figures["points_redeemed"]["change_percent"], figures["points_redeemed"]["direction"]) == (None, "up")


def test_home_defaults_to_the_last_30_days_and_refuses_a_period_it_cannot_show(admin):
    body = admin.get("/api/home").get_json()
    assert body["days"] == 30 and body["currency"] == "USD"
    assert [f["direction"] for f in body["figures"]] == ["flat"] * 5
    refused = admin.get("/api/home", query_string={"days": "0"})
    assert refused.status_code == 400 and set(refused.get_json()["fields"]) == {"days"}


def test_a_new_shops_purchase_step_is_done_by_its_default_rule_without_saving(admin):
    checklist = {i["key"]: i["done"] for i in admin.get("/api/program").get_json()["checklist"]}
    assert checklist["purchase_rule"] is True
    # A rate of 0 earns nothing on purchases: the step is open again.
    saved = admin.patch("/api/program", {"points_per_unit": "0"}).get_json()
    assert {i["key"]: i["done"] for i in saved["checklist"]}["purchase_rule"] is False


def test_the_change_log_speaks_the_merchants_words_with_who_made_each_change(platform, admin):
    jane = Admin(platform, admin.shop, user="9001")
    jane.patch("/api/program", {"points_per_unit": "2", "minimum_order": "10"})
    created = admin.post("/api/rewards", json={"title": "$5 off", "kind": "fixed_amount", "points_cost": 500, "value": "5"})
    assert created.status_code == 201, created.get_json()
    reward_id = created.get_json()["reward"]["id"]
    admin.patch(f"/api/rewards/{reward_id}", {"points_cost": 400})
    ladder = {"basis": "points", "period": "calendar_year", "tiers": [{"name": "Gold", "threshold": "1000", "multiplier": "1"}]}
    assert admin.put("/api/tiers", ladder).status_code == 200
    ladder["tiers"] = [{**admin.get("/api/tiers").get_json()["tiers"][0], "threshold": "1500"}]
    for shown_only in ("members",):
        ladder["tiers"][0].pop(shown_only)
    assert admin.put("/api/tiers", ladder).status_code == 200

    changes = admin.get("/api/program/changes").get_json()["changes"]
    said = [(c["sentences"], c["by"]) for c in changes]
    assert said == [
        (["Gold tier threshold changed from 1,000 to 1,500 points"], "by staff member 42"),
        (["Gold tier added at 1,000 points"], "by staff member 42"),
        (["Reward “$5 off” price changed from 500 to 400 points"], "by staff member 42"),
        (["Reward “$5 off” added"], "by staff member 42"),
        (["Points per $1 spent changed from 1 to 2", "Minimum order to earn points changed from $0.00 to $10.00"], "by staff member 9001"),
    ]
