"""Member mail with the merchant's branding: plain text plus an HTML alternative in the launcher's
colours, with the shop's name, a button to the rewards page, the footer, in the shopper's language.
Read back as a person's mail program would: from the .eml file the SMTP sink wrote."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from perks_dev.mail_sink import SmtpSink
from shopify_app.earn import actions
from shopify_app.launcher import look as launcher_look
from shopify_app.ledger.commands import PerformAction
from shopify_app.notifications import deliver
from shopify_app.notifications.branding import Brand
from shopify_app.notifications.channels import Email, admin_locale
from tests.rules_helpers import in_shop, member

ADA, BEA = 7012345678901, 7012345678902


class Page(HTMLParser):
    """What a reader of the HTML part gets: its language, its links and its text (entities decoded)."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.lang, self.links, self.text, self.tags = None, [], [], set()
        self._link: dict | None = None
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a":
            self._link = {"href": attrs.get("href"), "text": "", "style": attrs.get("style", "")}
            self.links.append(self._link)

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = None

    def handle_data(self, data):
        self.text.append(data)
        if self._link is not None:
            self._link["text"] += data

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture
def sink(tmp_path):
    running = SmtpSink(folder=tmp_path).start()
    yield running
    running.stop()


def send(sessions, shop, fake_admin, sink, *, name, look=None, members=((ADA, "en"),)):
    def make(session, sh, p):
        sh.name = name
        if look:
            launcher_look.replace(session, sh.id, look, actor="test")
        actions.set_rule(session, sh, "review", points=50, limit_count=5)
        for customer_id, _ in members:
            member(session, sh, customer_id, email=f"{customer_id}@example.com", first_name="Ada")

    in_shop(sessions, shop, make)
    for customer_id, locale in members:
        fake_admin.state.add_customer(shop, id=customer_id, email=f"{customer_id}@example.com", locale=locale)
        in_shop(
            sessions,
            shop,
            lambda s, sh, p, c=customer_id: actions.perform(s, PerformAction(shop, c, "review", ref="r1"), now=datetime.now(UTC)),
        )
    email = Email("127.0.0.1", sink.port, "rewards@perks.example", locale_of=admin_locale(lambda d: fake_admin.client(d)))
    assert deliver(sessions, [email], datetime.now(UTC), shop_domain=shop) == {"delivered": len(members), "failed": 0}
    sink.wait_for(len(members))
    # As a person opens them: the files the sink wrote (var/mail/*.eml in `make run`).
    mails = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(sink.folder.glob("*.eml"))]
    return {int(m["To"].split("@")[0]): m for m in mails}


def parts(mail: EmailMessage) -> tuple[str, str]:
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]  # text first: the fallback
    text, html = (mail.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))  # SMTP's line ends
    return text, html


def test_the_mail_is_text_and_html_in_the_merchants_colours_with_a_button_to_the_rewards_page(sessions, shop, fake_admin, sink):
    look = {"primary_color": "#E4572E", "background_color": "#fffaf0", "text_color": "#2b2118"}
    mail = send(sessions, shop, fake_admin, sink, name="Ann & <Bob>", look=look)[ADA]
    text, html = parts(mail)
    page = Page(html)
    rewards = f"https://{shop}/#perks"

    assert page.lang == "en"
    assert "#e4572e" in html and "#fffaf0" in html and "#2b2118" in html  # the launcher's colours, as saved
    button = next(link for link in page.links if link["text"] == "See your rewards")
    assert button["href"] == rewards and "#e4572e" not in button["style"]  # the label in black or white on the colour
    assert "Ann & <Bob>" in page.words  # the shop's name, shown as written...
    assert "Ann &amp; &lt;Bob&gt;" in html and "<Bob>" not in html  # ...and escaped in the markup
    assert "You earned 50 points (Product review). Your balance is now 50 points." in page.words
    assert "To stop them, unsubscribe from the rewards page." in page.words  # the same footer as the text part
    assert rewards in [link["href"] for link in page.links if link is not button]
    assert not page.tags & {"style", "script", "link", "img"}  # inline styles only; nothing fetched
    assert "<table" in html and 'role="presentation"' in html

    assert text.startswith("Hi Ada,\n\nYou earned 50 points (Product review).")
    assert f"See your rewards\n{rewards}\n" in text
    assert text.rstrip().endswith("To stop them, unsubscribe from the rewards page.")
    assert mail["Subject"] == "You earned 50 points at Ann & <Bob>"


def test_a_french_member_gets_the_html_in_french_and_a_german_one_in_german(sessions, shop, fake_admin, sink):
    mails = send(sessions, shop, fake_admin, sink, name="Maison Lumière", members=((ADA, "fr-FR"), (BEA, "de")))
    _, html = parts(mails[ADA])
    page = Page(html)
    assert page.lang == "fr"
    assert "Bonjour Ada," in page.words and "Vous avez gagné 50 points" in page.words
    assert "Voir vos récompenses" in [link["text"] for link in page.links]
    assert "désabonnez-vous depuis la page des récompenses" in page.words
    assert "Maison Lumière" in page.words and "You earned" not in page.words
    assert Page(parts(mails[BEA])[1]).lang == "de"
    assert "Ihre Prämien ansehen" in [link["text"] for link in Page(parts(mails[BEA])[1]).links]


def test_a_shop_without_a_saved_look_gets_the_launchers_default_colours(sessions, shop, fake_admin, sink):
    _, html = parts(send(sessions, shop, fake_admin, sink, name="Plain shop")[ADA])
    default = Brand()
    assert (default.primary, default.background, default.text) == ("#5c6ac4", "#ffffff", "#1f2124")  # the model's defaults
    assert default.primary in html and default.text in html


def test_an_unreadable_text_colour_is_replaced_as_the_launcher_replaces_it():
    colours = Brand(primary="#ffeb3b", background="#ffffff", text="#eeeeee").colours()
    assert colours["text"] == "#000000"  # light grey on white: black instead
    assert colours["on_primary"] == "#000000"  # black reads better on yellow than white
    assert Brand(primary="#1a237e").colours()["on_primary"] == "#ffffff"
