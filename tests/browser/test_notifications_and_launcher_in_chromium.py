"""Notifications and the launcher's look in headless Chromium: the notifier's preview follows the
merchant's text, a placeholder it does not know is shown beside the field; the real launcher in
the preview frame takes the draft colours, corner and label as they are typed, and warns on contrast."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_section, shot

pytestmark = pytest.mark.browser

FRAME = "document.getElementById('launcher-preview').contentDocument"


def saved(page, text: str) -> None:
    page.wait_for_function("text => document.getElementById('toast').textContent === text", arg=text)


def settled(page) -> None:
    """The panel's opening animation over, so a screenshot shows it as a shopper sees it."""
    page.wait_for_function(f"{FRAME}.getAnimations().length === 0")


def test_a_merchant_writes_their_own_french_mail_previews_it_and_turns_a_channel_off(page, live):
    open_section(page, live, "notifications")
    page.wait_for_function("document.getElementById('preview-subject').textContent.startsWith('You earned 50 points at ')")
    page.select_option("#f-language", "fr")
    page.wait_for_function("document.getElementById('preview-subject').textContent.startsWith('Vous avez gagné 50 points')")
    assert page.input_value("#f-subject") == "Vous avez gagné $points $points_word chez $shop"
    assert page.inner_text("#text-source") == "Built-in text"
    page.fill("#f-subject", "$name, votre cadeau $reward")
    page.wait_for_function("document.getElementById('e-subject').textContent.includes('$reward is not known here')")
    page.fill("#f-subject", "$name, +$points points chez $shop")
    page.fill("#f-body", "Merci pour votre commande ($reason).\nSolde : $balance points.")
    page.wait_for_function("document.getElementById('preview-subject').textContent.startsWith('Ada, +50 points chez ')")
    assert "Solde : 250 points." in page.inner_text("#preview-body")
    assert "désabonnez-vous" in page.inner_text("#preview-body")  # the notifier's footer, as it sends it
    assert page.inner_text("#text-source") == "Your text"
    page.uncheck("#f-metafields")
    page.click("#save-notifications")
    saved(page, "Notifications saved")
    shot(page, "16-notifications")

    open_section(page, live, "notifications")
    page.select_option("#f-language", "fr")
    assert page.input_value("#f-subject") == "$name, +$points points chez $shop"
    assert not page.is_checked("#f-metafields") and page.is_checked("#f-email")
    open_section(page, live, "home")
    assert "notifications" in page.inner_text("#changes")


def test_a_merchant_restyles_the_launcher_and_the_real_launcher_follows_as_they_type(page, live):
    open_section(page, live, "launcher")
    # The real launcher, opened on a sample member, in the preview frame.
    page.wait_for_function(f"{FRAME} && {FRAME}.querySelector('.perks-panel:not([hidden]) .perks-big')")
    assert "1,250" in page.evaluate(f"{FRAME}.querySelector('.perks-big').textContent")
    settled(page)
    assert "4.5:1" in page.inner_text("#contrast") and page.locator("#look-warnings .banner").count() == 0
    shot(page, "17-launcher-default")

    page.fill("#f-primary_color", "#0b6e4f")
    page.fill("#f-text_color", "#bbbbbb")
    page.select_option("#f-position", "bottom-left")
    page.select_option("#look-language", "fr")
    page.fill("#f-button_label", "Mes avantages")
    page.fill("#f-title", "Club Lumière")
    page.wait_for_selector("#look-warnings .banner[data-field='text_color']")
    assert "white text instead" not in page.inner_text("#look-warnings") and "black text instead" in page.inner_text("#look-warnings")
    page.wait_for_function(
        f"""(() => {{ const d = {FRAME}; const root = d && d.querySelector('[data-perks-launcher]');
        return root && root.classList.contains('perks--bottom-left') && root.getAttribute('style').includes('--perks-primary: #0b6e4f')
          && d.querySelector('.perks-fab__label').textContent === 'Mes avantages'
          && d.querySelector('.perks-panel__title').textContent === 'Club Lumière'
          && d.querySelector('.perks-panel:not([hidden]) .perks-big'); }})()"""
    )
    settled(page)
    # The unreadable grey is replaced by black in the page itself, as the warning says.
    assert page.evaluate(f"{FRAME}.querySelector('[data-perks-launcher]').style.getPropertyValue('--perks-text')") == "#000000"
    fab = page.evaluate(f"(() => {{ const r = {FRAME}.querySelector('.perks-fab').getBoundingClientRect(); return [r.left, r.right]; }})()")
    width = page.evaluate("document.getElementById('launcher-preview').clientWidth")
    assert fab[0] < width / 2, fab  # bottom left
    page.fill("#f-primary_color", "green")
    page.click("#save-launcher")
    page.wait_for_selector("#launcher-form .field.invalid")
    assert "#rrggbb" in page.inner_text("#e-primary_color")
    page.fill("#f-primary_color", "#0b6e4f")
    page.click("#save-launcher")
    saved(page, "Launcher saved: your storefront shows it now")
    shot(page, "18-launcher-restyled")

    page.select_option("#preview-as", "visitor")
    page.wait_for_function(f"{FRAME} && {FRAME}.querySelector('.perks-panel:not([hidden]) a.perks-btn[href=\"#register\"]')")
    settled(page)
    shot(page, "19-launcher-visitor")
    open_section(page, live, "launcher")
    page.select_option("#look-language", "fr")
    assert page.input_value("#f-button_label") == "Mes avantages" and page.input_value("#f-position") == "bottom-left"
