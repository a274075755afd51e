"""VIP tiers that hold everyone, in headless Chromium (issue 20): a shop of 600 members saves Bronze 0 / Silver 500 /
Gold 1,500, watches the placement finish, and sees each tier's members, the analytics' tier chart and the members
table sorted by tier."""

from __future__ import annotations

import pytest

from tests.browser.conftest import go, open_section, shot
from tests.test_tiers_hold_everyone import members_with_points

pytestmark = pytest.mark.browser

# Points earned -> members: 300 Bronze, 150 Silver, 150 Gold.
GROUPS = {0: 200, 300: 100, 700: 150, 2000: 150}


def test_a_merchant_saves_a_ladder_and_every_member_is_placed(page, live, sessions, workers):
    open_section(page, live, "tiers")  # installs the shop
    assert members_with_points(sessions, live.shop, GROUPS) == 600
    open_section(page, live, "tiers")
    assert page.inner_text("#tier-members-total") == "600 members"
    for name, threshold in (("Bronze", "0"), ("Silver", "500"), ("Gold", "1500")):
        page.click("#add-tier")
        row = page.locator("#tier-rows tr").last
        row.get_by_label("Tier name").fill(name)
        row.get_by_label("Threshold").fill(threshold)
    # Every state the page shows while members are placed, as it shows them.
    page.evaluate(
        """() => { window.placementSeen = [];
        new MutationObserver(() => { const p = document.querySelector('#placement-progress-text, #placement-result');
          if (p && window.placementSeen.at(-1) !== p.textContent) window.placementSeen.push(p.textContent); })
        .observe(document.body, { childList: true, subtree: true, characterData: true }); }"""
    )
    page.click("#save-tiers")
    page.wait_for_selector("#placement-progress, #placement-result")
    shot(page, "60-tiers-placing")
    page.wait_for_selector("#placement-result[data-status='done']", timeout=60_000)
    seen = page.evaluate("window.placementSeen")
    assert seen[-1] == "All 600 members are placed on this ladder.", seen
    counts = [page.locator("#tier-rows tr").nth(n).locator("td.num").inner_text() for n in range(3)]
    assert counts == ["300", "150", "150"]
    assert page.inner_text("#tier-members-total") == "600 members: 600 in a tier, 0 below the first"
    shot(page, "61-tiers-placed")

    go(page, "analytics")
    chart = page.locator(".card", has_text="Tier distribution")
    assert "not set up" not in chart.inner_text()
    assert chart.locator("svg").count() == 1
    chart.scroll_into_view_if_needed()
    shot(page, "62-analytics-tier-distribution")

    go(page, "members")
    assert page.inner_text("#member-total") == "1\u201325 of 600 members"
    page.click("button.sort[data-sort='tier']")
    page.wait_for_selector("th[aria-sort='descending'] button.sort[data-sort='tier']")
    tiers = page.locator("#member-table tbody td.tier").all_inner_texts()
    assert tiers == ["Gold"] * 25
    page.click("button.sort[data-sort='tier']")  # again: lowest first
    page.wait_for_selector("th[aria-sort='ascending'] button.sort[data-sort='tier']")
    assert set(page.locator("#member-table tbody td.tier").all_inner_texts()) == {"Bronze"}
    page.click("button.sort[data-sort='tier']")
    page.wait_for_selector("th[aria-sort='descending'] button.sort[data-sort='tier']")
    shot(page, "63-members-by-tier")
