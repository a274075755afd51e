"""Words in headless Chromium: the notification editor in Română, every kind named in words, its
preview counting points the Romanian way ("50 de puncte", "1 punct"); and the launcher on the demo
storefront, for a French member, telling the history's reasons in French."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from perks_dev.demo_storefront import LOCALE_COOKIE, register
from shopify_app.earn import actions
from shopify_app.ledger import ledger
from tests.browser.conftest import open_section, shot
from tests.rules_helpers import in_shop, member

pytestmark = pytest.mark.browser

ADA = 7012345678901
PREVIEW = "document.getElementById('preview-subject').textContent"


def test_the_notification_editor_in_romanian_counts_points_the_romanian_way(page, live):
    open_section(page, live, "notifications")
    kinds = page.locator("#f-kind option").all_inner_texts()
    assert "New VIP tier" in kinds and "Referral rewarded" in kinds and not [k for k in kinds if "_" in k]
    assert len(page.locator("#f-language option").all_inner_texts()) == 8
    page.select_option("#f-language", "ro")
    page.wait_for_function(f"{PREVIEW}.startsWith('Ai câștigat 50 de puncte la ')")
    assert "(Comanda #1001). Soldul tău: 250 de puncte." in page.inner_text("#preview-body")
    page.fill("#f-subject", "Ai primit $points $points_word, $name")
    page.fill("#f-body", "Soldul tău: $balance $balance_word.")
    page.wait_for_function(f"{PREVIEW} === 'Ai primit 50 de puncte, Ada'")
    page.wait_for_function("document.getElementById('preview-body').textContent.startsWith('Soldul tău: 250 de puncte.')")
    assert page.inner_text("#text-source") == "Your text"
    page.select_option("#f-kind", "tier_changed")
    page.wait_for_function(f"{PREVIEW}.startsWith('Acum ești ')")
    page.select_option("#f-kind", "points_earned")
    page.wait_for_function(f"{PREVIEW} === 'Ai primit 50 de puncte, Ada'")  # the draft kept while looking elsewhere
    page.click("#use-built-in")
    page.wait_for_function(f"{PREVIEW}.startsWith('Ai câștigat 50 de puncte la ')")
    assert page.inner_text("#preview-counting") == "Points counted in this language: 0 puncte · 1 punct · 2 puncte · 20 de puncte"
    assert page.inner_text("#text-source") == "Built-in text"
    shot(page, "84-words-notifications-ro")


def test_a_french_members_launcher_tells_the_history_in_french(page, live, sessions):
    open_section(page, live, "home")  # installs the shop
    register(live.server.app, shop=live.shop, customer_id=ADA)

    def history(session, shop, program):
        ada = member(session, shop, ADA, first_name="Ada")
        actions.set_rule(session, shop, "newsletter", points=30)
        ledger.post(session, ada, 120, kind="earn", key="o1", reason="Order #1001", order_id=1001)
        ledger.post(session, ada, -100, kind="redeem", key="r1", reason="Redeemed 5 € de réduction")
        ledger.post(session, ada, 25, kind="adjust", key="a1", reason="Geste commercial")  # the merchant's own words
        actions.award(session, shop, program, ada, "newsletter", now=datetime.now(UTC))

    in_shop(sessions, live.shop, history)
    base = live.server.url
    page.context.add_cookies(
        [{"name": "perks_demo_customer", "value": str(ADA), "url": base}, {"name": LOCALE_COOKIE, "value": "fr", "url": base}]
    )
    page.goto(f"{base}/demo/shop?locale=fr")
    page.click(".perks-fab")
    page.wait_for_selector("#perks-panel:not([hidden]) .perks-sec")
    rows = page.locator("#perks-panel .perks-row")
    page.wait_for_function("document.querySelector('#perks-panel').textContent.includes('Abonnement à la newsletter')")
    panel = page.inner_text("#perks-panel")
    for said in ("Abonnement à la newsletter", "Geste commercial", "Échangé contre : 5 € de réduction", "Commande #1001"):
        assert said in panel, said
    assert "Order #1001" not in panel and "Redeemed" not in panel
    assert rows.count() >= 4
    page.wait_for_function("document.getAnimations().length === 0")
    page.locator("#perks-panel h3.perks-h", has_text="Activité récente").scroll_into_view_if_needed()
    shot(page, "85-words-launcher-history-fr")


def test_a_romanian_members_launcher_counts_points_the_romanian_way(page, live, sessions):
    open_section(page, live, "home")  # installs the shop
    register(live.server.app, shop=live.shop, customer_id=ADA)
    in_shop(
        sessions, live.shop, lambda session, shop, program: ledger.post(session, member(session, shop, ADA), 15, kind="adjust", key="a1")
    )
    base = live.server.url
    page.context.add_cookies([{"name": "perks_demo_customer", "value": str(ADA), "url": base}])
    page.goto(f"{base}/demo/shop?locale=ro")
    page.click(".perks-fab")
    page.wait_for_selector("#perks-panel:not([hidden]) .perks-sec")
    panel = page.inner_text("#perks-panel")
    # 15 is of Romanian's "few" numbers, 485 of its "other" ones: "de" comes before the word.
    assert "15 puncte" in panel and "Încă 485 de puncte" in panel, panel
    assert "Puncte câștigate: 0 puncte" in panel
    page.wait_for_function("document.getAnimations().length === 0")
    shot(page, "86-words-launcher-ro")
