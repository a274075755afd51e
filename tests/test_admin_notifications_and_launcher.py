"""Notifications and the launcher's look in the admin: checked field by field, recorded in the change
log, previewed by the real notifier and the real launcher; and the notifier honours what was saved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from perks_dev.mail_sink import SmtpSink
from shopify_app.earn import actions
from shopify_app.launcher import look as launcher_look
from shopify_app.ledger.commands import PerformAction
from shopify_app.notifications import deliver
from shopify_app.notifications.channels import Email, FlowTriggers, Metafields
from tests.admin_support import Admin
from tests.fixtures.app_proxy import signed_query
from tests.rules_helpers import in_shop, member

ADA = 7012345678901


@pytest.fixture
def admin(platform) -> Admin:
    platform.install()
    return Admin(platform, platform.shop)


@pytest.fixture
def sink():
    running = SmtpSink().start()
    yield running
    running.stop()


def own_text(subject: str, body: str) -> dict:
    return {"subject": subject, "body": body}


# --- notifications -----------------------------------------------------------------


def test_a_new_shop_has_every_channel_on_and_the_built_in_texts(admin):
    data = admin.get("/api/notifications").get_json()
    assert data["channels"] == {"email": True, "metafields": True, "flow": True}
    assert data["texts"] == {}
    assert data["built_in"]["points_earned"]["fr"]["subject"] == "Vous avez gagné $points $points_word chez $shop"
    assert data["placeholders"]["dormant_nudge"] == ["balance", "balance_word", "name", "points", "points_word", "reward", "shop"]
    assert "reward" not in data["placeholders"]["points_earned"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": {"email": "yes"}}, "channels.email"),
        ({"channels": {"sms": True}}, "channels.sms"),
        ({"channels": []}, "channels"),
        ({"texts": {"tier_party": {"en": own_text("Hi", "Hi")}}}, "texts.tier_party"),
        ({"texts": {"points_earned": {"xx": own_text("Hi", "Hi")}}}, "texts.points_earned.xx"),
        ({"texts": {"points_earned": {"en": own_text("Hi $name", "You have $reward")}}}, "texts.points_earned.en.body"),
        ({"texts": {"points_earned": {"en": own_text("Costs $ 5", "Body")}}}, "texts.points_earned.en.subject"),
        ({"texts": {"points_earned": {"en": own_text("x" * 151, "Body")}}}, "texts.points_earned.en.subject"),
        ({"texts": {"points_earned": {"en": own_text("Subject", "x" * 5001)}}}, "texts.points_earned.en.body"),
        ({"texts": {"points_earned": {"en": own_text("Two\nlines", "Body")}}}, "texts.points_earned.en.subject"),
        ({"texts": {"points_earned": {"en": own_text("", "Only a body")}}}, "texts.points_earned.en.subject"),
        ({"texts": {"points_earned": {"en": "Hello"}}}, "texts.points_earned.en"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_notification_settings_are_refused_field_by_field(admin, body, field):
    response = admin.put("/api/notifications", body)
    assert response.status_code == 400
    assert list(response.get_json()["fields"]) == [field]
    assert admin.get("/api/notifications").get_json()["texts"] == {}


def test_saved_texts_and_switches_come_back_and_each_change_is_in_the_change_log(admin):
    texts = {"points_earned": {"fr": own_text("  $points points pour vous, $name ! ", "Solde : $balance ($reason). $$5 offerts.")}}
    saved = admin.put("/api/notifications", {"channels": {"email": True, "metafields": False, "flow": True}, "texts": texts})
    assert saved.status_code == 200, saved.get_json()
    data = admin.get("/api/notifications").get_json()
    assert data["channels"] == {"email": True, "metafields": False, "flow": True}
    assert data["texts"]["points_earned"]["fr"]["subject"] == "$points points pour vous, $name !"  # trimmed
    (change,) = admin.get("/api/program/changes").get_json()["changes"]
    assert change["subject"] == "notifications" and change["actor"] == "42"
    assert change["before"] == {"channel.metafields": True, "points_earned.fr.subject": None, "points_earned.fr.body": None}
    assert change["after"]["channel.metafields"] is False
    assert change["after"]["points_earned.fr.body"] == "Solde : $balance ($reason). $$5 offerts."
    # Null (or both emptied) goes back to the built-in text; the log says so.
    admin.put("/api/notifications", {"channels": {"metafields": False}, "texts": {"points_earned": {"fr": None}}})
    assert admin.get("/api/notifications").get_json()["texts"] == {}
    latest = admin.get("/api/program/changes").get_json()["changes"][0]
    assert latest["after"] == {"points_earned.fr.subject": None, "points_earned.fr.body": None}


def test_the_preview_is_rendered_by_the_notifier_for_a_sample_member(admin):
    built_in = admin.post("/api/notifications/preview", json={"kind": "points_earned", "language": "de"}).get_json()
    assert built_in["subject"].startswith("Sie haben 50 Punkte bei ")
    assert "Abmelden können Sie sich" in built_in["body"]  # the notifier's own footer
    draft = {"kind": "dormant_nudge", "language": "en", "subject": "$name, $points points!", "body": "Enough for $reward. $$ saved."}
    shown = admin.post("/api/notifications/preview", json=draft).get_json()
    assert shown["subject"] == "Ada, 600 points!"
    assert shown["body"].startswith("Enough for $5 off. $ saved.\n\n-- \nYou get these mails")
    bad = admin.post("/api/notifications/preview", json=draft | {"body": "You have $coupon"})
    assert bad.status_code == 400 and list(bad.get_json()["fields"]) == ["body"]
    assert admin.post("/api/notifications/preview", json={"kind": "nope", "language": "xx"}).get_json()["fields"].keys() == {
        "kind",
        "language",
    }


def test_the_preview_shows_the_saved_text_when_no_draft_is_given(admin):
    admin.put("/api/notifications", {"texts": {"birthday": {"en": own_text("Cake for $name", "$points points, $name.")}}})
    shown = admin.post("/api/notifications/preview", json={"kind": "birthday", "language": "en"}).get_json()
    assert (shown["subject"], shown["own"]) == ("Cake for Ada", True)


def _review(platform, sessions):
    def make(session, shop, program):
        shop.name = "Maison Lumière"
        member(session, shop, ADA, email="ada@example.com", first_name="Ada")
        actions.set_rule(session, shop, "review", points=50, limit_count=5)

    in_shop(sessions, platform.shop, make)
    in_shop(
        sessions,
        platform.shop,
        lambda s, sh, p: actions.perform(s, PerformAction(platform.shop, ADA, "review", ref="r1"), now=datetime.now(UTC)),
    )


def _channels(platform, sink):
    def client_for(domain):
        return platform.fake.client(domain)

    return [
        Email("127.0.0.1", sink.port, "rewards@perks.example", locale_of=lambda shop, customer: "fr"),
        Metafields(client_for=client_for),
        FlowTriggers(client_for=client_for),
    ]


def test_the_notifier_sends_the_merchants_own_text_in_the_members_language(admin, platform, sessions, sink):
    texts = {"points_earned": {"fr": own_text("Merci $name : +$points chez $shop", "Votre solde : $balance points ($reason).")}}
    assert admin.put("/api/notifications", {"texts": texts}).status_code == 200
    _review(platform, sessions)
    assert deliver(sessions, _channels(platform, sink), datetime.now(UTC), shop_domain=platform.shop) == {"delivered": 1, "failed": 0}
    (mail,) = sink.wait_for(1)
    assert mail["Subject"] == "Merci Ada : +50 chez Maison Lumière"
    assert mail.get_body(("plain",)).get_content().startswith("Votre solde : 50 points (")
    assert "désabonnez-vous" in mail.get_body(("plain",)).get_content()  # the footer stays, whatever the merchant writes


def test_channels_turned_off_send_nothing_and_the_event_is_settled(admin, platform, sessions, sink):
    assert admin.put("/api/notifications", {"channels": {"email": False, "metafields": False, "flow": False}}).status_code == 200
    _review(platform, sessions)
    assert deliver(sessions, _channels(platform, sink), datetime.now(UTC), shop_domain=platform.shop) == {"delivered": 1, "failed": 0}
    assert sink.wait_for(1, timeout=0.5) == []
    customer = platform.fake.state.shop(platform.shop).customers.get(f"gid://shopify/Customer/{ADA}") or {}
    assert "perks.points" not in customer.get("metafields", {})
    # Turning email on again sends no backlog: the event was settled while it was off.
    admin.put("/api/notifications", {"channels": {"email": True}})
    assert deliver(sessions, _channels(platform, sink), datetime.now(UTC), shop_domain=platform.shop) == {"delivered": 0, "failed": 0}
    assert sink.wait_for(1, timeout=0.5) == []


def test_email_off_still_keeps_the_metafields_current(admin, platform, sessions, sink):
    admin.put("/api/notifications", {"channels": {"email": False}})
    platform.fake.state.add_customer(platform.shop, id=ADA, email="ada@example.com")
    _review(platform, sessions)
    assert deliver(sessions, _channels(platform, sink), datetime.now(UTC), shop_domain=platform.shop)["delivered"] == 1
    assert sink.wait_for(1, timeout=0.5) == []
    customer = platform.fake.state.shop(platform.shop).customers[f"gid://shopify/Customer/{ADA}"]
    assert customer["metafields"]["perks.points"]["value"] == "50"


# --- the launcher's look -------------------------------------------------------------


def test_a_new_shop_has_the_theme_blocks_defaults_and_translated_texts(admin):
    data = admin.get("/api/launcher").get_json()
    assert (data["primary_color"], data["background_color"], data["text_color"], data["position"]) == (
        "#5c6ac4",
        "#ffffff",
        "#1f2124",
        "bottom-right",
    )
    assert data["languages"][0] == "en" and {"fr", "pt-BR", "zh-TW"} <= set(data["languages"])
    assert data["default_texts"]["fr"]["button_label"] and data["checks"]["warnings"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"primary_color": "red"}, "primary_color"),
        ({"background_color": "#12345"}, "background_color"),
        ({"text_color": 123}, "text_color"),
        ({"position": "top-left"}, "position"),
        ({"texts": []}, "texts"),
        ({"texts": {"xx": {"title": "Hi"}}}, "texts.xx"),
        ({"texts": {"fr": {"button_label": "x" * 41}}}, "texts.fr.button_label"),
        ({"texts": {"fr": {"title": "<b>Perks</b>"}}}, "texts.fr.title"),
        ({"texts": {"fr": {"subtitle": "Hi"}}}, "texts.fr.subtitle"),
        ({"font": "Comic Sans"}, "font"),
    ],
)
def test_the_launcher_look_is_refused_field_by_field(admin, body, field):
    for path, call in (("/api/launcher", admin.put), ("/api/launcher/check", lambda p, b: admin.post(p, json=b))):
        response = call(path, body)
        assert response.status_code == 400, path
        assert list(response.get_json()["fields"]) == [field], path
    assert admin.get("/api/launcher").get_json()["primary_color"] == "#5c6ac4"


def test_the_contrast_of_text_on_background_is_judged_server_side_with_wcags_formula():
    assert launcher_look.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert launcher_look.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    checks = launcher_look.checks({"primary_color": "#ffd500", "background_color": "#ffffff", "text_color": "#777777"})
    assert checks["text_on_background"] == 4.48 and checks["label_on_primary"] == "#000000"
    (warning,) = checks["warnings"]
    assert warning["field"] == "text_color" and "4.48:1" in warning["message"] and "black text instead" in warning["message"]
    assert launcher_look.checks({"primary_color": "#000", "background_color": "#ffffff", "text_color": "#767676"})["warnings"] == []


def test_a_saved_look_comes_back_with_its_warning_and_the_change_log_has_it(admin):
    look = {
        "primary_color": "#C0FFEE",
        "background_color": "#fff",
        "text_color": "#aaaaaa",
        "position": "bottom-left",
        "texts": {"fr": {"button_label": " Mes points ", "title": ""}, "de": {"button_label": "", "title": ""}},
    }
    saved = admin.put("/api/launcher", look).get_json()
    assert (saved["primary_color"], saved["background_color"]) == ("#c0ffee", "#ffffff")
    assert saved["texts"] == {"fr": {"button_label": "Mes points"}}
    assert [w["field"] for w in saved["checks"]["warnings"]] == ["text_color"]
    assert admin.get("/api/launcher").get_json()["position"] == "bottom-left"
    (change,) = admin.get("/api/program/changes").get_json()["changes"]
    assert change["subject"] == "launcher"
    assert change["before"]["primary_color"] == "#5c6ac4" and change["after"]["primary_color"] == "#c0ffee"
    assert change["after"]["fr.button_label"] == "Mes points" and change["before"]["fr.button_label"] is None
    # The check of a draft saves nothing.
    checked = admin.post("/api/launcher/check", json={"text_color": "#111111"}).get_json()
    assert checked["checks"]["warnings"] == [] and checked["position"] == "bottom-left"
    assert admin.get("/api/launcher").get_json()["text_color"] == "#aaaaaa"


def test_the_preview_is_the_real_launcher_block_with_the_draft_settings_and_a_stub_proxy(platform):
    query = {
        "primary_color": "#c0ffee",
        "background_color": "#102030",
        "text_color": "javascript:alert(1)",
        "position": "bottom-left",
        "locale": "fr",
        "button_label": '<img src=x onerror="alert(1)">',
        "title": "Vos avantages",
        "shop": "Maison </script> Lumière",
    }
    response = platform.client.get("/launcher-preview", query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert 'class="perks perks-launcher perks--bottom-left"' in page
    # A bad colour: the default text colour, which does not read on this background: the readable substitute.
    assert "--perks-primary: #c0ffee; --perks-bg: #102030; --perks-text: #ffffff;" in page and "javascript:" not in page
    assert "&lt;img src=x onerror=" in page and "<img src=x" not in page
    assert ">Vos avantages</h2>" in page and '"close": "Fermer"' in page  # French, from the theme's locales
    assert "/launcher-preview/assets/launcher.js?v=" in page and "/launcher-preview/assets/launcher.css?v=" in page
    assert "Maison <\\/script> Lumi" in page  # the sample data cannot close its script element
    assert platform.client.get("/launcher-preview/assets/perks-ui.js").status_code == 200
    assert platform.client.get("/launcher-preview/assets/../blocks/launcher.liquid").status_code == 404


def test_the_storefront_gets_the_saved_look_in_the_shoppers_language_and_none_before(admin, platform):
    assert platform.proxy("GET", "/program", None).get_json()["look"] is None  # the theme block's settings hold
    admin.put("/api/launcher", {"primary_color": "#0b6e4f", "position": "bottom-left", "texts": {"fr": {"button_label": "Mes avantages"}}})
    query = signed_query(platform.shop, None, platform.fake.client_secret, locale="fr-CA")
    look = platform.client.get("/proxy/program", query_string=query).get_json()["look"]
    assert look == {
        "primary_color": "#0b6e4f",
        "background_color": "#ffffff",
        "text_color": "#1f2124",
        "position": "bottom-left",
        "corner_radius": 12,
        "button_label": "Mes avantages",
        "title": None,
    }
    assert platform.proxy("GET", "/program", None).get_json()["look"]["button_label"] is None  # English: the default
