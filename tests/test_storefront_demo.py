"""The demo storefront: only in perks_dev.demo_app(), the real blocks in the shopper's language,
and an app proxy that signs as Shopify does and never lets the shopper name the customer."""

from __future__ import annotations

from perks_dev import demo_app
from perks_dev.demo_storefront import register
from shopify_app import create_app
from shopify_app.launcher.liquid_blocks import Blocks, translate

ADA, GRACE = 7012345678901, 7012345678902


def test_production_has_no_demo_storefront_even_with_perks_demo(monkeypatch):
    monkeypatch.setenv("PERKS_DEMO", "1")
    client = create_app().test_client()
    for path in ("/demo/shop", "/apps/perks/program", "/demo/assets/launcher.js", "/discount/X"):
        assert client.get(path).status_code == 404, path


def test_the_demo_app_serves_it():
    assert "demo_storefront" in demo_app().blueprints


def test_the_t_filter_follows_the_locale_with_plurals_and_falls_back_to_english():
    assert translate("fr", "perks.product.earn_html", count=1) == "Gagnez <strong>1</strong> point avec ce produit"
    assert translate("fr", "perks.product.earn_html", count=2) == "Gagnez <strong>2</strong> points avec ce produit"
    # Romanian has one/few/other; a missing form falls back to "other", as Shopify does.
    assert translate("ro", "perks.product.earn_html", count=1).endswith("punct cu acest produs")
    assert translate("ro", "perks.product.earn_html", count=3).endswith(">3</strong> puncte cu acest produs")
    assert translate("ro", "perks.product.earn_html", count=20).endswith(">20</strong> de puncte cu acest produs")
    assert translate("xx", "perks.launcher.button") == "Rewards"


def test_blocks_render_with_their_schema_defaults_and_without_the_schema():
    objects = {"shop": {"name": "A & B", "currency": "EUR"}, "customer": None, "request": {"locale": {"iso_code": "de"}},
               "routes": {"account_login_url": "/l", "account_register_url": "/r", "cart_url": "/c"}}
    html = Blocks("/assets").render("launcher", objects)
    assert "{% schema" not in html and "--perks-primary: #5c6ac4" in html and 'data-shop="A &amp; B"' in html
    assert 'data-customer=""' in html and ">Prämien<" in html and 'data-ui="/assets/perks-ui.js?v=' in html
    product = objects | {"product": {"selected_or_first_available_variant": {"price": 1999}}}
    assert "<strong>19</strong>" in Blocks("/assets").render("product_points", product)
    assert 'class="perks-page__intro"' not in Blocks("/assets").render("rewards_page", objects)  # blank intro, as on Shopify


def test_the_proxy_signs_for_the_session_customer_only(platform):
    register(platform.app, shop=platform.shop)
    platform.install()
    client = platform.app.test_client()
    assert client.get("/apps/perks/member").status_code == 401  # nobody logged in
    client.set_cookie("perks_demo_customer", str(ADA))
    forged = client.get("/apps/perks/member", query_string={"logged_in_customer_id": str(GRACE), "locale": "fr", "signature": "x"})
    assert forged.status_code == 200 and forged.get_json()["customer"]["id"] == str(ADA)
    assert client.get("/apps/perks/program").get_json()["shop"]["currency"]


def test_assets_are_served_and_nothing_else(platform):
    register(platform.app, shop=platform.shop)
    client = platform.app.test_client()
    assert client.get("/demo/assets/launcher.js").status_code == 200
    assert client.get("/demo/assets/../blocks/launcher.liquid").status_code == 404
    assert client.get("/demo/assets/%2e%2e/shopify.extension.toml").status_code == 404


def test_apply_to_cart_keeps_the_code_and_redirects_only_on_this_site(platform):
    register(platform.app, shop=platform.shop)
    client = platform.app.test_client()
    assert client.get("/discount/PERKS-1?redirect=/demo/cart").headers["Location"] == "/demo/cart"
    assert client.get("/discount/PERKS-1?redirect=//evil.example/").headers["Location"] == "/demo/cart"
