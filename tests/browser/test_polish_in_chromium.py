"""The polish a Shopify merchant expects, in headless Chromium: navigation that fits, a save bar on
every form with unsaved changes, a confirmation before what cannot be undone (App Bridge's when it is
there, our own otherwise), round axis ticks in the shop's currency, and long words that wrap."""

from __future__ import annotations

import itertools
import json
import math
import re

import pytest

from perks_dev.admin_demo import seed
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.shops import installed_shop
from tests.admin_support import add_member
from tests.browser.conftest import APP_BRIDGE_URL, go, open_section, shot
from tests.storefront.conftest import axe

pytestmark = pytest.mark.browser

ADA = 7500000000001
LONG_WORD = "Supercalifragilistic" * 25  # 500 characters, no space to break at


def toast_says(page, text: str) -> None:
    page.wait_for_function("text => document.getElementById('toast').textContent === text", arg=text)


# ---- navigation --------------------------------------------------------------


@pytest.mark.parametrize("width", [1024, 1366])
def test_the_sections_fit_on_one_line_grouped_and_each_is_two_clicks_away(page, live, width):
    page.set_viewport_size({"width": width, "height": 800})
    open_section(page, live, "home")
    tabs = page.locator(".tabs a")
    tops = {round(tabs.nth(n).bounding_box()["y"]) for n in range(tabs.count())}
    assert len(tops) == 1, f"the tabs wrap to {len(tops)} lines at {width} px"
    assert page.locator(".tabs").bounding_box()["height"] < 40
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    groups = {
        "Program": ["Earn rules", "Rewards", "Referrals", "VIP tiers", "Expiry"],
        "Shoppers": ["Members", "Notifications", "Launcher"],
        "Reports": ["Analytics", "Liability"],
        "Settings": ["Import and export", "API keys"],
    }
    for group, sections in groups.items():
        page.locator(".tabs a", has_text=group).click()
        page.wait_for_selector(f".subtabs[aria-label='{group}']", state="visible")
        assert page.locator(".subtabs:visible").count() == 1
        assert page.locator(".subtabs:visible a").all_inner_texts() == sections
        assert page.locator(".tabs a[aria-current=page]").inner_text() == group
    assert page.get_attribute(".subtabs a:has-text('Liability')", "href") == "#/liability"
    menu = page.locator("ui-nav-menu a").all_inner_texts()
    assert menu == ["Home"] + [s for sections in groups.values() for s in sections]

    go(page, "tiers")
    assert page.locator(".subtabs a[aria-current=page]").inner_text() == "VIP tiers"
    assert page.locator(".tabs a[aria-current=page]").inner_text() == "Program"
    shot(page, f"polish-01-nav-{width}")


SECTIONS = ["home", "earn", "rewards", "referrals", "tiers", "expiry"]
SECTIONS += ["members", "notifications", "launcher", "analytics", "transfer", "api-keys"]


def test_a_500_character_word_wraps_and_no_section_scrolls_sideways_at_1024(page, live, sessions):
    page.set_viewport_size({"width": 1024, "height": 800})
    open_section(page, live, "home")
    # The longest a member's name and email may be, each one word; and a 500-character reason.
    add_member(sessions, live.shop, ADA, email="a" * 300 + "@example.com", first=LONG_WORD[:255], last=LONG_WORD[:255], points=120)
    go(page, f"member/{ADA}")
    page.fill("#f-points", "5")
    page.fill("#f-reason", LONG_WORD)
    page.click("#adjust")
    toast_says(page, "Balance is now 125")
    widths = {}
    for section in [*SECTIONS, f"member/{ADA}"]:
        go(page, section)
        widths[section] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == dict.fromkeys(widths, 1024)
    shot(page, "polish-02-long-word-1024")


# ---- the save bar ------------------------------------------------------------


