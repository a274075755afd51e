"""The launcher's look saved in the admin is what the storefront shows: written to Shopify as the app's
own metafield (`app.metafields.perks.look`, on the app installation) when the merchant saves, read by
the theme block in Liquid over its own defaults, so the shopper's page needs no extra request."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from perks_dev.demo_storefront import register
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.launcher.liquid_blocks import Blocks
from shopify_app.launcher.look import black_or_white, readable_text
from shopify_app.launcher.publish import metafield_value
from shopify_app.shop.shops import installed_shop
from shopify_app.shopify.errors import UserErrors
from tests.admin_support import Admin

LOOK = {
    "primary_color": "#0b6e4f",
    "background_color": "#102030",
    "text_color": "#f5f5f5",
    "corner_radius": 4,
    "position": "bottom-left",
    "texts": {"fr": {"button_label": "Mes avantages", "title": "Vos avantages"}, "de": {"title": "Deine Vorteile"}},
}
OBJECTS = {
    "shop": {"name": "Shop", "currency": "EUR"},
    "customer": None,
    "routes": {"account_login_url": "/l", "account_register_url": "/r", "cart_url": "/c"},
}


@pytest.fixture
def admin(platform) -> Admin:
    register(platform.app, shop=platform.shop)  # the demo shop stands for this shop's storefront
    platform.install()
    return Admin(platform, platform.shop)


def _installation(platform) -> dict:
    return platform.fake.state.shop(platform.shop).app_installation


def test_a_look_saved_in_the_admin_is_what_the_shop_renders(admin, platform):
    before = platform.client.get("/demo/shop", query_string={"locale": "fr"}).get_data(as_text=True)
    assert "--perks-primary: #5c6ac4" in before  # nothing saved: the block's defaults
    assert admin.put("/api/launcher", LOOK).status_code == 200
    html = platform.client.get("/demo/shop", query_string={"locale": "fr"}).get_data(as_text=True)
    assert "--perks-primary: #0b6e4f; --perks-bg: #102030; --perks-text: #f5f5f5; --perks-radius: 4px;" in html
    assert 'class="perks perks-launcher perks--bottom-left"' in html
    assert '<span class="perks-fab__label">Mes avantages</span>' in html and ">Vos avantages</h2>" in html
    # German: its own title, the translated default label; Spanish: both defaults.
    german = platform.client.get("/demo/shop", query_string={"locale": "de"}).get_data(as_text=True)
    assert ">Deine Vorteile</h2>" in german and '<span class="perks-fab__label">Prämien</span>' in german
    assert ">Mes avantages<" not in platform.client.get("/demo/shop", query_string={"locale": "es"}).get_data(as_text=True)


def test_the_look_is_the_apps_own_metafield_on_its_installation(admin, platform):
    admin.put("/api/launcher", LOOK)
    stored = _installation(platform)["metafields"]["perks.look"]
    assert stored["type"] == "json"
    value = json.loads(stored["value"])
    assert value == {
        "primary_color": "#0b6e4f",
        "background_color": "#102030",
        "text_color": "#f5f5f5",
        "corner_radius": 4,
        "position": "bottom-left",
        "texts": {"fr": {"button_label": "Mes avantages", "title": "Vos avantages"}, "de": {"title": "Deine Vorteile"}},
        "on_primary": "#ffffff",  # the label colour that reads on the dark green, decided when saving
        "text_shown": "#f5f5f5",  # the merchant's text colour: it reads on the dark background
    }
    # A second save changes the one metafield, never adds another.
    admin.put("/api/launcher", {"primary_color": "#222222"})
    assert list(_installation(platform)["metafields"]) == ["perks.look"]
    assert json.loads(_installation(platform)["metafields"]["perks.look"]["value"])["primary_color"] == "#222222"


def test_when_shopify_refuses_the_merchant_is_told_the_shop_still_shows_the_old_look(admin, platform):
    platform.fake.state.refuse_next("metafieldsSet")
    response = admin.put("/api/launcher", LOOK)
    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == "not_on_storefront" and "storefront still shows" in body["message"]
    assert "perks.look" not in _installation(platform).get("metafields", {})
    # Saved in Perks all the same, and the next save puts it on the storefront.
    assert admin.get("/api/launcher").get_json()["primary_color"] == "#0b6e4f"
    assert admin.put("/api/launcher", {}).status_code == 200
    assert json.loads(_installation(platform)["metafields"]["perks.look"]["value"])["primary_color"] == "#0b6e4f"


def test_the_corner_radius_is_refused_outside_its_range(admin):
    for radius in (-1, 25, "4px", 2.5):
        response = admin.put("/api/launcher", {"corner_radius": radius})
        assert response.status_code == 400 and list(response.get_json()["fields"]) == ["corner_radius"], radius


def test_the_block_reads_the_metafield_over_its_settings_and_falls_back_on_a_bad_value():
    blocks = Blocks("/assets")
    saved = {"perks": {"look": {"type": "json", "value": LOOK}}}
    fr = OBJECTS | {"request": {"locale": {"iso_code": "fr-CA"}}, "app": {"metafields": saved}}
    html = blocks.render("launcher", fr)
    assert "--perks-primary: #0b6e4f;" in html and ">Mes avantages<" in html  # fr-CA: the base language's texts
    # Nothing saved: the block's settings, as the theme editor sets them.
    plain = OBJECTS | {"request": {"locale": {"iso_code": "fr"}}, "app": {"metafields": {}}}
    html = blocks.render("launcher", plain, {"primary_color": "#123456"})
    assert (
        "--perks-primary: #123456; --perks-bg: #ffffff; --perks-text: #1f2124; --perks-radius: 12px; --perks-on-primary: #ffffff;" in html
    )


def test_the_colours_shown_are_readable_on_every_path_that_renders_the_launcher():
    blocks = Blocks("/assets")
    en = OBJECTS | {"request": {"locale": {"iso_code": "en"}}}
    # A saved look carries the colours the shopper is shown, decided by look.py when saving.
    unreadable = LOOK | {"primary_color": "#ffd500", "background_color": "#ffffff", "text_color": "#bbbbbb"}
    saved = {"perks": {"look": {"type": "json", "value": metafield_value(unreadable)}}}
    html = blocks.render("launcher", en | {"app": {"metafields": saved}})
    assert "--perks-text: #000000;" in html and "--perks-on-primary: #000000;" in html
    # A look published before it carried them, and the block's own settings, are judged the same way in Liquid.
    old = {k: v for k, v in metafield_value(unreadable).items() if k not in ("on_primary", "text_shown")}
    html = blocks.render("launcher", en | {"app": {"metafields": {"perks": {"look": {"type": "json", "value": old}}}}})
    assert "--perks-text: #000000;" in html and "--perks-on-primary: #000000;" in html
    theirs = {"primary_color": "#ffd500", "background_color": "#102030", "text_color": "#333333"}
    html = blocks.render("launcher", en | {"app": {"metafields": {}}}, theirs)
    assert "--perks-bg: #102030; --perks-text: #ffffff;" in html and "--perks-on-primary: #000000;" in html
    # A shop that never saved a look nor changed the block: the defaults, white on the default primary.
    html = blocks.render("launcher", en | {"app": {"metafields": {}}})
    assert "--perks-text: #1f2124;" in html and "--perks-on-primary: #ffffff;" in html
    assert black_or_white("#5c6ac4") == "#ffffff" and readable_text("#1f2124", "#ffffff") == "#1f2124"
    # The rewards page: its accent colour gets the label colour that reads on it.
    page = blocks.render("rewards_page", en, {"accent_color": "#ffd500"})
    assert 'style="--perks-primary: #ffd500; --perks-on-primary: #000000;"' in page


def test_a_shop_that_comes_back_gets_its_saved_look_back_on_the_storefront(admin, platform, sessions):
    admin.put("/api/launcher", LOOK)
    # Uninstalled: Shopify deletes the installation's metafields with the app; Perks keeps the look.
    _installation(platform)["metafields"].clear()
    with UnitOfWork(sessions) as uow:
        installed_shop(uow.session, platform.shop).uninstalled_at = datetime.now(UTC)
        uow.commit()
    platform.install()
    assert json.loads(_installation(platform)["metafields"]["perks.look"]["value"])["primary_color"] == "#0b6e4f"


def test_the_fake_keeps_app_data_metafields_on_the_callers_own_installation_only(fake_admin):
    mine, other = fake_admin.client("mine.myshopify.com"), fake_admin.client("other.myshopify.com")
    installation = mine.execute("LauncherLookMetafield")["currentAppInstallation"]
    assert installation["metafield"] is None
    look = {"ownerId": installation["id"], "namespace": "perks", "key": "look", "type": "json"}
    with pytest.raises(UserErrors, match="Value must be a valid json"):
        mine.execute("MetafieldsSet", {"metafields": [look | {"value": "{not json"}]})
    with pytest.raises(UserErrors, match="Owner does not exist"):  # another shop's installation
        other.execute("MetafieldsSet", {"metafields": [look | {"value": "{}"}]})
    mine.execute("MetafieldsSet", {"metafields": [look | {"value": '{"primary_color": "#0b6e4f"}'}]})
    assert mine.execute("LauncherLookMetafield")["currentAppInstallation"]["metafield"] == {"value": '{"primary_color": "#0b6e4f"}'}
    assert other.execute("LauncherLookMetafield")["currentAppInstallation"]["metafield"] is None
