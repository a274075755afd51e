"""Home in headless Chromium: a new shop's checklist with the purchase step already done, then a shop with
a few months of history showing its five figures against the previous 30 days, the checklist gone once
every step is done, and the change log in the merchant's words, at 1,280 and 1,024 pixels wide."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from perks_dev.admin_demo import seed
from shopify_app.analytics import overview
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.shops import installed_shop
from tests.browser.conftest import go, open_section, shot

pytestmark = pytest.mark.browser


def saved(page, text: str) -> None:
    page.wait_for_function("text => document.getElementById('toast').textContent === text", arg=text)


def test_a_new_shops_home_ticks_the_purchase_step_its_defaults_already_do(page, live):
    open_section(page, live, "home")
    steps = {li.get_attribute("data-key"): li.get_attribute("data-done") for li in page.locator("#checklist li").all()}
    assert steps == {"purchase_rule": "yes", "earn_action": "no", "reward": "yes", "enabled": "yes"}
    assert page.locator("#changes").count() == 0  # nothing changed yet: the log says what it will show
    assert [page.inner_text(f"[data-figure='{name}'] .value") for name in overview.FIGURES] == ["0", "0", "0", "$0.00", "$0.00"]
    shot(page, "40-home-new-shop")


def test_home_shows_a_shop_with_history_in_numbers_and_its_changes_in_words(page, live, sessions):
    open_section(page, live, "home")  # installs the shop
    with UnitOfWork(sessions) as uow:
        shop = installed_shop(uow.session, live.shop)
        seed(uow.session, shop)
        uow.commit()

    # The merchant doubles the purchase rate and rewards reviews, in the admin.
    go(page, "earn")
    page.fill("#f-points_per_unit", "2")
    page.click("#save-purchase")
    saved(page, "Earning rules saved")
    review = page.locator("tr[data-rule='review']")
    review.locator("input[type=number]").first.fill("50")
    review.locator("input[type=checkbox]").check()
    review.locator("button").click()
    saved(page, "Product review saved")
    # A teammate sets up a Gold tier and raises its threshold (through the same API, as another staff member).
    headers = {"Authorization": f"Bearer {live.fake.session_token(live.shop, user_id='9001')}"}
    ladder = {"basis": "points", "period": "calendar_year", "tiers": [{"name": "Gold", "threshold": "1000", "multiplier": "1.5"}]}
    assert page.request.put(f"{live.server.url}/api/tiers", data=ladder, headers=headers).status == 200
    gold = page.request.get(f"{live.server.url}/api/tiers", headers=headers).json()["tiers"][0]
    ladder["tiers"] = [{k: v for k, v in gold.items() if k != "members"} | {"threshold": "1500"}]
    assert page.request.put(f"{live.server.url}/api/tiers", data=ladder, headers=headers).status == 200

    go(page, "home")
    with UnitOfWork(sessions) as uow:
        shop = installed_shop(uow.session, live.shop)
        today = datetime.now(UTC).astimezone(ZoneInfo(shop.timezone or "UTC")).date()
        expected = overview.overview(uow.session, shop, today, 30)
    for figure in expected.figures:
        shown = page.inner_text(f"[data-figure='{figure.name}'] .value")
        want = f"${figure.current:,.2f}" if figure.name in overview.MONEY else f"{figure.current:,}"
        assert shown == want, figure
        assert page.get_attribute(f"[data-figure='{figure.name}']", "data-direction") == figure.direction
    assert int(page.inner_text("[data-figure='members'] .value").replace(",", "")) > 0
    assert page.inner_text("[data-figure='revenue']").endswith(f"30 days before: ${expected.figures[-1].previous:,.2f}")

    # Every step done: the checklist has given way.
    assert page.locator("#checklist").count() == 0
    changes = page.inner_text("#changes")
    assert "Gold tier threshold changed from 1,000 to 1,500 points" in changes
    assert "Gold tier added at 1,000 points" in changes and "by staff member 9001" in changes
    assert "Product review now earns 50 points" in changes
    assert "Points per $1 spent changed from 1 to 2" in changes
    assert "_" not in changes and "→" not in changes
    page.wait_for_selector("#toast", state="hidden")  # the review's "saved" has gone
    shot(page, "41-home-with-history-1280")

    page.set_viewport_size({"width": 1024, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    tops = {page.evaluate(f"document.querySelector(\"[data-figure='{name}']\").getBoundingClientRect().top") for name in overview.FIGURES}
    assert len(tops) == 1  # the five figures stay on one line
    shot(page, "42-home-with-history-1024")

    page.select_option("#home-period", "7")
    page.wait_for_function("document.querySelector(\"[data-figure='revenue'] .note:last-child\").textContent.startsWith('7 days before')")
