"""A LoyaltyLion export whose customers hold VIP tiers, imported in headless Chromium: the dry run names the tier the
shop's ladder lacks; once imported, the members table shows each member in their tier with their lifetime points from
LoyaltyLion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.shops import installed_shop
from shopify_app.tiers import tiers
from tests.browser.conftest import go, open_section, shot

pytestmark = pytest.mark.browser

ADA, NEO, KAY = 7600000000101, 7600000000102, 7600000000103
EXPORT = (
    "merchant_id,email,first_name,last_name,points_approved,points_spent,tier\n"
    f"{ADA},ada@example.com,Ada,Lovelace,1250,400,Gold\n"
    f"{NEO},neo@example.com,Neo,Anderson,300,1300,silver\n"
    f"{KAY},kay@example.com,Kay,Other,75,0,Platinum\n"
)
LADDER = [
    {"id": None, "name": "Bronze", "threshold": 0, "multiplier": 1, "perks": [], "entry_points": 0},
    {"id": None, "name": "Silver", "threshold": 500, "multiplier": 1, "perks": [], "entry_points": 0},
    {"id": None, "name": "Gold", "threshold": 1500, "multiplier": 1, "perks": [], "entry_points": 100},
]


def test_an_export_with_tiers_lands_members_in_them_and_names_the_missing_one(page, live, sessions, workers, tmp_path):
    open_section(page, live, "home")
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, live.shop).id
        tiers.replace_ladder(uow.session, shop_id, "points", "lifetime", LADDER, datetime.now(UTC))
        uow.commit()
    go(page, "transfer")
    export = tmp_path / "loyaltylion-customers.csv"
    export.write_text(EXPORT)
    page.set_input_files("#f-file", str(export))
    page.click("#dry-run-import")
    page.wait_for_selector("#import-result[data-status='dry-run']")
    assert "Your VIP tiers have no tier named “Platinum”: those members would be imported without it." in page.inner_text(
        "#import-unknown-tiers"
    )
    shot(page, "87-import-dry-run-names-a-missing-tier")

    page.click("#import-dry-run")
    page.wait_for_selector("#import-result[data-status='done']")
    assert "no tier named “Platinum”: those members were imported without it" in page.inner_text("#import-result")

    go(page, "members")
    page.wait_for_selector("#member-table")
    table = page.inner_text("#member-table")
    # Ada: Gold as LoyaltyLion had her, 1,650 earned there. Neo: 1,600 earned reach Gold above the Silver named.
    # Kay: Platinum is no tier here; her 75 points reach Bronze.
    for name, tier, lifetime in (("Ada", "Gold", "1,650"), ("Neo", "Gold", "1,600"), ("Kay", "Bronze", "75")):
        row = page.locator("#member-table tr", has_text=name).inner_text()
        assert tier in row and lifetime in row, (row, table)
    shot(page, "88-imported-members-in-their-tiers")
