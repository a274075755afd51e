"""Headless Chromium (Debian's) driving the admin served on a real port, with Shopify's CDN unreachable."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from perks_dev import demo_app
from perks_dev.fake_admin import FakeServer
from shopify_app.core.config import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


# `browser`: the one shared Chromium of tests/plugins/chromium.py (Playwright's sync API allows one per run).


class LiveAdmin:
    """The app on a real port, wired to the fake Admin API, in demo mode so the page can refresh its token."""

    def __init__(self, fake_admin, server: FakeServer):
        self.fake, self.server = fake_admin, server
        self.shop = f"b{uuid.uuid4().hex[:12]}.myshopify.com"

    def url(self, section: str = "home") -> str:
        return f"{self.server.url}/?shop={self.shop}&id_token={self.fake.session_token(self.shop)}#/{section}"


@pytest.fixture
def live(fake_admin, monkeypatch):
    monkeypatch.setenv("PERKS_DEMO", "1")
    app = demo_app(  # the admin refreshes its token from the demo's endpoint: there is no App Bridge here
        Settings(
            shopify_api_key=fake_admin.client_id,
            shopify_api_secret=fake_admin.client_secret,
            shopify_admin_url=f"{fake_admin.url}/shops/{{shop}}",
        )
    )
    server = FakeServer(app, quiet=True).start()
    try:
        yield LiveAdmin(fake_admin, server)
    finally:
        server.stop()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    # Shopify's CDN cannot be reached from here: refuse it outright, as a failed CDN would.
    tab.route("https://cdn.shopify.com/**", lambda route: route.abort())
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()
    assert tab.errors == [], tab.errors


APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js"

# A stand-in for Shopify's App Bridge, served at its CDN URL. Like App Bridge it refuses to start
# unless it is the page's first script, loaded neither async nor deferred, after the
# shopify-api-key meta; it offers `shopify.idToken()`, and on the bounce page it reloads
# `shopify-reload` with a session token as `id_token`. TOKEN is a fresh session token per load.
APP_BRIDGE_STAND_IN = """
(function () {
  var me = document.currentScript;
  var meta = document.querySelector('meta[name="shopify-api-key"]');
  if (!me || me.async || me.defer || document.scripts[0] !== me || !meta || !meta.content) {
    throw new Error("App Bridge: load me first, synchronously, after <meta name=shopify-api-key>");
  }
  var token = TOKEN;
  window.shopify = { config: { apiKey: meta.content }, idToken: function () { return Promise.resolve(token); } };
  var reload = new URLSearchParams(location.search).get("shopify-reload");
  if (reload) {
    var target = new URL(reload);
    target.searchParams.set("id_token", token);
    location.replace(target.href);
  }
})();
"""


def serve_app_bridge(page, live: LiveAdmin) -> list[str]:
    """Serve the stand-in for App Bridge's CDN URL (overriding the page's refusal); the URLs that loaded it."""
    loads: list[str] = []

    def answer(route):
        loads.append(route.request.frame.url)
        token = json.dumps(live.fake.session_token(live.shop))
        route.fulfill(status=200, content_type="text/javascript", body=APP_BRIDGE_STAND_IN.replace("TOKEN", token))

    page.route(APP_BRIDGE_URL, answer)  # the last route registered wins over the fixture's abort
    return loads


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_section(page, live: LiveAdmin, section: str) -> None:
    page.goto(live.url(section))
    page.wait_for_selector(f"body[data-ready='{section}']")


def go(page, section: str) -> None:
    """Navigate inside the page (no reload), waiting for the section to finish rendering."""
    page.evaluate("document.body.removeAttribute('data-ready')")
    page.evaluate(f"location.hash = '#/{section}'")
    page.wait_for_selector(f"body[data-ready='{section.split('/')[0]}']")
