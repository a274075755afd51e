"""The liability report, checked against a shop small enough to compute by hand (issue 20).

The shop's zone is UTC; every entry is at noon. Rewards: the default 5 off for 500 points (0.01 a point)
and 10 off for 500 points, the best: p = 0.02 a point.

history before 2026      A earn +1000 (2025-03-01), B earn +200 (2025-03-01),
                         A redeem -600 (2025-06-01), B expire -200 (2025-09-01)
January 2026             C earn +600 (01-05), D signup +100 (01-06), A redeem -400 (01-10),
                         C reverse -100 (01-20, a refund), C redeem -200 (01-25), D expire -100 (01-28)
February 2026            A earn +250 (02-03), B referral +50 (02-04), C redeem -300 (02-10), B expire -50 (02-20)

Points held: 2026-01-01 A 400 = 400; 2026-02-01 C 300 = 300; 2026-03-01 A 250 = 250.

Breakage b at a date: of the points redeemed (R) or expired (E) in the 365 days before it, E / (R + E), 4 places.
  at 2026-01-01: R 600, E 200: b0 = 200 / 800 = 0.25 (first entry 306 days before, 800 points resolved: enough)
  at 2026-02-01: R 600 + 600 = 1200, E 200 + 100 = 300: b1 = 300 / 1500 = 0.2
  at 2026-03-01: R 600 + 600 + 300 = 1500, E 200 + 100 + 50 = 350: b2 = 350 / 1850 = 0.189189... = 0.1892

January (b0 = 0.25, standalone selling price s = 0.02 x 0.75 = 0.015):
  opening                      400 x 0.015                                     =  6.00
  issued with purchases        (600 - 100) = 500 x 0.015                       =  7.50
  given without a purchase     100 x 0.015                                     =  1.50
  recognised on redemption     -(400 + 200) = -600 x 0.015                     = -9.00
  breakage with redemptions    -600 x 0.02 x 0.25                              = -3.00
  expired vs expected          -(100 - 0.25 x (600 + 100)) x 0.02 = +75 x 0.02 = +1.50
  change in estimate           300 x 0.02 x (0.25 - 0.2), b fell so the liability rises = +0.30
  closing                      300 x 0.02 x (1 - 0.2)                          =  4.80  (6.00 + 7.50 + 1.50 - 9.00 - 3.00 + 1.50 + 0.30)

February (b1 = 0.2, s = 0.02 x 0.8 = 0.016):
  opening                      300 x 0.016                                     =  4.80
  issued with purchases        250 x 0.016                                     =  4.00
  given without a purchase     50 x 0.016                                      =  0.80
  recognised on redemption     -300 x 0.016                                    = -4.80
  breakage with redemptions    -300 x 0.02 x 0.2                               = -1.20
  expired vs expected          -(50 - 0.2 x 350) x 0.02 = +20 x 0.02           = +0.40
  change in estimate           250 x 0.02 x (0.2 - 0.1892) = 0.054, half-even  = +0.05
  closing                      250 x 0.02 x 0.8108 = 4.054                     =  4.05  (4.80 + 4.00 + 0.80 - 4.80 - 1.20 + 0.40 + 0.05)

January's journal, dated 2026-01-31, to the merchant's accounts "2400 Loyalty points" (L), "4000 Sales" (S),
"6100 Marketing" (M): Dr S 7.50 / Cr L; Dr M 1.50 / Cr L; Dr L 9.00 / Cr S; Dr L 3.00 / Cr S; Dr S 1.50 / Cr L;
Dr S 0.30 / Cr L. Debits = credits = 7.50 + 1.50 + 9.00 + 3.00 + 1.50 + 0.30 = 22.80; the liability account
nets 10.80 credit - 12.00 debit = -1.20 = closing 4.80 - opening 6.00.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.rewards.models import Reward
from shopify_app.shop.shops import installed_shop
from tests.admin_support import Admin, add_member, post_entry

A, B, C, D = (7500000000000 + n for n in range(1, 5))
ACCOUNTS = {"deferred_revenue": "2400 Loyalty points", "revenue": "4000 Sales", "marketing_expense": "6100 Marketing"}


def noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def build(sessions, shop: str) -> None:
    with UnitOfWork(sessions) as uow:
        found = installed_shop(uow.session, shop)
        found.timezone = "UTC"
        uow.session.add(Reward(shop_id=found.id, title="10 off", kind="fixed_amount", points_cost=500, value=10))
        uow.commit()
    for customer in (A, B, C, D):
        add_member(sessions, shop, customer, email=f"{customer}@example.com", joined=noon(2025, 3, 1))
    for customer, points, kind, at in [
        (A, 1000, "earn", noon(2025, 3, 1)),
        (B, 200, "earn", noon(2025, 3, 1)),
        (A, -600, "redeem", noon(2025, 6, 1)),
        (B, -200, "expire", noon(2025, 9, 1)),
        (C, 600, "earn", noon(2026, 1, 5)),
        (D, 100, "signup", noon(2026, 1, 6)),
        (A, -400, "redeem", noon(2026, 1, 10)),
        (C, -100, "reverse", noon(2026, 1, 20)),
        (C, -200, "redeem", noon(2026, 1, 25)),
        (D, -100, "expire", noon(2026, 1, 28)),
        (A, 250, "earn", noon(2026, 2, 3)),
        (B, 50, "referral", noon(2026, 2, 4)),
        (C, -300, "redeem", noon(2026, 2, 10)),
        (B, -50, "expire", noon(2026, 2, 20)),
    ]:
        post_entry(sessions, shop, customer, points, kind=kind, key=f"fixture:{customer}:{kind}:{at.isoformat()}", at=at)


@pytest.fixture
def admin(platform, sessions) -> Admin:
    platform.install()
    build(sessions, platform.shop)
    return Admin(platform, platform.shop)


def roll_forward(body: dict) -> dict[str, str]:
    return {"opening": body["opening"]} | {line["key"]: line["amount"] for line in body["lines"]} | {"closing": body["closing"]}


def test_january_equals_the_hand_computation(admin):
    response = admin.get("/api/liability", query_string={"from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["point_value"], body["selling_price"]) == ("0.02", "0.015")
    assert (body["opening_points"], body["closing_points"], body["face_value"]) == (400, 300, "6.00")  # 300 x 0.02
    assert roll_forward(body) == {
        "opening": "6.00",
        "issued_with_purchases": "7.50",
        "issued_without_purchase": "1.50",
        "redeemed": "-9.00",
        "breakage": "-3.00",
        "expired": "1.50",
        "estimate_change": "0.30",
        "closing": "4.80",
    }
    opening, closing = body["opening_breakage"], body["closing_breakage"]
    assert (opening["redeemed"], opening["expired"], opening["rate"], opening["ultimate_redemption_rate"]) == (600, 200, "0.2500", "0.7500")
    assert (closing["redeemed"], closing["expired"], closing["rate"], closing["estimated"]) == (1200, 300, "0.2000", True)
    assert "300 expired" in closing["note"]


def test_february_equals_the_hand_computation_and_opens_at_januarys_close(admin):
    body = admin.get("/api/liability", query_string={"from": "2026-02-01", "to": "2026-02-28"}).get_json()
    assert roll_forward(body) == {
        "opening": "4.80",
        "issued_with_purchases": "4.00",
        "issued_without_purchase": "0.80",
        "redeemed": "-4.80",
        "breakage": "-1.20",
        "expired": "0.40",
        "estimate_change": "0.05",
        "closing": "4.05",
    }
    assert body["closing_breakage"]["rate"] == "0.1892"
    # Both months at once: the same roll-forward from January's opening to February's closing.
    both = admin.get("/api/liability", query_string={"from": "2026-01-01", "to": "2026-02-28"}).get_json()
    assert (both["opening"], both["closing"]) == ("6.00", "4.05")
    assert sum(Decimal(line["amount"]) for line in both["lines"]) == Decimal("4.05") - Decimal("6.00")


def test_the_journal_books_januarys_movements_to_the_merchants_accounts_and_balances(admin):
    assert admin.put("/api/liability/accounts", ACCOUNTS).get_json() == ACCOUNTS
    response = admin.get("/api/liability/journal.csv", query_string={"from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    booked = [(r["date"], r["account"], r["debit"], r["credit"]) for r in rows]
    L, S, M, day = "2400 Loyalty points", "4000 Sales", "6100 Marketing", "2026-01-31"
    assert booked == [
        (day, S, "7.50", ""),
        (day, L, "", "7.50"),
        (day, M, "1.50", ""),
        (day, L, "", "1.50"),
        (day, L, "9.00", ""),
        (day, S, "", "9.00"),
        (day, L, "3.00", ""),
        (day, S, "", "3.00"),
        (day, S, "1.50", ""),
        (day, L, "", "1.50"),
        (day, S, "0.30", ""),
        (day, L, "", "0.30"),
    ]
    debits = sum(Decimal(r["debit"] or 0) for r in rows)
    credits = sum(Decimal(r["credit"] or 0) for r in rows)
    assert debits == credits == Decimal("22.80")
    on_liability = sum(Decimal(r["credit"] or 0) - Decimal(r["debit"] or 0) for r in rows if r["account"] == L)
    assert on_liability == Decimal("4.80") - Decimal("6.00")
    assert all(r["memo"].startswith("Loyalty points 2026-01-01 to 2026-01-31: ") for r in rows)


def test_the_default_accounts_and_a_refused_name(admin):
    assert admin.get("/api/liability/accounts").get_json()["deferred_revenue"] == "Deferred revenue \N{EN DASH} loyalty points"
    refused = admin.put("/api/liability/accounts", ACCOUNTS | {"revenue": ""})
    assert refused.status_code == 400 and set(refused.get_json()["fields"]) == {"revenue"}


def test_with_too_little_history_no_breakage_is_assumed_and_the_report_says_why(admin):
    body = admin.get("/api/liability", query_string={"from": "2025-03-01", "to": "2025-03-31"}).get_json()
    opening = body["opening_breakage"]
    assert (opening["estimated"], opening["rate"], opening["history_days"]) == (False, "0.0000", 0)
    assert "Too little history" in opening["note"]
    # No breakage assumed: every point issued is deferred at its full value, 1200 x 0.02.
    assert (body["opening"], body["lines"][0]["amount"], body["closing"]) == ("0.00", "24.00", "24.00")


def test_a_shop_without_a_money_reward_is_told_how_to_value_points(admin, sessions, platform):
    with UnitOfWork(sessions) as uow:
        for reward in uow.session.query(Reward).filter_by(shop_id=installed_shop(uow.session, platform.shop).id):
            reward.enabled = False
        uow.commit()
    refused = admin.get("/api/liability", query_string={"from": "2026-01-01", "to": "2026-01-31"})
    assert refused.status_code == 409 and "add an enabled money reward" in refused.get_json()["message"]


def test_the_points_outstanding_are_the_dashboards_liability_for_the_same_day(admin):
    period = {"from": "2026-01-01", "to": "2026-01-31"}
    card = admin.get("/api/analytics", query_string=period).get_json()
    report = admin.get("/api/liability", query_string=period).get_json()
    assert (card["outstanding_points"], card["liability"]) == (report["closing_points"], report["face_value"]) == (300, "6.00")
