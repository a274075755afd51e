"""Privacy, complete (issue 18): a data request holds everything Perks keeps on the
member; a redaction leaves nothing personal anywhere, while the ledger's amounts stay."""

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import JSON, String, Text, cast, func, select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.config import Settings
from shopify_app.core.orm import Base
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.models import MemberBirthday
from shopify_app.earn.profile import give_birthday
from shopify_app.ledger.commands import GiveBirthday
from shopify_app.ledger.models import ImportedBalance, ImportJob, Member, PendingPoints
from shopify_app.notifications.models import MemberEvent, Unsubscribe
from shopify_app.referrals import referrals
from shopify_app.referrals.models import OrderFingerprint, Referral
from shopify_app.rewards.models import Redemption, Reward
from shopify_app.shop.models import DataRequest, Shop
from shopify_app.shop.privacy_jobs import purge_payloads_with
from shopify_app.shop.shops import add_shop
from webhooks.models import WebhookDelivery
from webhooks.translate import _address as translate_address

ADA, GRACE, LINUS = 7012345678901, 7012345678902, 7012345678903


def earn(webhooks, order_id: int, customer: int, email: str) -> None:
    order = shopify.order_paid(order_id, customer, lines=[("30.00", 1, 0)], email=email)
    assert webhooks.processed(webhooks.send("orders/paid", order)) == "done"


def member(session, shop: str, customer_id: int) -> Member:
    return session.scalars(select(Member).join(Shop).where(Shop.domain == shop, Member.customer_id == customer_id)).one()


def test_a_data_request_holds_redemptions_referrals_both_ways_birthday_pending_points_consents_and_mails(webhooks, sessions, shop):
    earn(webhooks, 8101, ADA, "ada@example.com")
    earn(webhooks, 8102, GRACE, "grace@example.com")
    earn(webhooks, 8103, LINUS, "linus@example.com")
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with UnitOfWork(sessions) as uow:
        s = uow.session
        ada, grace, linus = (member(s, shop, c) for c in (ADA, GRACE, LINUS))
        reward = Reward(shop_id=ada.shop_id, title="$5 off", kind="fixed_amount", points_cost=10, value=Decimal(5))
        s.add(reward)
        s.flush()
        s.add(
            Redemption(
                shop_id=ada.shop_id,
                member_id=ada.id,
                reward_id=reward.id,
                request_key="r1",
                points=10,
                value=Decimal(5),
                code="PERKS-ADA1",
                state="issued",
            )
        )
        s.add(Referral(shop_id=ada.shop_id, referrer_id=ada.id, friend_id=grace.id, friend_customer_id=GRACE, state="rewarded", points=50))
        s.add(
            Referral(
                shop_id=ada.shop_id,
                referrer_id=linus.id,
                friend_id=ada.id,
                friend_customer_id=ADA,
                state="pending",
                welcome_code="WELCOME-ADA",
            )
        )
        s.add(MemberBirthday(member_id=ada.id, shop_id=ada.shop_id, month=12, day=10, year=1815))
        s.add(PendingPoints(shop_id=ada.shop_id, order_id=8199, email="ada@example.com", points=7, status="pending", created_at=now))
        s.add(Unsubscribe(shop_id=ada.shop_id, member_id=ada.id, channel="email"))
        s.add(
            MemberEvent(
                shop_id=ada.shop_id, member_id=ada.id, kind="points_earned", key="mail:ada:1", data={"points": 30}, delivered_at=now
            )
        )
        uow.commit()

    assert webhooks.processed(webhooks.send("customers/data_request", shopify.template("customers/data_request"))) == "done"
    with UnitOfWork(sessions) as uow:
        export = uow.session.scalars(select(DataRequest).join(Shop).where(Shop.domain == shop)).one().export
    assert [(r["reward"], r["points"], r["code"], r["state"]) for r in export["redemptions"]] == [("$5 off", 10, "PERKS-ADA1", "issued")]
    assert [(r["role"], r["state"], r["points"]) for r in export["referrals"] if r["role"] == "referrer"] == [("referrer", "rewarded", 50)]
    assert [(r["role"], r["welcome_code"]) for r in export["referrals"] if r["role"] == "friend"] == [("friend", "WELCOME-ADA")]
    assert (export["birthday"]["month"], export["birthday"]["day"], export["birthday"]["year"]) == (12, 10, 1815)
    assert [(p["order_id"], p["email"], p["points"], p["status"]) for p in export["pending_points"]] == [
        (8199, "ada@example.com", 7, "pending")
    ]
    assert [u["channel"] for u in export["consents"]["unsubscribed"]] == ["email"]
    # The mail the order's points sent (undelivered here), and the one planted as sent.
    assert ("points_earned", {"points": 30}, True) in [(m["kind"], m["data"], m["delivered_at"] is not None) for m in export["messages"]]