def test_a_form_with_unsaved_changes_shows_the_save_bar_which_saves_or_discards(page, live):
    open_section(page, live, "expiry")
    assert page.locator("#save-bar:visible").count() == 0
    before = page.input_value("#f-expire_after_days")
    page.fill("#f-expire_after_days", "45")
    page.wait_for_selector("#save-bar:visible")
    shot(page, "polish-03-save-bar")

    page.click("#save-bar-discard")  # the section renders afresh
    page.wait_for_selector("body[data-ready='expiry']")
    assert page.locator("#save-bar:visible").count() == 0
    assert page.input_value("#f-expire_after_days") == before

    page.fill("#f-expire_after_days", "45")
    page.click("#save-bar-save")
    toast_says(page, "Expiry and nudges saved")
    page.wait_for_selector("#save-bar", state="hidden")
    open_section(page, live, "expiry")
    assert page.input_value("#f-expire_after_days") == "45"


def test_leaving_a_section_with_unsaved_changes_asks_first(page, live):
    open_section(page, live, "referrals")
    page.fill("#f-referrer_points", "321")
    page.locator(".tabs a", has_text="Home").click()
    page.wait_for_selector("#confirm-dialog[open]")
    assert "not saved" in page.inner_text("#confirm-dialog")
    page.click("#confirm-cancel")
    page.wait_for_selector("#confirm-dialog", state="detached")
    assert page.evaluate("location.hash") == "#/referrals" and page.input_value("#f-referrer_points") == "321"

    page.evaluate("document.body.removeAttribute('data-ready')")
    page.locator(".tabs a", has_text="Home").click()
    page.click("#confirm-action")
    page.wait_for_selector("body[data-ready='home']")
    assert page.locator("#save-bar:visible").count() == 0


def test_choosing_what_a_form_shows_is_no_unsaved_change(page, live):
    open_section(page, live, "notifications")
    page.select_option("#f-language", "fr")
    page.wait_for_function("document.getElementById('preview-subject').textContent.startsWith('Vous avez gagné')")
    assert page.locator("#save-bar:visible").count() == 0
    page.fill("#f-subject", "Bravo, $points points")
    page.wait_for_selector("#save-bar:visible")


# ---- confirmations -----------------------------------------------------------


def test_turning_the_program_off_asks_first(page, live):
    open_section(page, live, "home")
    page.click("#program-switch")
    page.wait_for_selector("#confirm-dialog[open]")
    assert page.inner_text("#confirm-action") == "Turn off"
    page.set_viewport_size({"width": 1024, "height": 800})
    shot(page, "polish-04-confirm-1024")
    page.click("#confirm-cancel")
    page.wait_for_selector("#confirm-dialog", state="detached")
    assert page.inner_text("#program-status") == "On"

    page.click("#program-switch")
    page.click("#confirm-action")
    page.wait_for_function("document.getElementById('program-status').textContent === 'Off'")
    page.click("#program-switch")  # turning on takes nothing away: no question
    page.wait_for_function("document.getElementById('program-status').textContent === 'On'")


def test_removing_a_saved_tier_asks_first_and_leaves_the_ladder_unsaved(page, live):
    open_section(page, live, "tiers")
    page.click("#add-tier")
    row = page.locator("#tier-rows tr").last
    row.get_by_label("Tier name").fill("Silver")
    row.get_by_label("Threshold").fill("500")
    page.click("#save-tiers")
    toast_says(page, "Tiers saved")
    page.wait_for_selector("#tier-rows tr[data-id]:not([data-id=''])")
    count = page.locator("#tier-rows tr").count()

    page.locator("#tier-rows tr:has(input[value='Silver'])").get_by_role("button", name="Remove").click()
    page.wait_for_selector("#confirm-dialog[open]")
    assert page.inner_text("#confirm-action") == "Remove tier"
    page.click("#confirm-cancel")
    assert page.locator("#tier-rows tr").count() == count

    page.locator("#tier-rows tr:has(input[value='Silver'])").get_by_role("button", name="Remove").click()
    page.click("#confirm-action")
    page.wait_for_function("n => document.querySelectorAll('#tier-rows tr').length === n", arg=count - 1)
    page.wait_for_selector("#save-bar:visible")  # removed but not yet saved


def test_revoking_an_api_key_asks_first(page, live):
    open_section(page, live, "api-keys")
    page.fill("#f-name", "Reviews app")
    page.check("input[value='actions:review']")
    page.click("#make-key")
    page.wait_for_selector("#api-keys tbody tr")
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_selector("#confirm-dialog[open]")
    page.click("#confirm-cancel")
    assert page.locator("#api-keys .badge.critical").count() == 0
    page.get_by_role("button", name="Revoke").click()
    page.click("#confirm-action")
    page.wait_for_selector("#api-keys .badge.critical")


