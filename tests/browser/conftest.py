"""Headless Chromium (Debian's) driving the admin served on a real port, with Shopify's CDN unreachable."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from shopify_app import create_app
from shopify_app.shopify.fake_admin import FakeServer

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (see requirements.txt)")

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
    app = create_app(
        {
            "shopify_api_key": fake_admin.client_id,
            "shopify_api_secret": fake_admin.client_secret,
            "shopify_admin_url": f"{fake_admin.url}/shops/{{shop}}",
        }
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
