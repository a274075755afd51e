"""The members table (issue 20: "members have no tier column, no sorting, no total"): sorted on the server by name,
points, lifetime points, tier or joined date, searched, paged, with the total and each member's tier."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import transfer
from shopify_app.shop.shops import installed_shop
from shopify_app.tiers import jobs as tier_jobs
from shopify_app.tiers import tiers
from tests.admin_support import Admin, add_member, post_entry

T0 = datetime(2026, 1, 5, tzinfo=UTC)
# customer: (first name, last name, points earned, points redeemed, joined days after T0)
PEOPLE = {
    101: ("Ada", "Lovelace", 1800, 1500, 3),  # Gold, 300 left
    102: ("grace", "Hopper", 600, 0, 1),  # Silver
    103: ("Alan", "Turing", 100, 0, 4),  # Bronze
    104: ("Barbara", "Liskov", 0, 0, 2),  # Bronze with nothing earned
    105: ("Edsger", "Dijkstra", 700, 200, 0),  # Silver, 500 left
}


@pytest.fixture
def admin(platform, sessions) -> Admin:
    platform.install()
    admin = Admin(platform, platform.shop)
    for customer, (first, last, earned, redeemed, day) in PEOPLE.items():
        add_member(
            sessions, admin.shop, customer, email=f"{first.lower()}@example.com", first=first, last=last, joined=T0 + timedelta(days=day)
        )
        if earned:
            post_entry(sessions, admin.shop, customer, earned, kind="earn", key=f"earn:{customer}", at=T0 + timedelta(days=10))
        if redeemed:
            post_entry(sessions, admin.shop, customer, -redeemed, kind="redeem", key=f"redeem:{customer}", at=T0 + timedelta(days=11))
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, admin.shop).id
        ladder = [("Bronze", 0), ("Silver", 500), ("Gold", 1500)]
        wanted = [
            {"id": None, "name": n, "threshold": Decimal(t), "multiplier": Decimal(1), "perks": [], "entry_points": 0} for n, t in ladder
        ]
        tiers.replace_ladder(uow.session, shop_id, "points", "lifetime", wanted, datetime.now(UTC))
        uow.commit()
    tier_jobs.place_with(sessions, shop_id, datetime.now(UTC))
    return admin


def listed(admin: Admin, **query) -> dict:
    answer = admin.get("/api/members", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def order(admin: Admin, sort: str, direction: str) -> list[str]:
    return [m["first_name"] for m in listed(admin, sort=sort, direction=direction)["members"]]


@pytest.mark.parametrize(
    ("sort", "direction", "expected"),
    [
        ("name", "asc", ["Ada", "Alan", "Barbara", "Edsger", "grace"]),
        ("name", "desc", ["grace", "Edsger", "Barbara", "Alan", "Ada"]),
        ("points", "desc", ["grace", "Edsger", "Ada", "Alan", "Barbara"]),
        ("lifetime_points", "desc", ["Ada", "Edsger", "grace", "Alan", "Barbara"]),
        # Ties (two Silver, two Bronze) newest first.
        ("tier", "desc", ["Ada", "grace", "Edsger", "Alan", "Barbara"]),
        ("tier", "asc", ["Alan", "Barbara", "grace", "Edsger", "Ada"]),
        ("joined", "asc", ["Edsger", "grace", "Barbara", "Ada", "Alan"]),
        ("joined", "desc", ["Alan", "Ada", "Barbara", "grace", "Edsger"]),
    ],
)
def test_members_are_sorted_on_the_server_by_each_column(admin, sort, direction, expected):
    assert order(admin, sort, direction) == expected


def test_each_member_shows_their_tier_and_lifetime_points_and_the_table_its_total(admin):
    answer = listed(admin, sort="name", direction="asc")
    assert answer["total"] == 5
    assert [(m["first_name"], m["tier"], m["points"], m["lifetime_points"]) for m in answer["members"]] == [
        ("Ada", "Gold", 300, 1800),
        ("Alan", "Bronze", 100, 100),
        ("Barbara", "Bronze", 0, 0),
        ("Edsger", "Silver", 500, 700),
        ("grace", "Silver", 600, 600),
    ]


def test_a_sorted_search_pages_through_its_matches_with_their_total(admin):
    first = listed(admin, q="example.com", sort="points", direction="asc", limit=2)
    second = listed(admin, q="example.com", sort="points", direction="asc", limit=2, offset=2)
    third = listed(admin, q="example.com", sort="points", direction="asc", limit=2, offset=4)
    names = [m["first_name"] for page in (first, second, third) for m in page["members"]]
    assert names == ["Barbara", "Alan", "Ada", "Edsger", "grace"]
    assert (first["total"], first["has_more"], third["has_more"]) == (5, True, False)
    found = listed(admin, q="ov", sort="name", direction="asc")  # Lovelace, Liskov
    assert ([m["first_name"] for m in found["members"]], found["total"]) == (["Ada", "Barbara"], 2)


def test_an_unknown_sort_is_refused_on_its_field(admin):
    answer = admin.get("/api/members", query_string={"sort": "email"})
    assert answer.status_code == 400 and set(answer.get_json()["fields"]) == {"sort"}


def test_the_members_export_carries_each_members_tier_and_lifetime_points(admin):
    exported = admin.get("/api/exports/members.csv").get_data(as_text=True)
    rows = {r["first_name"]: (r["points"], r["lifetime_points"], r["tier"]) for r in csv.DictReader(io.StringIO(exported))}
    assert rows == {
        "Ada": ("300", "1800", "Gold"),
        "grace": ("600", "600", "Silver"),
        "Alan": ("100", "100", "Bronze"),
        "Barbara": ("0", "0", "Bronze"),
        "Edsger": ("500", "700", "Silver"),
    }
    assert transfer.layout_of(exported).name == "plain"  # it imports back
