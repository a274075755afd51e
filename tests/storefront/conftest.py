"""Headless Chromium (Debian's) on the demo storefront: the real theme extension blocks,
rendered with python-liquid, and Shopify's app proxy (signed) in front of the app,
all served on 127.0.0.1 and wired to the fake Admin API on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from perks_dev.demo_storefront import DEMO_CUSTOMER, register
from perks_dev.fake_admin import FakeServer
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import adjustments
from shopify_app.shop.models import Shop

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots" / "storefront"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ADA = DEMO_CUSTOMER
PHONE = {"width": 390, "height": 844}


# `browser`: the one shared Chromium of tests/plugins/chromium.py.


class LiveShop:
    """The app with the demo storefront for the platform's shop, on a real port."""

    def __init__(self, platform, sessions, server: FakeServer):
        self.platform, self.sessions, self.server = platform, sessions, server
        with UnitOfWork(sessions) as uow:
            self.shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == platform.shop)).one()

    def url(self, path: str = "/demo/shop") -> str:
        return f"{self.server.url}{path}"

    def give(self, points: int, customer: int = ADA) -> None:
        with UnitOfWork(self.sessions) as uow:
            adjustments.adjust(uow.session, self.shop_id, customer, points, "Welcome gift", "staff-1")
            uow.commit()

    def member(self, customer: int = ADA) -> dict:
        return self.platform.proxy("GET", "/member", customer).get_json()


@pytest.fixture
def live(platform, sessions):
    register(platform.app, shop=platform.shop)  # what perks_dev.demo_app() does for the demo shop
    platform.install()
    server = FakeServer(platform.app, quiet=True).start()
    try:
        yield LiveShop(platform, sessions, server)
    finally:
        server.stop()


def new_page(browser, live: LiveShop, *, viewport=None, logged_in=False, locale: str | None = None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860}, device_scale_factor=1)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.server.url)
    if logged_in:
        context.add_cookies([{"name": "perks_demo_customer", "value": str(ADA), "url": live.server.url}])
    if locale:
        context.add_cookies([{"name": "perks_demo_locale", "value": locale, "url": live.server.url}])
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    # Nothing but this server: a storefront script reaching elsewhere would fail here.
    tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live.server.url) else route.abort())
    return tab


@pytest.fixture
def page_factory(browser, live):
    made = []

    def make(**kwargs):
        tab = new_page(browser, live, **kwargs)
        made.append(tab)
        return tab

    yield make
    for tab in made:
        errors = tab.errors
        tab.context.close()
        assert errors == [], errors


def open_launcher(page):
    page.click(".perks-fab")
    page.wait_for_selector("#perks-panel:not([hidden]) .perks-sec")
    page.wait_for_timeout(250)  # the panel's opening transition


def shot(page, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe(page, include: str) -> list[dict]:
    """axe-core (npm) injected into the page, run on `include`: its violations."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """(sel) => axe.run({include: [sel]}, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)})))""",
        include,
    )