def test_axe_finds_no_serious_or_critical_violation_in_the_nav_the_save_bar_or_a_confirmation(page, live):
    open_section(page, live, "expiry")
    page.fill("#f-expire_after_days", "30")
    page.wait_for_selector("#save-bar:visible")
    found = axe(page, ".page-header") + axe(page, ".subtabs[data-group=program]") + axe(page, "#save-bar")
    page.locator(".tabs a", has_text="Home").click()
    page.wait_for_selector("#confirm-dialog[open]")
    found += axe(page, "#confirm-dialog")
    assert [(v["id"], v["nodes"]) for v in found if v["impact"] in {"serious", "critical"}] == []


# ---- inside Shopify admin: App Bridge's title bar, save bar and modal ---------

# App Bridge's API as the admin uses it, recording each call: idToken, saveBar.show/hide, modal.show/hide.
APP_BRIDGE_UI = """
(function () {
  var token = TOKEN;
  window.__calls = [];
  var record = function (api) { return function (id) { window.__calls.push(api + ':' + id); return Promise.resolve(); }; };
  window.shopify = {
    idToken: function () { return Promise.resolve(token); },
    saveBar: { show: record('saveBar.show'), hide: record('saveBar.hide') },
    modal: { show: record('modal.show'), hide: record('modal.hide') },
    toast: { show: function (message) { window.__calls.push('toast:' + message); } },
  };
})();
"""


def test_inside_shopify_admin_the_page_uses_app_bridges_title_bar_save_bar_and_modal(page, live):
    body = APP_BRIDGE_UI.replace("TOKEN", json.dumps(live.fake.session_token(live.shop)))
    page.route(APP_BRIDGE_URL, lambda route: route.fulfill(status=200, content_type="text/javascript", body=body))
    open_section(page, live, "rewards")
    bar = page.locator("ui-title-bar#perks-title-bar")
    assert bar.get_attribute("title") == "Rewards"
    assert bar.locator("button[variant=primary]").inner_text() == page.inner_text("#new-reward")

    go(page, "expiry")
    assert page.locator("ui-title-bar#perks-title-bar").get_attribute("title") == "Points expiry"
    page.fill("#f-expire_after_days", "60")
    assert page.evaluate("window.__calls").count("saveBar.show:perks-save-bar") == 1
    assert page.locator("#save-bar").count() == 0  # ours stays out of the way
    page.click("ui-save-bar#perks-save-bar button[variant=primary]")
    page.wait_for_function("window.__calls.includes('toast:Expiry and nudges saved')")
    assert page.evaluate("window.__calls").index("saveBar.hide:perks-save-bar") > 0

    go(page, "home")
    page.click("#program-switch")
    page.wait_for_function("window.__calls.includes('modal.show:perks-confirm')")
    modal = page.locator("ui-modal#perks-confirm")
    assert modal.locator("ui-title-bar").get_attribute("title") == "Turn off the loyalty program?"
    assert modal.locator("button[variant=primary]").get_attribute("tone") == "critical"
    assert page.locator("#confirm-dialog").count() == 0
    page.evaluate("document.querySelector('#perks-confirm button[variant=primary]').click()")
    page.wait_for_function("document.getElementById('program-status').textContent === 'Off'")


# ---- charts --------------------------------------------------------------------


def read_tick(label: str) -> float:
    match = re.fullmatch(r"[$€£]?(-?[\d.]+)([KMBT]?)", label.replace(",", ""))
    assert match, f"a tick reads {label!r}"
    return float(match[1]) * {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}[match[2]]


def is_nice(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m) for m in (1, 2, 5, 10))


