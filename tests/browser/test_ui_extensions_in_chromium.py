"""The three UI extensions' components in Chromium, in a plain page (tests/extensions/page.jsx, page.css), calling
the real Perks app with each surface's session token: a screenshot of each surface in tests/screenshots/."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.browser.conftest import shot
from tests.extensions.test_ui_extensions import ROOT, seed, served, surfaces_env
from tests.test_surfaces_api import shop_id  # noqa: F401  (the installed shop, a fixture)

# The extensions' Perks (extensions/shared/perks.js): Chromium's requests to it are answered by the test app.
APP_URL = re.search(r"APP_URL = '([^']+)'", (ROOT / "extensions/shared/perks.js").read_text()).group(1)


def words(extension: str) -> dict:
    return json.loads((ROOT / "extensions" / extension / "locales/en.default.json").read_text())


@pytest.fixture
def surface(browser, platform, sessions, shop_id):  # noqa: F811
    """show(config): the page at APP_URL with one component rendered; the surfaces' tokens and ids in `surface.env`."""
    seed(platform, sessions, shop_id)
    esbuild = [str(ROOT / "node_modules/.bin/esbuild"), str(ROOT / "tests/extensions/page.jsx"), "--bundle", "--format=iife"]
    bundle = subprocess.run([*esbuild, "--jsx=automatic", "--jsx-import-source=preact"], check=True, capture_output=True, text=True).stdout
    css = (ROOT / "tests/extensions/page.css").read_text()
    html = f'<!doctype html><meta charset="utf-8"><style>{css}</style><div id="surface"></div><script>{bundle}</script>'

    with served(platform.app) as base:

        def to_perks(route):
            url = route.request.url
            if url == f"{APP_URL}/surface":
                route.fulfill(status=200, content_type="text/html", body=html)
            else:
                route.fulfill(response=route.fetch(url=base + url.removeprefix(APP_URL)))

        context = browser.new_context(viewport={"width": 760, "height": 600})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route(f"{APP_URL}/**", to_perks)

        def show(config: dict):
            page.goto(f"{APP_URL}/surface")
            page.evaluate("config => showSurface(config)", config)
            return page

        show.env = surfaces_env(platform, base)
        try:
            yield show
        finally:
            context.close()
    assert errors == [], errors


def text_of(page) -> str:
    return page.locator("#surface").inner_text()


def test_the_customer_account_page_and_profile_block(surface):
    tokens, account = surface.env["tokens"], words("customer-account-rewards")
    page = surface({"component": "RewardsPage", "token": tokens["account"]["ada"], "words": account})
    page.get_by_text("Spend 750 more to reach Gold").wait_for()
    assert "1,250 points" in text_of(page) and "$25 off" in text_of(page)
    shot(page, "extensions-01-rewards-page")

    page = surface({"component": "RewardsPage", "token": tokens["account"]["bea"], "words": account})
    page.locator("s-button:not([disabled])", has_text="Redeem").first.click()
    page.get_by_text("750 points", exact=True).wait_for()
    code = page.locator("#perks-issued-code").get_attribute("text")  # the banner's code, to copy
    assert code.startswith("PERKS-") and code in text_of(page)
    shot(page, "extensions-02-rewards-page-redeemed")

    page = surface({"component": "ProfileBlock", "token": tokens["account"]["ada"], "words": account})
    page.get_by_text("1,250 points").wait_for()
    shot(page, "extensions-03-profile-block")


def test_the_thank_you_block_for_a_member_and_for_a_guest(surface):
    env, thank_you = surface.env, words("thank-you-points")
    member = {"orderId": env["orders"]["member"]}
    page = surface({"component": "OrderPoints", "props": member, "token": env["tokens"]["checkout"]["ada"], "words": thank_you})
    page.get_by_text("This order earned you 1,250 points").wait_for()
    assert "1,250 points more for $25 off" in text_of(page)
    shot(page, "extensions-04-thank-you")

    guest = {"orderId": env["orders"]["guest"], "email": env["orders"]["guest_email"]}
    page = surface({"component": "OrderPoints", "props": guest, "token": env["tokens"]["guest"], "words": thank_you})
    page.get_by_text("120 points are waiting for you").wait_for()
    shot(page, "extensions-05-thank-you-guest")


def test_the_pos_block_and_a_redemption_at_the_till(surface):
    env, pos = surface.env, words("pos-rewards")
    ada = {"component": "CustomerBlock", "token": env["tokens"]["pos"], "words": pos, "pos": {"customer": int(env["customers"]["ada"])}}
    page = surface(ada)
    page.get_by_text("Tier: Silver").wait_for()
    shot(page, "extensions-06-pos-block")

    dan = {"component": "RedeemModal", "token": env["tokens"]["pos"], "words": pos, "pos": {"customer": int(env["customers"]["dan"])}}
    page = surface(dan)
    page.locator("s-button:not([disabled])", has_text="Redeem").first.click()
    page.get_by_text("100 points", exact=True).wait_for()
    (code,) = page.evaluate("window.cartCodes")
    assert page.locator('s-banner[tone="success"]').get_attribute("heading") == f"Code {code} applied to the cart"
    shot(page, "extensions-07-pos-redeemed")
