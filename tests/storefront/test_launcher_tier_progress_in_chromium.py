"""The way to the next tier is said in what the ladder counts: points, or money spent."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.tiers import tiers
from tests.storefront.conftest import open_launcher, shot


def ladder(sessions, shop_id: int, basis: str) -> None:
    silver = {"id": None, "name": "Silver", "threshold": Decimal(100), "multiplier": Decimal(1), "perks": [], "entry_points": 0}
    with UnitOfWork(sessions) as uow:
        tiers.replace_ladder(uow.session, shop_id, basis, "rolling_12_months", [silver], datetime.now(UTC))
        uow.commit()


def test_a_money_ladder_tells_the_member_how_much_more_to_spend(live, page_factory, sessions):
    ladder(sessions, live.shop_id, "spend")
    live.give(40)
    page = page_factory(logged_in=True)
    page.goto(live.url("/demo/shop"))
    open_launcher(page)
    panel = page.locator("#perks-panel").inner_text()
    assert "Spend $100.00 more to reach Silver" in panel and "points to reach" not in panel
    shot(page, "tier-progress-spend")


def test_a_points_ladder_counts_points(live, page_factory, sessions):
    ladder(sessions, live.shop_id, "points")
    live.give(40)
    page = page_factory(logged_in=True, locale="fr")
    page.goto(live.url("/demo/shop"))
    open_launcher(page)
    assert "Encore 100 points pour atteindre Silver" in page.locator("#perks-panel").inner_text()
