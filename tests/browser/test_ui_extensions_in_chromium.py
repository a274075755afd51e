"""The three UI extensions' components in Chromium, in a plain page (tests/extensions/page.jsx, page.css), calling
the real Perks app with each surface's session token: a screenshot of each surface in tests/screenshots/."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.browser.conftest import shot
from tests.extensions.test_ui_extensions import ROOT, SHOPPERS, UNPAID_ORDER, seed, served, surfaces_env
from tests.test_surfaces_api import pay, shop_id  # noqa: F401  (shop_id: the installed shop, a fixture)

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


def redeem_button(page, title: str):
    """The Redeem button in the row of the reward titled `title`."""
    row = page.locator('s-stack[direction="inline"]').filter(has=page.locator("s-text", has_text=re.compile(f"^{re.escape(title)}$")))
    return row.locator("s-button", has_text="Redeem")


def test_the_customer_account_page_and_profile_block(surface):
    tokens, account = surface.env["tokens"], words("customer-account-rewards")
    page = surface({"component": "RewardsPage", "token": tokens["account"]["ada"], "words": account})
    page.get_by_text("Spend $750 more to reach Gold").wait_for()
    assert "50 points, up to 3 times a month" in text_of(page)
    assert "1,250 points" in text_of(page) and "$25 off" in text_of(page)
    shot(page, "extensions-01-rewards-page")

    page = surface({"component": "RewardsPage", "token": tokens["account"]["bea"], "words": account})
    redeem_button(page, "5 USD off").click()
    page.locator('s-banner[heading="Redeem 5 USD off for 500 points?"]').wait_for()
    shot(page, "extensions-14-rewards-page-confirm")
    page.locator("s-button", has_text="Confirm").click()
    page.get_by_text("750 points", exact=True).wait_for()
    code = page.locator("#perks-issued-code").get_attribute("text")  # the banner's code, to copy
    assert code.startswith("PERKS-") and code in text_of(page)
    shot(page, "extensions-02-rewards-page-redeemed")

    hal = {"component": "RewardsPage", "token": tokens["account"]["hal"], "words": account}
    page = surface(hal)
    page.get_by_label("Points to use").fill("450")
    page.get_by_text("Choose 200 points to 700 points, in steps of 100 points").wait_for()
    shot(page, "extensions-10-rewards-page-points-off-the-steps")
    page.get_by_label("Points to use").fill("300")
    page.get_by_text("Worth $3.00").wait_for()
    page.locator("s-stack:has(> s-number-field) > s-button").click()  # the points-for-money reward's Redeem
    page.locator("s-button", has_text="Confirm").click()
    page.get_by_text("400 points", exact=True).wait_for()
    assert page.locator('s-banner[tone="success"]').get_attribute("heading") == "Your code for $1 off per 100 points"
    shot(page, "extensions-11-rewards-page-points-for-money")

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

    # The order status page in the customer's account: the same block, with the account's session token.
    page = surface({"component": "OrderPoints", "props": member, "token": env["tokens"]["account"]["ada"], "words": thank_you})
    page.get_by_text("This order earned you 1,250 points").wait_for()
    shot(page, "extensions-12-order-status")


def test_the_thank_you_block_before_perks_has_the_order_paid_then_after(surface, platform, sessions):
    """Fay's thank-you page opens before orders/paid reaches Perks; once it has, the block's re-read shows the points."""
    env, thank_you = surface.env, words("thank-you-points")
    unpaid = {"orderId": env["orders"]["unpaid"], "rereadAfterMs": [100] * 50}
    page = surface({"component": "OrderPoints", "props": unpaid, "token": env["tokens"]["checkout"]["fay"], "words": thank_you})
    page.get_by_text("Points for this order are on their way.").wait_for()
    assert "Your balance: 0 points" in text_of(page)
    shot(page, "extensions-08-thank-you-on-its-way")

    pay(sessions, platform.shop, UNPAID_ORDER, SHOPPERS["fay"], amount="40.00")
    page.get_by_text("This order earned you 40 points").wait_for()
    assert "Your balance after this order: 40 points" in text_of(page)


def test_the_pos_block_and_a_redemption_at_the_till(surface):
    env, pos = surface.env, words("pos-rewards")
    ada = {"component": "CustomerBlock", "token": env["tokens"]["pos"], "words": pos, "pos": {"customer": int(env["customers"]["ada"])}}
    page = surface(ada)
    page.get_by_text("Tier: Silver").wait_for()
    shot(page, "extensions-06-pos-block")

    page = surface(ada | {"component": "MenuItem"})
    page.get_by_text("Redeem points").wait_for()
    shot(page, "extensions-13-pos-menu-item")

    dan = {"component": "RedeemModal", "token": env["tokens"]["pos"], "words": pos, "pos": {"customer": int(env["customers"]["dan"])}}
    page = surface(dan)
    redeem_button(page, "5 USD off").click()
    page.get_by_text("100 points", exact=True).wait_for()
    (code,) = page.evaluate("window.cartCodes")
    assert page.locator('s-banner[tone="success"]').get_attribute("heading") == f"Code {code} applied to the cart"
    shot(page, "extensions-07-pos-redeemed")

    gus = {"component": "RedeemModal", "token": env["tokens"]["pos"], "words": pos, "pos": {"customer": int(env["customers"]["gus"])}}
    page = surface(gus)
    redeem_button(page, "$10 store credit").click()
    page.get_by_text("0 points", exact=True).wait_for()
    assert page.locator('s-banner[tone="success"]').get_attribute("heading") == "$10 store credit added to the customer's store credit"
    assert page.evaluate("window.cartCodes") == []  # store credit puts nothing in the cart
    shot(page, "extensions-09-pos-store-credit")
