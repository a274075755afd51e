"""Telling the member: events out by mail (in the shopper's language) and to Shopify customer
metafields; a failing channel never blocks the ledger nor sends a mail twice; unsubscribe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from perks_dev.mail_sink import SmtpSink
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions, profile
from shopify_app.ledger import events as member_events
from shopify_app.ledger import expiry, ledger
from shopify_app.ledger.commands import GiveBirthday, PerformAction
from shopify_app.notifications import deliver, unsubscribe
from shopify_app.notifications.channels import Email, Metafields, admin_locale
from shopify_app.notifications.models import MemberEvent
from tests.rules_helpers import configure, events, in_shop, member, points

ADA, BEA = 7012345678901, 7012345678902


@pytest.fixture
def sink():
    running = SmtpSink().start()
    yield running
    running.stop()


def channels(fake_admin, sink_port: int):
    def client_for(domain):
        return fake_admin.client(domain)

    return [Email("127.0.0.1", sink_port, "rewards@perks.example", locale_of=admin_locale(client_for)), Metafields(client_for=client_for)]


def setup_members(sessions, shop, fake_admin):
    in_shop(sessions, shop, lambda s, sh, p: setattr(sh, "name", "Maison Lumière"))
    fake_admin.state.add_customer(shop, id=ADA, email="ada@example.com", locale="fr-FR")
    fake_admin.state.add_customer(shop, id=BEA, email="bea@example.com", locale="de")

    def make(session, sh, p):
        member(session, sh, ADA, email="ada@example.com", first_name="Ada")
        member(session, sh, BEA, email="bea@example.com", first_name="Bea")
        actions.set_rule(session, sh, "review", points=50, limit_count=5)
        actions.set_rule(session, sh, "birthday", points=200)

    in_shop(sessions, shop, make)


def review(sessions, shop, customer, ref):
    in_shop(sessions, shop, lambda s, sh, p: actions.perform(s, PerformAction(shop, customer, "review", ref=ref), now=datetime.now(UTC)))


def metafield(fake_admin, shop, customer_id, key="points"):
    customer = fake_admin.state.shop(shop).customers[f"gid://shopify/Customer/{customer_id}"]
    return customer["metafields"][f"perks.{key}"]["value"]


def test_each_event_reaches_the_sink_in_the_shoppers_language_and_the_metafields_hold_the_balance(sessions, shop, fake_admin, sink):
    setup_members(sessions, shop, fake_admin)
    review(sessions, shop, ADA, "p1")
    review(sessions, shop, BEA, "p1")
    now = datetime.now(UTC)
    in_shop(sessions, shop, lambda s, sh, p: profile.give_birthday(s, GiveBirthday(shop, ADA, now.month, now.day), now=now))
    in_shop(sessions, shop, lambda s, sh, p: profile.award_birthdays(s, sh, now))
    configure(sessions, shop, expire_after_days=30, expiry_reminder_days=7)
    in_shop(sessions, shop, lambda s, sh, p: expiry.run(s, sh, now + timedelta(days=24)))

    assert deliver(sessions, channels(fake_admin, sink.port), now, shop_domain=shop) == {"delivered": 5, "failed": 0}
    mails = {(m["To"], m["X-Perks-Event"]): m for m in sink.wait_for(5)}
    assert len(mails) == 5
    earned = mails[("ada@example.com", "points_earned")]
    assert earned["Subject"] == "Vous avez gagné 50 points chez Maison Lumière"
    assert "Votre solde est de 250 points" in earned.get_body(("plain",)).get_content()  # the balance now, after the birthday too
    assert mails[("ada@example.com", "birthday")]["Subject"] == "Joyeux anniversaire de la part de Maison Lumière !"
    assert mails[("bea@example.com", "points_earned")]["Subject"] == "Sie haben 50 Punkte bei Maison Lumière gesammelt"
    assert mails[("bea@example.com", "points_expiring")]["Subject"] == "Ihre Punkte bei Maison Lumière verfallen bald"
    assert "Maison Lumière" in str(earned["From"])
    assert metafield(fake_admin, shop, ADA) == "250"
    assert metafield(fake_admin, shop, BEA) == "50"
    # Delivered once: a second run sends nothing.
    assert deliver(sessions, channels(fake_admin, sink.port), now, shop_domain=shop) == {"delivered": 0, "failed": 0}
    assert len(sink.messages) == 5


def test_a_failing_channel_never_blocks_the_ledger_and_a_retry_sends_each_mail_once(sessions, shop, fake_admin, sink):
    setup_members(sessions, shop, fake_admin)
    review(sessions, shop, ADA, "p1")
    now = datetime.now(UTC)
    fake_admin.state.refuse_next("metafieldsSet")  # Shopify refuses the metafields once
    assert deliver(sessions, channels(fake_admin, sink.port), now, shop_domain=shop) == {"delivered": 0, "failed": 1}
    assert len(sink.wait_for(1)) == 1  # the mail went; the event waits for the metafields only
    review(sessions, shop, ADA, "p2")  # points still arrive while a channel is down
    assert points(sessions, shop, ADA) == 100
    assert deliver(sessions, channels(fake_admin, sink.port), now, shop_domain=shop) == {"delivered": 2, "failed": 0}
    assert len(sink.wait_for(2)) == 2  # one more mail for the second review, none again for the first
    assert metafield(fake_admin, shop, ADA) == "100"


class Probe:
    """A channel that, while it sends, does what a channel may: its own database work (a token, say)
    on the very rows being sent, and another notifier running at the same time."""

    name = "probe"

    def __init__(self, sessions, shop):
        self.sessions, self.shop, self.meanwhile = sessions, shop, None

    def deliver(self, card, notices):
        ids = [n.event_id for n in notices]
        with UnitOfWork(self.sessions) as uow:  # NOWAIT: fails at once if the notifier still held these rows
            uow.session.execute(select(MemberEvent.id).where(MemberEvent.id.in_(ids)).with_for_update(nowait=True))
        self.meanwhile = deliver(self.sessions, [], datetime.now(UTC), shop_domain=self.shop)
        return {n.event_id for n in notices}


def test_channels_send_with_no_transaction_open_and_no_other_notifier_takes_their_events(sessions, shop, fake_admin):
    setup_members(sessions, shop, fake_admin)
    review(sessions, shop, ADA, "p1")
    probe = Probe(sessions, shop)
    assert deliver(sessions, [probe], datetime.now(UTC), shop_domain=shop) == {"delivered": 1, "failed": 0}
    assert probe.meanwhile == {"delivered": 0, "failed": 0}  # claimed while the probe sent it


def test_mail_that_cannot_be_sent_waits_and_the_ledger_does_not_notice(sessions, shop, fake_admin, sink):
    setup_members(sessions, shop, fake_admin)
    review(sessions, shop, ADA, "p1")
    dead = SmtpSink()
    port = dead.port
    dead.stop()  # nothing listens there now
    now = datetime.now(UTC)
    assert deliver(sessions, channels(fake_admin, port), now, shop_domain=shop) == {"delivered": 0, "failed": 1}
    assert "email: ConnectionRefusedError" in events(sessions, shop)[0].last_error
    assert points(sessions, shop, ADA) == 50
    assert deliver(sessions, channels(fake_admin, sink.port), now, shop_domain=shop)["delivered"] == 1
    assert len(sink.wait_for(1)) == 1


def test_an_unsubscribed_member_gets_no_mail_but_their_metafields_stay_current(sessions, shop, fake_admin, sink):
    setup_members(sessions, shop, fake_admin)
    assert in_shop(sessions, shop, lambda s, sh, p: unsubscribe(s, shop, ADA, "email"))
    review(sessions, shop, ADA, "p1")
    review(sessions, shop, BEA, "p1")
    assert deliver(sessions, channels(fake_admin, sink.port), datetime.now(UTC), shop_domain=shop)["delivered"] == 2
    assert [m["To"] for m in sink.wait_for(1)] == ["bea@example.com"]
    assert metafield(fake_admin, shop, ADA) == "50"


def test_many_members_changing_at_once_go_to_shopify_as_one_bulk_operation(sessions, shop, fake_admin):
    many = range(ADA, ADA + 60)

    def grant(session, sh, p):
        for customer_id in many:
            m = member(session, sh, customer_id)
            ledger.post(session, m, 10, kind="import", key=f"import:{customer_id}")
            member_events.emit(session, m, "points_earned", f"event:import:{customer_id}", points=10, reason="Import")

    in_shop(sessions, shop, grant)
    metafields = Metafields(client_for=lambda d: fake_admin.client(d))
    assert deliver(sessions, [metafields], datetime.now(UTC), shop_domain=shop)["delivered"] == 60
    assert len(metafields.bulk_operations) == 1
    operations = [r["operation"] for r in fake_admin.state.requests]
    assert "MetafieldsSet" not in operations and "BulkOperationRunMutation" in operations
    assert {metafield(fake_admin, shop, c) for c in many} == {"10"}


def test_a_paid_order_tells_the_member_once(webhooks, sessions, shop, fake_admin, sink):
    fake_admin.state.add_customer(shop, id=ADA, email="ada@example.com", locale="es")
    for _ in range(2):
        webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(8001, ADA)))
    assert deliver(sessions, channels(fake_admin, sink.port), datetime.now(UTC), shop_domain=shop)["delivered"] == 1
    assert [m["Subject"] for m in sink.wait_for(1)] == ["Has ganado 30 puntos en Test shop"]
    assert metafield(fake_admin, shop, ADA) == "30"
