"""The look a merchant saves in the admin is the look a shopper gets, in headless Chromium: the admin's
preview and the demo shop (the theme block rendered from the app's metafield, as Shopify renders it)
show the same colours, radius and texts; the shop page has them before launcher.js runs, makes no
request for them and nothing moves."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_section, shot

pytestmark = pytest.mark.browser

FRAME = "document.getElementById('launcher-preview').contentDocument"
LOOK = {"primary_color": "#0b6e4f", "background_color": "#fdf6e3", "text_color": "#1b2b34", "corner_radius": 4}
VIEWPORT = {"width": 1024, "height": 760}

# What a shopper sees of the launcher, as the browser computed it.
MEASURE = """() => {
  const root = document.querySelector('[data-perks-launcher]'), fab = root.querySelector('.perks-fab');
  const panel = root.querySelector('.perks-panel'), head = root.querySelector('.perks-panel__head');
  const st = (el) => getComputedStyle(el);
  return {
    corner: root.classList.contains('perks--bottom-left') ? 'bottom-left' : 'bottom-right',
    fab_background: st(fab).backgroundColor, fab_text: st(fab).color, fab_radius: st(fab).borderTopLeftRadius,
    label: fab.querySelector('.perks-fab__label').textContent,
    panel_background: st(panel).backgroundColor, panel_text: st(panel).color, panel_radius: st(panel).borderTopLeftRadius,
    head_background: st(head).backgroundColor, title: root.querySelector('.perks-panel__title').textContent,
  };
}"""


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def settled(tab, document: str = "document") -> None:
    """The panel open and its opening animation over, so a screenshot shows it as a shopper sees it."""
    tab.wait_for_function(f"{document}.querySelector('.perks-panel:not([hidden])') && {document}.getAnimations().length === 0")


def test_the_admins_preview_and_the_shop_show_the_saved_look_alike(page, live):
    live.server.app.config["PERKS_DEMO_SHOP"] = live.shop  # the demo shop is this shop's storefront
    open_section(page, live, "launcher")
    page.fill("#f-primary_color", LOOK["primary_color"])
    page.fill("#f-background_color", LOOK["background_color"])
    page.fill("#f-text_color", LOOK["text_color"])
    page.eval_on_selector("#f-corner_radius", "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', { bubbles: true })); }", "4")
    assert page.inner_text("#radius-shown") == "4 px"
    page.select_option("#f-position", "bottom-left")
    page.select_option("#look-language", "fr")
    page.fill("#f-button_label", "Mes avantages")
    page.fill("#f-title", "Club Lumière")
    page.select_option("#preview-as", "visitor")  # the shop's visitor, not logged in
    page.click("#save-launcher")
    page.wait_for_function("document.getElementById('toast').textContent === 'Launcher saved: your storefront shows it now'")
    page.wait_for_function(
        f"(() => {{ const d = {FRAME}; return d && d.querySelector('.perks-fab__label') "
        f"&& d.querySelector('.perks-fab__label').textContent === 'Mes avantages' && d.querySelector('[data-perks-launcher]')"
        f".getAttribute('style').includes('--perks-radius: 4px'); }})()"
    )
    settled(page, FRAME)
    shot(page, "60-look-saved-in-the-admin")
    preview_url = page.evaluate("document.getElementById('launcher-preview').src")

    context = page.context
    preview = context.new_page()
    preview.set_viewport_size(VIEWPORT)
    preview.goto(preview_url)
    settled(preview)
    in_preview = preview.evaluate(MEASURE)
    shot(preview, "61-look-in-the-admins-preview")

    shop = context.new_page()
    shop.set_viewport_size(VIEWPORT)
    requests: list[str] = []
    shop.on("request", lambda request: requests.append(request.url))
    shop.add_init_script(
        "window.__shift = 0; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__shift += e.value; })"
        ".observe({ type: 'layout-shift', buffered: true });"
    )
    shop.goto(f"{live.server.url}/demo/shop?locale=fr")
    shop.wait_for_load_state("load")
    assert not [url for url in requests if "/apps/perks/" in url]  # the look came in the page, with no request of its own
    shop.click(".perks-fab")
    settled(shop)
    in_shop = shop.evaluate(MEASURE)
    assert shop.evaluate("window.__shift") == 0
    shot(shop, "62-look-on-the-demo-shop")

    assert in_shop == in_preview
    assert in_shop == {
        "corner": "bottom-left",
        "fab_background": rgb(LOOK["primary_color"]),
        "fab_text": "rgb(255, 255, 255)",  # white reads best on the dark green (look.py, when saving)
        "fab_radius": "8px",  # twice the corner radius: a 48px button with softened corners
        "label": "Mes avantages",
        "panel_background": rgb(LOOK["background_color"]),
        "panel_text": rgb(LOOK["text_color"]),
        "panel_radius": "4px",
        "head_background": rgb(LOOK["primary_color"]),
        "title": "Club Lumière",
    }


def test_the_shop_has_the_look_before_launcher_js_runs(page, live):
    live.server.app.config["PERKS_DEMO_SHOP"] = live.shop
    open_section(page, live, "launcher")
    page.fill("#f-primary_color", "#ffd500")  # a yellow: black reads on it, not the stylesheet's white
    page.eval_on_selector("#f-corner_radius", "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', { bubbles: true })); }", "0")
    page.fill("#f-button_label", "My perks")
    page.click("#save-launcher")
    page.wait_for_function("document.getElementById('toast').textContent === 'Launcher saved: your storefront shows it now'")

    shop = page.context.new_page()
    shop.route("**/demo/assets/launcher.js*", lambda route: route.abort())  # the script never runs
    shop.goto(f"{live.server.url}/demo/shop")
    fab = shop.eval_on_selector(
        ".perks-fab",
        "el => { const st = getComputedStyle(el); return [st.backgroundColor, st.color, st.borderTopLeftRadius, el.textContent.trim()]; }",
    )
    assert fab == [rgb("#ffd500"), "rgb(0, 0, 0)", "0px", "My perks"]
    shot(shop, "63-look-on-the-shop-without-launcher-js")
