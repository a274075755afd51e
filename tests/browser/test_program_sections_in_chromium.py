"""Points expiry, referrals and VIP tiers in headless Chromium: each section saves through its API,
shows the server's error beside the field it is about, and keeps what was saved."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_section, shot

pytestmark = pytest.mark.browser


def saved(page, text: str) -> None:
    page.wait_for_function("text => document.getElementById('toast').textContent === text", arg=text)


def test_a_merchant_sets_points_to_expire_with_a_reminder_that_comes_first(page, live):
    open_section(page, live, "expiry")
    page.fill("#f-expire_after_days", "30")
    page.fill("#f-expiry_reminder_days", "30")
    page.click("#expiry-form-save")
    page.wait_for_selector("#expiry-form .field.invalid")
    assert "fewer days than points take to expire" in page.inner_text("#e-expiry_reminder_days")
    page.fill("#f-expiry_reminder_days", "7")
    page.click("#expiry-form-save")
    saved(page, "Expiry and nudges saved")
    open_section(page, live, "expiry")
    assert page.input_value("#f-expire_after_days") == "30" and page.input_value("#f-expiry_reminder_days") == "7"
    shot(page, "13-expiry")


def test_a_merchant_sets_the_referral_offer(page, live):
    open_section(page, live, "referrals")
    page.fill("#f-referrer_points", "300")
    page.fill("#f-friend_reward_value", "ten")
    page.click("#referral-form-save")
    page.wait_for_selector("#referral-form .field.invalid")
    assert page.inner_text("#e-friend_reward_value")
    page.fill("#f-friend_reward_value", "15.00")
    page.click("#referral-form-save")
    saved(page, "Referral offer saved")
    open_section(page, live, "referrals")
    assert page.input_value("#f-referrer_points") == "300" and page.input_value("#f-friend_reward_value") == "15.00"
    shot(page, "14-referrals")


def test_a_merchant_builds_a_tier_ladder_and_a_repeated_threshold_is_refused(page, live):
    open_section(page, live, "tiers")
    for name, threshold, multiplier in (("Silver", "500", "1.25"), ("Gold", "500", "1.5")):
        page.click("#add-tier")
        row = page.locator("#tier-rows tr").last
        row.get_by_label("Tier name").fill(name)
        row.get_by_label("Threshold").fill(threshold)
        row.get_by_label("Earn multiplier").fill(multiplier)
    page.locator("#tier-rows tr").last.get_by_label("Perks, one a line").fill("Free shipping\nEarly access")
    page.click("#save-tiers")
    page.wait_for_function("document.getElementById('e-tiers').textContent !== ''")
    page.locator("#tier-rows tr").last.get_by_label("Threshold").fill("2000")
    page.click("#save-tiers")
    saved(page, "Tiers saved")
    page.wait_for_selector("#tier-rows tr[data-id]:nth-child(2)")
    assert [page.locator("#tier-rows tr").nth(n).get_by_label("Tier name").input_value() for n in range(2)] == ["Silver", "Gold"]
    shot(page, "15-tiers")
