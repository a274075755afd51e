"""App Bridge in Chromium (a stand-in served at its CDN URL, as strict as App Bridge about how it is
loaded): it starts on the admin page, and a page opened without a fresh id_token comes back with one
through the bounce page. Without App Bridge (the CDN refused), the demo's bounce page stands in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import serve_app_bridge, shot

pytestmark = pytest.mark.browser


def test_app_bridge_starts_on_the_admin_page_and_signs_its_requests(page, live):
    loads = serve_app_bridge(page, live)
    page.goto(live.url("home"))
    page.wait_for_selector("body[data-ready='home']")
    assert page.evaluate("typeof window.shopify.idToken") == "function"  # started: not refused for async
    assert len(loads) == 1
    shot(page, "app-bridge-01-admin")


def test_a_page_opened_without_an_id_token_bounces_through_app_bridge_and_comes_back_signed(page, live):
    loads = serve_app_bridge(page, live)
    page.goto(live.url("home"))  # the first open installs the shop
    page.wait_for_selector("body[data-ready='home']")

    page.goto(f"{live.server.url}/?shop={live.shop}&host=abc")  # a reload once the id_token is gone
    page.wait_for_selector("body[data-ready='home']")

    bounce = urlsplit(loads[1])
    assert bounce.path == "/auth/session-token"
    assert parse_qs(bounce.query)["shopify-reload"] == [f"{live.server.url}/?shop={live.shop}&host=abc"]
    landed = urlsplit(page.url)
    assert landed.path == "/" and parse_qs(landed.query)["host"] == ["abc"] and parse_qs(landed.query)["id_token"]
    assert len(loads) == 3  # the first page, the bounce page, the page again
    assert live.fake.state.exchange_count[live.shop] == 1
    shot(page, "app-bridge-02-after-bounce")


def test_in_the_demo_without_app_bridge_the_bounce_page_comes_back_with_the_demos_token(page, live):
    page.goto(live.url("home"))
    page.wait_for_selector("body[data-ready='home']")

    page.goto(f"{live.server.url}/?shop={live.shop}")
    page.wait_for_selector("body[data-ready='home']")
    assert parse_qs(urlsplit(page.url).query)["id_token"]
    assert page.evaluate("typeof window.shopify") == "undefined"