def test_the_dashboards_axes_tick_in_round_steps_and_money_in_the_shops_currency(page, live, sessions):
    open_section(page, live, "home")
    with UnitOfWork(sessions) as uow:
        seed(uow.session, installed_shop(uow.session, live.shop))
        uow.commit()
    for width in (1024, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        open_section(page, live, "analytics")
        page.wait_for_selector("#dashboard svg.chart")
        charts = page.locator("#dashboard svg.chart")
        for n in range(charts.count()):
            labels = charts.nth(n).locator("text[text-anchor=end]").evaluate_all("texts => texts.map((t) => t.textContent)")
            values = [read_tick(label) for label in labels]
            steps = {round(a - b, 9) for a, b in itertools.pairwise(values)}
            assert len(steps) == 1 and is_nice(abs(steps.pop())), labels
            money = charts.nth(n).get_attribute("aria-label") == "Members and Guests"  # the revenue chart
            assert all(label.startswith("$") for label in labels) == money, labels
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"polish-05-analytics-{width}")


CASES = {  # value: (as a number, as US dollars)
    0: ("0", "$0"),
    7: ("7", "$7"),
    999: ("999", "$999"),
    1000: ("1K", "$1K"),
    1500: ("1.5K", "$1.5K"),
    12_340: ("12.34K", "$12.34K"),
    999_999: ("1M", "$1M"),
    2_350_000: ("2.35M", "$2.35M"),
    1_000_000_068.8: ("1B", "$1B"),
    1.5e12: ("1.5T", "$1.5T"),
    0.5: ("0.5", "$0.5"),
}


def test_compact_numbers_and_nice_ticks_are_right_at_every_magnitude(page, live):
    open_section(page, live, "home")
    results = page.evaluate(
        """async (values) => {
          const app = document.querySelector('script[type=module]').src;
          const charts = await import(new URL('charts.js', app));
          const kit = await import(new URL('kit.js', app));
          kit.setCurrency('USD');
          const out = { numbers: values.map((v) => kit.compactNumber(v)), money: values.map((v) => kit.compactMoney(v)) };
          kit.setCurrency('EUR');
          out.euros = kit.compactMoney(1500);
          out.ticks = {};
          for (const max of [0, 0.6, 1, 7, 1067, 711, 48_213, 1_000_000_068.8]) out.ticks[max] = charts.niceTicks(max);
          out.whole = charts.niceTicks(3, 4, true);
          return out;
        }""",
        list(CASES),
    )
    assert results["numbers"] == [number for number, _ in CASES.values()]
    assert results["money"] == [money for _, money in CASES.values()]
    assert results["euros"] == "€1.5K"
    assert results["ticks"]["1067"] == [0, 500, 1000, 1500]
    assert results["ticks"]["711"] == [0, 200, 400, 600, 800]
    assert results["ticks"]["0"] == [0, 0.5, 1]
    assert results["ticks"]["0.6"] == [0, 0.2, 0.4, 0.6]
    assert results["ticks"]["1000000068.8"] == [0, 5e8, 1e9, 1.5e9]
    assert results["whole"] == [0, 1, 2, 3]
    for max_, ticks in results["ticks"].items():
        step = ticks[1] - ticks[0]
        assert is_nice(step) and ticks[-1] >= float(max_) and len(ticks) <= 6, (max_, ticks)


# ---- the admin at the widths merchants use -------------------------------------


@pytest.mark.parametrize("width", [1024, 1366])
def test_the_admin_at_a_merchants_width(page, live, sessions, width):
    page.set_viewport_size({"width": width, "height": 800})
    open_section(page, live, "home")
    with UnitOfWork(sessions) as uow:
        seed(uow.session, installed_shop(uow.session, live.shop), members=120, days=60)
        uow.commit()
    sideways = {}

    def screen(name: str) -> None:
        shot(page, f"polish-1{len(sideways)}-{name}-{width}")
        sideways[name] = page.evaluate("document.documentElement.scrollWidth") > width

    open_section(page, live, "home")
    screen("home")
    go(page, "analytics")
    page.wait_for_selector("#dashboard svg.chart")
    screen("analytics")
    go(page, "referrals")
    page.fill("#f-referrer_points", "250")
    page.wait_for_selector("#save-bar:visible")
    screen("save-bar")
    page.click("#save-bar-save")
    toast_says(page, "Referral offer saved")
    go(page, "home")
    page.click("#program-switch")
    page.wait_for_selector("#confirm-dialog[open]")
    screen("confirm")
    assert sideways == dict.fromkeys(sideways, False)
