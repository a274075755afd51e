"""Every word a member sees in their language: the notification texts and their editor in the
launcher's eight languages with each kind named in words, the ledger's reasons said in the
member's language in the launcher's history and in mails, and counts that agree with their
number by CLDR's rules ("1 point", French "0 point", Romanian "20 de puncte")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from perks_dev.mail_sink import SmtpSink
from shopify_app.core import words
from shopify_app.earn import actions
from shopify_app.launcher import texts as launcher_texts
from shopify_app.ledger import expiry, ledger, reasons
from shopify_app.ledger.models import LedgerEntry
from shopify_app.notifications import deliver, messages
from shopify_app.notifications.channels import Email
from tests.admin_support import Admin
from tests.fixtures.app_proxy import signed_query
from tests.rules_helpers import configure, in_shop, member

ADA = 7012345678901
LAUNCHER_LANGUAGES = {"en", "fr", "de", "es", "pt-BR", "ro", "zh-CN", "zh-TW"}


@pytest.fixture
def admin(platform) -> Admin:
    platform.install()
    return Admin(platform, platform.shop)


def test_the_editor_names_every_kind_in_words_and_offers_the_launchers_eight_languages(admin):
    data = admin.get("/api/notifications").get_json()
    assert set(data["languages"]) == LAUNCHER_LANGUAGES
    names = data["kind_names"]
    assert set(names) == set(data["kinds"]) >= {"tier_changed", "referral_credited", "reward_redeemed"}
    assert all("_" not in name and name[0].isupper() for name in names.values()), names
    assert names["tier_changed"] == "New VIP tier" and names["referral_credited"] == "Referral rewarded"
    for kind, texts in data["built_in"].items():
        assert set(texts) == LAUNCHER_LANGUAGES, kind


def test_a_romanian_text_saved_and_previewed_with_its_plural_forms(admin):
    text = {"subject": "$points $points_word pentru tine, $name", "body": "Soldul tău: $balance $balance_word."}
    assert admin.put("/api/notifications", {"texts": {"birthday": {"ro": text}}}).status_code == 200
    shown = admin.post("/api/notifications/preview", json={"kind": "birthday", "language": "ro"}).get_json()
    assert shown["subject"] == "200 de puncte pentru tine, Ada" and shown["own"] is True
    assert shown["body"].startswith("Soldul tău: 250 de puncte.")
    assert shown["counting"] == "0 puncte · 1 punct · 2 puncte · 20 de puncte"
    built_in = admin.post("/api/notifications/preview", json={"kind": "points_earned", "language": "zh-TW"}).get_json()
    assert built_in["subject"].startswith("您在 ") and "獲得了 50 點" in built_in["subject"]
    assert "（訂單 #1001）" in built_in["body"]  # noqa: RUF001  # the sample's reason, said in the language too


@pytest.mark.parametrize(
    ("lang", "counts"),
    [
        ("en", {0: "0 points", 1: "1 point", 2: "2 points", 1250: "1,250 points"}),
        ("fr", {0: "0 point", 1: "1 point", 2: "2 points", 1250: "1\u202f250 points"}),
        ("de", {1: "1 Punkt", 2: "2 Punkte"}),
        ("ro", {1: "1 punct", 2: "2 puncte", 19: "19 puncte", 20: "20 de puncte", 101: "101 puncte", 120: "120 de puncte"}),
        ("zh-CN", {1: "1 积分", 20: "20 积分"}),
    ],
)
def test_mails_count_points_by_the_languages_plural_rules(lang, counts):
    for n, said in counts.items():
        subject, _ = messages.render("points_earned", lang, {"shop": "Maison", "name": "Ada", "points": n, "balance": n, "reason": ""})
        assert said in subject, (lang, n, subject)


def test_every_text_a_member_reads_is_written_in_each_language_not_left_in_english():
    for kind, texts in messages.MESSAGES.items():
        assert set(texts) == set(words.LANGUAGES), kind
        for lang in set(words.LANGUAGES) - {"en"}:
            assert texts[lang][0] != texts["en"][0] and texts[lang][1] != texts["en"][1], (kind, lang)
    for table in (messages.FALLBACK, messages.UNSUBSCRIBE, messages.BUTTON, words.POINTS, reasons.DAYS):
        assert set(table) == set(words.LANGUAGES)
    for reason, said in reasons.SAID.items():
        assert set(said) == set(words.LANGUAGES), reason
        assert all(said[lang] != said["en"] for lang in set(words.LANGUAGES) - {"en"}), reason
    assert set(reasons.SAID) == set(reasons.WRITTEN)


@pytest.mark.parametrize(
    ("locale", "nearest"),
    [
        ("fr-CA", "fr"),
        ("pt-PT", "pt-BR"),
        ("pt", "pt-BR"),
        ("zh-HK", "zh-TW"),
        ("zh-Hant-TW", "zh-TW"),
        ("zh", "zh-CN"),
        ("RO", "ro"),
        ("ja", "en"),
        (None, "en"),
    ],
)
def test_a_shoppers_locale_is_taken_to_the_nearest_of_the_eight(locale, nearest):
    assert words.language(locale) == nearest


def test_the_launcher_speaks_portuguese_in_portugal_and_traditional_chinese_in_hong_kong():
    assert launcher_texts.say("earn.newsletter", "pt-PT") == "Assine a newsletter"
    assert launcher_texts.say("earn.newsletter", "zh-HK") == "訂閱電子報"
    assert launcher_texts.say("earn.newsletter", "ja") == "Join our newsletter"


def test_the_launchers_history_says_the_ledgers_reasons_in_the_members_language(platform, sessions):
    platform.install()

    def earn(session, shop, program):
        ada = member(session, shop, ADA, first_name="Ada")
        actions.set_rule(session, shop, "newsletter", points=30)
        # What the writers stored before this change and still store: the history reads both the same.
        ledger.post(session, ada, 120, kind="earn", key="o1", reason="Order #1001", order_id=1001)
        ledger.post(session, ada, -100, kind="redeem", key="r1", reason="Redeemed $5 off")
        ledger.post(session, ada, -1, kind="expire", key="x1", reason="Points expired after 1 days without activity")
        ledger.post(session, ada, 5, kind="adjust", key="a1", reason="Order #1001: sorry for the wait")  # the merchant's own words
        actions.award(session, shop, program, ada, "newsletter", now=datetime.now(UTC))

    in_shop(sessions, platform.shop, earn)
    french = history(platform, "fr")
    assert french == [
        "Abonnement à la newsletter",
        "Order #1001: sorry for the wait",
        "Points expirés après 1 jour sans activité",
        "Échangé contre : $5 off",
        "Commande #1001",
    ]
    assert history(platform, "ro")[2] == "Puncte expirate după 1 zi fără activitate"
    assert history(platform, None)[0] == "Newsletter sign-up"


def history(platform, locale: str | None) -> list[str]:
    query = signed_query(platform.shop, ADA, platform.fake.client_secret, **({"locale": locale} if locale else {}))
    return [e["reason"] for e in platform.client.get("/proxy/member", query_string=query).get_json()["history"]]


def test_a_french_members_mail_says_why_in_french(sessions, shop, fake_admin):
    sink = SmtpSink().start()
    try:
        fake_admin.state.add_customer(shop, id=ADA, email="ada@example.com", locale="fr")

        def earn(session, sh, program):
            ada = member(session, sh, ADA, email="ada@example.com", first_name="Ada")
            actions.set_rule(session, sh, "newsletter", points=1)
            actions.award(session, sh, program, ada, "newsletter", now=datetime.now(UTC))

        in_shop(sessions, shop, earn)
        email = Email("127.0.0.1", sink.port, "rewards@perks.example", locale_of=lambda card, customer_id: "fr")
        assert deliver(sessions, [email], datetime.now(UTC), shop_domain=shop) == {"delivered": 1, "failed": 0}
        (mail,) = sink.wait_for(1)
        assert mail["Subject"].startswith("Vous avez gagné 1 point chez ")
        assert (
            "Vous avez gagné 1 point (Abonnement à la newsletter). Votre solde est de 1 point." in mail.get_body(("plain",)).get_content()
        )
    finally:
        sink.stop()


def test_the_sentences_the_ledgers_writers_store_are_each_read_back(webhooks, sessions, shop):
    """Orders paid, refunded and cancelled through the webhooks, then the rest expired: every
    reason the product wrote is known to reasons.py, so none reaches a French member in English."""
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2006, ADA, lines=[(Decimal("25.00"), 4, 0)])))
    webhooks.processed(webhooks.send("refunds/create", shopify.refund(3006, 2006, lines=[(Decimal("25.00"), 1, Decimal("25.00"))])))
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2007, ADA, lines=[(Decimal("30.00"), 1, 0)])))
    webhooks.processed(webhooks.send("orders/cancelled", shopify.order_cancelled(2006, ADA)))
    configure(sessions, shop, expire_after_days=30, expiry_reminder_days=0)
    in_shop(sessions, shop, lambda s, sh, p: expiry.run(s, sh, datetime.now(UTC) + timedelta(days=31)))

    def written(session, sh, program):
        query = select(LedgerEntry.kind, LedgerEntry.reason).where(LedgerEntry.shop_id == sh.id).order_by(LedgerEntry.id)
        return session.execute(query).all()

    rows = in_shop(sessions, shop, written)
    assert [kind for kind, _ in rows] == ["earn", "reverse", "earn", "reverse", "expire"]
    assert [reasons.say(reason, "fr", kind) for kind, reason in rows] == [
        "Commande #2006",
        "Remboursement sur la commande #2006",
        "Commande #2007",
        "Commande #2006 annulée",
        "Points expirés après 30 jours sans activité",
    ]