def test_a_data_request_for_a_guest_holds_their_pending_points(webhooks, sessions, shop):
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == shop)).one()
        uow.session.add(PendingPoints(shop_id=shop_id, order_id=8201, email="ada@example.com", points=9, status="pending"))
        uow.commit()
    assert webhooks.processed(webhooks.send("customers/data_request", shopify.template("customers/data_request"))) == "done"
    with UnitOfWork(sessions) as uow:
        export = uow.session.scalars(select(DataRequest).join(Shop).where(Shop.domain == shop)).one().export
    assert export["member"] is None
    assert [(p["order_id"], p["points"]) for p in export["pending_points"]] == [(8201, 9)]


def test_a_redaction_leaves_the_members_email_name_address_and_birthday_nowhere(webhooks, sessions, shop, balance):
    """Plant a member's email, name, address and birthday through every path Perks has,
    redact, then search every text and JSON column of every table for them."""
    tag = uuid.uuid4().hex[:10]
    email, first, last, street = f"ada.{tag}@example.com", f"Ada{tag}", f"Lovelace{tag}", f"{tag} Analytical Row"
    person = {"first_name": first, "last_name": last}
    address = {**shopify.template("orders/paid")["shipping_address"], **person, "address1": street, "name": f"{first} {last}"}
    # A customer account, its birthday, its orders (with an address), a guest order under the same email.
    profile = shopify.template("customers/create")
    profile.update(person, email=email, default_address=address, addresses=[address])
    assert webhooks.processed(webhooks.send("customers/create", profile)) == "done"
    with UnitOfWork(sessions) as uow:
        give_birthday(uow.session, GiveBirthday(shop, ADA, 12, 10, 1815), now=datetime.now(UTC))
        uow.commit()
    order = shopify.order_paid(8301, ADA, lines=[("30.00", 1, 0)], email=email)
    order["customer"].update(person, email=email, default_address=address)
    order.update(shipping_address=address, billing_address=address)
    assert webhooks.processed(webhooks.send("orders/paid", order)) == "done"
    guest = shopify.order_paid(8302, None, lines=[("20.00", 1, 0)], email=email)
    guest.pop("customer", None)
    guest.update(shipping_address=address, billing_address=address)
    assert webhooks.processed(webhooks.send("orders/paid", guest)) == "done"
    with UnitOfWork(sessions) as uow:
        ada = member(uow.session, shop, ADA)
        assert ada.email == email and uow.session.get(MemberBirthday, ada.id) is not None
        assert uow.session.scalars(select(PendingPoints.email).where(PendingPoints.shop_id == ada.shop_id)).all() == [email]
        # A mail that names the member, and a member file imported from another app.
        uow.session.add(MemberEvent(shop_id=ada.shop_id, member_id=ada.id, kind="welcome", key=f"welcome:{tag}", data=person))
        csv = f"email,first_name,last_name,points\ngrace@example.com,Grace,Hopper,5\n{email},{first},{last},10\n"
        refused = [{"row": 3, "message": f"no member with email {email}: add a customer_id column"}]
        uow.session.add(ImportJob(shop_id=ada.shop_id, actor="staff", content=csv, status="done", errors=refused))
        # An import's refused row keeps its cells, and a balance imported for the member keeps their names and birthday.
        skipped = [{"row": 2, "message": "the same member as row 1", "cells": [email, first, last, "5"]}]
        job = ImportJob(shop_id=ada.shop_id, actor="staff", content="", status="done", errors=skipped, refused_header=["email"])
        uow.session.add(job)
        uow.session.flush()
        for key, whose in (("a", {"member_id": ada.id}), ("b", {})):
            uow.session.add(
                ImportedBalance(
                    shop_id=ada.shop_id, job_id=job.id, email=email, first_name=first, last_name=last, points=5,
                    idempotency_key=f"import:{job.id}:{key}", reason="Imported from Smile.io", birth_month=12, birth_day=10,
                    status="credited" if "member_id" in whose else "pending", **whose,
                )
            )  # fmt: skip
        uow.commit()
    request = shopify.template("customers/data_request")
    request["customer"]["email"] = email
    assert webhooks.processed(webhooks.send("customers/data_request", request)) == "done"

    redact = shopify.template("customers/redact")
    redact["customer"]["email"] = email
    assert webhooks.processed(webhooks.send("customers/redact", redact)) == "done"

    planted = (email, first, last, street, hashlib.sha256(" ".join(street.lower().split()).encode()).hexdigest()[:16])
    with UnitOfWork(sessions) as uow:
        found = [
            f"{table.name}.{column.name}: {word}"
            for table in Base.metadata.sorted_tables
            for column in table.columns
            if isinstance(column.type, String | Text | JSON)
            for word in planted
            if uow.session.scalar(select(func.count()).select_from(table).where(cast(column, Text).icontains(word)))
        ]
        assert found == []
        ada = member(uow.session, shop, ADA)
        assert uow.session.get(MemberBirthday, ada.id) is None
        assert uow.session.scalar(select(func.count()).select_from(OrderFingerprint).where(OrderFingerprint.member_id == ada.id)) == 0
        job = uow.session.scalars(select(ImportJob).where(ImportJob.shop_id == ada.shop_id, ImportJob.content != "")).one()
        # The balance credited stays, without whose it was; the one still held for the email is given up.
        kept = uow.session.execute(
            select(ImportedBalance.status, ImportedBalance.points).where(ImportedBalance.shop_id == ada.shop_id)
        ).all()
        assert [tuple(row) for row in kept] == [("credited", 5)]
        assert job.content.splitlines()[1:] == ["grace@example.com,Grace,Hopper,5", ""]  # the other lines and numbering stay
    assert balance(ADA) == 50  # the ledger's amounts stay (the guest order was credited to the account with its email)


