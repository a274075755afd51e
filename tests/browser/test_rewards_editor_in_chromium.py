"""The rewards editor and the multipliers in headless Chromium, where App Bridge is absent: a free product's
variant and a multiplier's collection are picked by name through Perks' catalogue search, each kind shows
only its own fields, a refusal is a sentence at its field, and an archived reward moves to the archive."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_section, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(live):
    live.fake.state.add_product(
        live.shop,
        id=8101,
        title="House blend",
        variants=[{"id": 45012345678901, "title": "1 kg"}, {"id": 45012345678902, "title": "250 g"}],
        collections=[{"id": 9301, "title": "Coffee"}],
    )
    gifts = [{"id": 9302, "title": "Gifts"}]
    live.fake.state.add_product(live.shop, id=8102, title="Pour-over kit", variants=[45012345678903], collections=gifts)


def toast_says(page, text: str) -> None:
    page.wait_for_function("text => document.getElementById('toast').textContent === text", arg=text)


def new_reward(page, title: str, kind: str) -> None:
    page.click("#new-reward")
    page.fill("#f-title", title)
    page.select_option("#f-kind", kind)


def test_a_merchant_makes_rewards_of_each_kind_sees_a_refusal_at_its_field_and_archives_one(page, live, catalogue):
    open_section(page, live, "rewards")

    # A free product: no value field, the variant picked by name.
    new_reward(page, "Free bag of coffee", "free_product")
    assert page.is_hidden("#f-value") and page.is_visible("#pick-variant_id")
    page.click("#pick-variant_id")
    page.locator(".picker-result", has_text="Pour-over kit").wait_for()  # the first items, before a word is typed
    page.fill(".picker-search", "house")
    page.locator(".picker-result", has_text="Pour-over kit").wait_for(state="detached")
    shot(page, "29-reward-variant-search")
    page.fill(".picker-search", "house 1")
    page.locator(".picker-result").filter(has_text="250 g").wait_for(state="detached")
    page.click(".picker-result:text-is('House blend - 1 kg')")
    assert page.inner_text("[data-field='variant_id'] .picked") == "House blend - 1 kg"
    page.fill("#f-points_cost", "1500")
    shot(page, "30-reward-free-product-picked")
    page.click("#save-reward")
    toast_says(page, "Reward added")
    row = page.locator("#rewards tbody tr", has_text="Free bag of coffee")
    assert "House blend - 1 kg" in row.inner_text() and "gid://" not in page.inner_text("#main")

    # Free shipping: its value is never asked for, and it saves.
    new_reward(page, "Free shipping", "free_shipping")
    assert page.is_hidden("#f-value") and page.is_visible("#f-minimum_order")
    page.fill("#f-points_cost", "300")
    page.click("#save-reward")
    toast_says(page, "Reward added")
    page.locator("#rewards tbody tr", has_text="Free shipping").wait_for()
    shot(page, "31-rewards-free-product-and-free-shipping")

    # A refusal: a sentence at the field, no raw key or Python in sight.
    new_reward(page, "Half off everything", "percentage")
    page.fill("#f-value", "150")
    page.click("#save-reward")
    page.wait_for_selector("[data-field='value'].invalid")
    assert page.inner_text("#e-value") == "Give the percentage off: more than 0 and at most 100."
    toast_says(page, "Fix the highlighted fields")
    assert "value:" not in page.inner_text("body") and "<class" not in page.inner_text("body")
    shot(page, "32-reward-refused-at-the-field")

    # Archived: out of the catalogue, into the archive, and back.
    page.locator("#rewards tbody tr", has_text="Free shipping").get_by_role("button", name="Archive").click()
    toast_says(page, "Reward archived: codes already issued still work")
    assert "Free shipping" in page.inner_text("#archived-rewards") and "Free shipping" not in page.inner_text("#rewards")
    shot(page, "33-reward-archived")
    page.locator("#archived-rewards tr", has_text="Free shipping").get_by_role("button", name="Bring back").click()
    page.locator("#rewards tbody tr", has_text="Free shipping").wait_for()
    assert "Off" in page.locator("#rewards tbody tr", has_text="Free shipping").inner_text()


def test_a_merchant_boosts_a_collection_by_name_and_removes_the_boost(page, live, catalogue):
    open_section(page, live, "earn")
    page.select_option("#mult-f-target", "collection")
    page.click("#pick-target_id")
    page.fill(".picker-search", "gif")
    page.click(".picker-result:text-is('Gifts')")
    page.fill("#mult-f-multiplier", "3")
    page.click("#mult-set-multiplier")
    toast_says(page, "Multiplier set")
    row = page.locator("#multipliers tr", has_text="Gifts")
    assert "\u00d73" in row.inner_text() and "9302" not in page.inner_text("#multipliers")
    page.wait_for_selector("#earn-forecast[data-state='ready']")  # the forecast takes the list with its names
    page.locator("#multipliers").scroll_into_view_if_needed()
    shot(page, "34-multiplier-by-name")

    row.get_by_role("button", name="Remove").click()
    toast_says(page, "Multiplier removed")
    page.locator("#multipliers").wait_for(state="detached")  # the list updates
    open_section(page, live, "earn")
    assert page.locator("#multipliers").count() == 0  # gone for good, not only from the page
    shot(page, "35-multiplier-removed")


# App Bridge's resource picker, as Shopify admin offers it: what it was asked, and one variant chosen.
RESOURCE_PICKER = """
window.shopify = {
  resourcePicker: async (options) => {
    window.pickerAsked = options;
    const product = { id: "gid://shopify/Product/8101", title: "House blend" };
    return [{ id: "gid://shopify/ProductVariant/45012345678902", title: "250 g", product }];
  },
};
"""


def test_inside_shopify_admin_the_variant_comes_from_app_bridges_resource_picker(page, live):
    page.add_init_script(RESOURCE_PICKER)
    open_section(page, live, "rewards")
    new_reward(page, "Small bag free", "free_product")
    page.click("#pick-variant_id")
    page.locator("[data-field='variant_id'] .picked", has_text="House blend - 250 g").wait_for()
    assert page.evaluate("window.pickerAsked") == {"type": "variant", "action": "select", "multiple": False}
    assert page.locator(".picker-search").count() == 0  # no fallback search inside Shopify admin
    page.click("#save-reward")
    toast_says(page, "Reward added")
    assert "House blend - 250 g" in page.locator("#rewards tbody tr", has_text="Small bag free").inner_text()
