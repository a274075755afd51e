"""Every topic Perks subscribes to, as Shopify documents its payload (perks_dev/webhook_samples/SOURCES.md),
run through webhooks/translate.py: the command each yields."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from perks_dev import shopify_payloads as shopify
from shopify_app.ledger.commands import CancelOrder, PayOrder, RefundOrder, SaveCustomer
from shopify_app.shopify.app_config import access_scopes, webhook_topics
from webhooks import translate
from webhooks.handlers import HANDLERS

SHOP = "perks-demo.myshopify.com"
ADA = 7012345678901
SAMPLES = shopify.HERE


def test_every_handled_topic_has_a_sample_named_in_sources():
    sources = (SAMPLES / "SOURCES.md").read_text()
    assert set(webhook_topics()) < set(HANDLERS)  # and the compliance topics: tests/test_app_config.py
    for topic in HANDLERS:
        assert (SAMPLES / f"{topic.replace('/', '_')}.json").exists(), topic
        assert f"`{topic}`" in sources, topic


def test_customer_samples_carry_no_consent_and_yield_a_profile_without_one():
    for topic, translator, is_new in (
        ("customers/create", translate.customer_created, True),
        ("customers/update", translate.customer_updated, False),
    ):
        sample = shopify.template(topic)
        assert "email_marketing_consent" not in sample  # gone from customer payloads since 2025-01
        cmd = translator(SHOP, sample)
        assert isinstance(cmd, SaveCustomer) and cmd.is_new is is_new
        assert (cmd.profile.customer_id, cmd.profile.email_subscribed) == (ADA, None)
        assert cmd.profile.email == sample["email"] and cmd.profile.updated_at is not None


@pytest.mark.parametrize(
    ("state", "subscribed"), [("subscribed", True), ("unsubscribed", False), ("not_subscribed", False), ("pending", False)]
)
def test_the_consent_topic_yields_the_customers_consent(state, subscribed):
    sample = shopify.template("customers_email_marketing_consent/update")
    sample["email_marketing_consent"]["state"] = state
    cmd = translate.email_consent_updated(SHOP, sample)
    assert isinstance(cmd, SaveCustomer) and (cmd.shop_domain, cmd.is_new) == (SHOP, False)
    # No profile time: the consent never overwrites a newer name or email.
    assert (cmd.profile.customer_id, cmd.profile.email, cmd.profile.email_subscribed, cmd.profile.updated_at) == (
        ADA,
        "ada@example.com",
        subscribed,
        None,
    )
    assert translate.lock_order("customers_email_marketing_consent/update", sample) == (ADA, 0)


def test_the_orders_paid_sample_yields_its_purchase_and_no_card():
    sample = shopify.template("orders/paid")
    assert "payment_details" not in sample
    cmd = translate.order_paid(SHOP, sample)
    assert isinstance(cmd, PayOrder) and cmd.customer.customer_id == ADA
    # 100.00 of goods, 10.00 off, 7.00 shipping, 7.20 tax (the sample's own totals).
    assert sum((line.unit_price * line.quantity - line.discount for line in cmd.purchase.lines), Decimal(0)) == Decimal("90.00")
    assert (cmd.purchase.shipping, cmd.purchase.tax) == (Decimal("7.00"), Decimal("7.20"))
    assert cmd.shipping_address


def test_the_refund_sample_and_a_shipping_refund_yield_what_was_given_back():
    sample = translate.refund_created(SHOP, shopify.template("refunds/create"))
    assert isinstance(sample, RefundOrder) and sample.refunded.shipping == 0 and sample.refunded.lines
    shipped = translate.refund_created(SHOP, shopify.refund(77, 5501, lines=(), shipping="7.00"))
    assert (shipped.order_id, shipped.refund_id, shipped.refunded.lines, shipped.refunded.shipping) == (5501, 77, (), Decimal("7.00"))


def test_an_order_adjustment_is_not_a_shipping_refund():
    body = shopify.refund(78, 5501, lines=())
    body["order_adjustments"] = [{"id": 1, "kind": "refund_discrepancy", "amount": "-5.00", "amount_set": shopify._set(Decimal("-5.00"))}]
    assert translate.refund_created(SHOP, body).refunded.shipping == 0


def test_the_cancelled_sample_yields_its_order_and_time():
    sample = shopify.template("orders/cancelled")
    cmd = translate.order_cancelled(SHOP, sample)
    assert isinstance(cmd, CancelOrder) and cmd.order_id == sample["id"]
    assert cmd.cancelled_at == datetime.fromisoformat(sample["cancelled_at"]).astimezone(UTC)


def test_the_scopes_update_sample_yields_the_scopes_granted_now():
    sample = shopify.template("app/scopes_update")
    assert translate.scopes_updated(SHOP, sample) == tuple(sorted(access_scopes()))


def test_merge_delete_and_the_privacy_samples_yield_their_ids():
    assert translate.customers_merged(SHOP, shopify.template("customers/merge")) == (ADA, ADA + 1)
    assert translate.customer_id(SHOP, shopify.template("customers/delete")) == ADA
    request = shopify.template("customers/data_request")
    assert translate.data_request(SHOP, request) == (request["data_request"]["id"], ADA)
    assert translate.redact_request(SHOP, shopify.template("customers/redact")) == (ADA, "ada@example.com")
    assert set(shopify.template("shop/redact")) == {"shop_id", "shop_domain"}
    assert shopify.template("app/uninstalled")["myshopify_domain"] == SHOP


def test_the_builders_keep_the_samples_shapes():
    for topic, body in (
        ("customers/create", shopify.customer(ADA)),
        ("orders/paid", shopify.order_paid(5501, ADA)),
        ("refunds/create", shopify.refund(77, 5501, shipping="1.00")),
        ("customers_email_marketing_consent/update", shopify.email_consent(ADA)),
    ):
        assert set(body) == set(shopify.template(topic)), topic
    assert json.loads(json.dumps(shopify.refund(77, 5501, shipping="1.00")))["refund_shipping_lines"][0]["shipping_line_id"]
