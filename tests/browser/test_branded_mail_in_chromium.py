"""A member mail's HTML part as a person sees it, in headless Chromium: the merchant's colours on the
header and the button, nothing wider than a phone, nothing fetched; screenshots in tests/screenshots/."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.test_branded_mail import ADA, parts, send
from tests.test_branded_mail import sink as sink  # the fixture: an SMTP sink writing .eml files

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "name"), [(800, "20-mail-fr"), (375, "21-mail-fr-phone")])
def test_the_french_mail_in_the_merchants_colours_reads_on_a_desktop_and_a_phone(browser, sessions, shop, fake_admin, sink, width, name):
    look = {"primary_color": "#e4572e", "background_color": "#fffaf0", "text_color": "#2b2118"}
    _, html = parts(send(sessions, shop, fake_admin, sink, name="Maison Lumière & Fils", look=look, members=((ADA, "fr-FR"),))[ADA])
    context = browser.new_context(viewport={"width": width, "height": 700})
    page = context.new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    try:
        page.set_content(html)
        button = page.get_by_role("link", name="Voir vos récompenses")
        assert button.evaluate("a => getComputedStyle(a.parentElement).backgroundColor") == "rgb(228, 87, 46)"
        assert button.evaluate("a => getComputedStyle(a).color") == "rgb(0, 0, 0)"
        assert button.get_attribute("href") == f"https://{shop}/#perks"
        assert page.get_by_text("Maison Lumière & Fils", exact=True).is_visible()
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling on a phone
        assert fetched == []  # nothing remote: no images, fonts or stylesheets
        shot(page, name)
    finally:
        context.close()