def test_address_fingerprints_are_hmacs_under_a_key_of_each_shop(webhooks, sessions, shop):
    street = "12 Analytical Row"
    order = shopify.order_paid(8401, ADA, lines=[("30.00", 1, 0)])
    order["shipping_address"]["address1"] = street
    assert webhooks.processed(webhooks.send("orders/paid", order)) == "done"
    other = f"t{uuid.uuid4().hex[:12]}.myshopify.com"
    with UnitOfWork(sessions) as uow:
        add_shop(uow.session, other, name="Other shop")
        uow.commit()
    with UnitOfWork(sessions) as uow:
        s = uow.session
        rows = s.execute(select(Shop.domain, Shop.fingerprint_key).where(Shop.domain.in_([shop, other]))).all()
        keys = {domain: key for domain, key in rows}
        assert len(keys[shop]) == 64 and keys[shop] != keys[other]
        stored = s.scalars(select(OrderFingerprint.digest).join(Shop, Shop.id == OrderFingerprint.shop_id).where(Shop.domain == shop)).one()
    address = translate_address(order["shipping_address"])
    normalised = " ".join(address.lower().split()).encode()
    assert stored != hashlib.sha256(normalised).hexdigest()  # no longer a plain, guessable digest
    assert stored == hmac.new(keys[shop].encode(), normalised, hashlib.sha256).hexdigest()
    assert referrals.digest(keys[other], address) != stored  # the same address elsewhere gives another fingerprint


def test_raw_payloads_are_redacted_after_the_retention_once_their_delivery_is_finished(sessions, shop):
    now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    ages = {"old-done": ("done", 31), "old-failed": ("failed", 40), "old-waiting": ("received", 31), "young-done": ("done", 29)}
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == shop)).one()
        for webhook_id, (status, days) in ages.items():
            uow.session.add(
                WebhookDelivery(
                    shop_id=shop_id,
                    webhook_id=webhook_id,
                    topic="orders/paid",
                    headers={},
                    payload='{"email": "ada@example.com"}',
                    status=status,
                    received_at=now - timedelta(days=days),
                )
            )
        uow.commit()
    assert purge_payloads_with(sessions, now, 30) >= 2
    assert purge_payloads_with(sessions, now, 30) == 0  # nothing left to do, whoever runs it again
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(select(WebhookDelivery.webhook_id, WebhookDelivery.payload).where(WebhookDelivery.shop_id == shop_id))
        payloads = {webhook_id: json.loads(payload) for webhook_id, payload in rows}
    assert payloads == {
        "old-done": {"redacted": True},
        "old-failed": {"redacted": True},
        "old-waiting": {"email": "ada@example.com"},  # still to be processed
        "young-done": {"email": "ada@example.com"},
    }


def test_the_payload_retention_is_a_setting_of_30_days_by_default(monkeypatch):
    monkeypatch.delenv("PERKS_PAYLOAD_RETENTION_DAYS", raising=False)
    assert Settings().payload_retention_days == 30
    monkeypatch.setenv("PERKS_PAYLOAD_RETENTION_DAYS", "7")
    assert Settings().payload_retention_days == 7


def test_a_redaction_matches_the_email_literally_not_as_a_like_pattern(webhooks, sessions, shop):
    tag = uuid.uuid4().hex[:8]
    other = f"axb.{tag}@example.com"  # what "a_b..." would match if "_" were LIKE's any-character
    guest = shopify.order_paid(8501, None, lines=[("20.00", 1, 0)], email=other)
    guest.pop("customer", None)
    assert webhooks.processed(webhooks.send("orders/paid", guest)) == "done"
    redact = shopify.template("customers/redact")
    redact["customer"]["email"] = f"a_b.{tag}@example.com"
    assert webhooks.processed(webhooks.send("customers/redact", redact)) == "done"
    with UnitOfWork(sessions) as uow:
        payloads = uow.session.scalars(select(WebhookDelivery.payload).join(Shop).where(Shop.domain == shop)).all()
        pending = uow.session.scalars(
            select(PendingPoints.email).join(Shop, Shop.id == PendingPoints.shop_id).where(Shop.domain == shop)
        ).all()
    assert any(other in p for p in payloads) and pending == [other]
