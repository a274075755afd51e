"""The dashboard's numbers, checked against a shop small enough to compute by hand.

The shop is in Berlin; March 2026 there runs from 2026-02-28T23:00Z to 2026-03-31T22:00Z
(summer time starts on the 29th). The preceding period of the same length is 31 days before.

members      joined (UTC noon unless said)   orders (eligible amount, paid)
  A  Ada       2026-02-10                    30 on 02-20 (previous period), 100 on 03-02, 50 on 03-15,
                                             999 on 03-12 cancelled (never counts)
  B  Barbara   2026-03-05                    50 on 03-06
  C  Claude    2026-03-20                    none
  E  Edsger    2026-01-05                    20 on 02-25 (previous period only: churned)
  D  Donald    2026-03-31T23:30Z             = 1 April in Berlin: after the period
  guests                                     40 on 03-08, 60 on 03-09, 500 at 2026-03-31T23:30Z (April in Berlin)

ledger in March: A earn +100 (03-02), B earn +50 (03-06), A redeem -60 (03-10),
  B redeem -20 and its refund +20 (03-11, the code failed), C adjust +30 (03-21), A expire -10 (03-25);
  before March: A earn +40 (02-15).

So: members 4 at the end, 2 new; issued 100+50+30 = 180; redeemed 60+20-20 = 60; rate 60/180 = 0.3333;
outstanding at the end: A 40+100-60-10 = 70, B 50, C 30 = 150 points; the best enabled money reward
is the default 5 off for 500 points = 0.01 a point (a disabled 10 off for 100 does not count),
so liability 1.50. Members 3 orders, 200.00, AOV 66.67; guests 2 orders, 100.00, AOV 50.00;
buying members A, B: repeat A: 1/2 = 0.5; previous buyers A, E, churned E: 1/2 = 0.5;
CLV: (30+100+50 + 50 + 20) / 3 buyers = 83.33.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.rewards.models import Reward
from shopify_app.shop.shops import installed_shop
from tests.admin_support import Admin, add_member, add_order, post_entry

A, B, C, D, E = (7400000000000 + n for n in range(1, 6))


def noon(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def build(sessions, shop: str) -> None:
    with UnitOfWork(sessions) as uow:
        found = installed_shop(uow.session, shop)
        found.timezone = "Europe/Berlin"
        uow.session.add(Reward(shop_id=found.id, title="10 off", kind="fixed_amount", points_cost=100, value=10, enabled=False))
        uow.commit()
    for customer, email, joined in [
        (A, "ada@example.com", noon(2, 10)),
        (B, "barbara@example.com", noon(3, 5)),
        (C, "claude@example.com", noon(3, 20)),
        (E, "edsger@example.com", noon(1, 5)),
        (D, "donald@example.com", datetime(2026, 3, 31, 23, 30, tzinfo=UTC)),
    ]:
        add_member(sessions, shop, customer, email=email, joined=joined)
    for customer, points, kind, at in [
        (A, 40, "earn", noon(2, 15)),
        (A, 100, "earn", noon(3, 2)),
        (B, 50, "earn", noon(3, 6)),
        (A, -60, "redeem", noon(3, 10)),
        (B, -20, "redeem", noon(3, 11)),
        (B, 20, "refund", noon(3, 11)),
        (C, 30, "adjust", noon(3, 21)),
        (A, -10, "expire", noon(3, 25)),
    ]:
        post_entry(sessions, shop, customer, points, kind=kind, key=f"fixture:{customer}:{kind}:{at.isoformat()}", at=at)
    for order_id, amount, paid, customer, cancelled in [
        (1, "30", noon(2, 20), A, None),
        (2, "100", noon(3, 2), A, None),
        (3, "50", noon(3, 15), A, None),
        (4, "999", noon(3, 12), A, noon(3, 13)),
        (5, "50", noon(3, 6), B, None),
        (6, "20", noon(2, 25), E, None),
        (7, "40", noon(3, 8), None, None),
        (8, "60", noon(3, 9), None, None),
        (9, "500", datetime(2026, 3, 31, 23, 30, tzinfo=UTC), None, None),
    ]:
        add_order(sessions, shop, order_id, amount, paid_at=paid, customer_id=customer, cancelled=cancelled)


HEADLINE = {
    "members_total": 4,
    "new_members": 2,
    "points_issued": 180,
    "points_redeemed": 60,
    "redemption_rate": "0.3333",
    "outstanding_points": 150,
    "point_value": "0.01",
    "liability": "1.50",
    "members": {"orders": 3, "revenue": "200.00", "aov": "66.67"},
    "guests": {"orders": 2, "revenue": "100.00", "aov": "50.00"},
    "repeat_purchase_rate": "0.5000",
    "churn_rate": "0.5000",
    "clv": "83.33",
    "tiers": [],
}


@pytest.fixture
def admin(platform, sessions) -> Admin:
    platform.install()
    build(sessions, platform.shop)
    return Admin(platform, platform.shop)


def test_the_dashboard_numbers_match_the_hand_computed_shop(admin):
    response = admin.get("/api/analytics", query_string={"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {key: body[key] for key in HEADLINE} == HEADLINE
    assert body["period"] == {
        "start": "2026-02-28T23:00:00+00:00",
        "end": "2026-03-31T22:00:00+00:00",
        "bucket": "day",
        "zone": "Europe/Berlin",
    }


def test_the_series_has_a_bucket_per_day_in_the_shops_zone(admin):
    series = admin.get("/api/analytics", query_string={"from": "2026-03-01", "to": "2026-03-31"}).get_json()["series"]
    assert [b["label"] for b in series] == [f"2026-03-{d:02d}" for d in range(1, 32)]
    day = {b["label"]: b for b in series}
    assert [day["2026-03-01"]["members"], day["2026-03-05"]["members"], day["2026-03-20"]["members"], day["2026-03-31"]["members"]] == [
        2,
        3,
        4,
        4,
    ]
    assert (day["2026-03-02"]["points_issued"], day["2026-03-02"]["member_orders"], day["2026-03-02"]["member_revenue"]) == (
        100,
        1,
        "100.00",
    )
    assert (day["2026-03-11"]["points_issued"], day["2026-03-11"]["points_redeemed"]) == (0, 0)
    assert (day["2026-03-10"]["points_redeemed"], day["2026-03-08"]["guest_revenue"], day["2026-03-31"]["guest_orders"]) == (60, "40.00", 0)
    assert sum(b["points_issued"] for b in series) == 180


def test_a_week_bucket_starts_on_monday(admin):
    body = admin.get("/api/analytics", query_string={"from": "2026-03-01", "to": "2026-03-31", "bucket": "week"}).get_json()
    assert [b["label"] for b in body["series"]] == ["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30"]
    assert sum(b["member_orders"] for b in body["series"]) == 3


def test_the_dashboard_downloads_as_csv_with_the_same_numbers(admin):
    response = admin.get("/api/analytics.csv", query_string={"from": "2026-03-01", "to": "2026-03-31"})
    assert response.mimetype == "text/csv"
    assert 'filename="perks-analytics-2026-03-01-2026-03-31.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["label", "new_members", "members"]
    figures = dict(row for row in rows[33:] if len(row) == 2)
    assert figures["points_issued"] == "180" and figures["redemption_rate"] == "0.3333" and figures["liability_USD"] == "1.50"
    assert figures["members_aov"] == "66.67" and figures["guests_revenue"] == "100.00" and figures["clv"] == "83.33"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-04-01", "to": "2026-03-01"}, "from"),
        ({"from": "March", "to": "2026-03-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-03-01"}, "from"),
        ({"bucket": "hour"}, "bucket"),
    ],
)
def test_a_bad_period_gets_400_naming_the_field(admin, query, field):
    response = admin.get("/api/analytics", query_string=query)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]
