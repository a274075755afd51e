"""Consent and scopes as Shopify sends them now: customers_email_marketing_consent/update pays the
newsletter rule (customer payloads carry no consent since 2025-01), and app/scopes_update records
the scopes the merchant granted."""

from __future__ import annotations

from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.shop.models import Shop
from tests.rules_helpers import in_shop, keys

ADA = 7012345678901


def newsletter_rule(sessions, shop, points=25):
    in_shop(sessions, shop, lambda s, sh, p: actions.set_rule(s, sh, "newsletter", points=points))


def test_consent_given_at_checkout_pays_the_newsletter_rule_once_however_often_it_is_toggled(webhooks, sessions, shop, balance):
    newsletter_rule(sessions, shop)
    webhooks.processed(webhooks.send("customers/create", shopify.customer(ADA)))
    assert balance(ADA) == 0
    for state in ["subscribed", "unsubscribed", "subscribed", "not_subscribed", "subscribed"]:
        assert webhooks.processed(webhooks.send("customers_email_marketing_consent/update", shopify.email_consent(ADA, state))) == "done"
    assert balance(ADA) == 25
    assert [k for k, _ in keys(sessions, shop)] == [f"action:newsletter:{ADA}:ever:1"]


def test_consent_for_a_customer_perks_has_not_seen_makes_the_member_and_pays(webhooks, sessions, shop, balance):
    newsletter_rule(sessions, shop)
    webhooks.processed(webhooks.send("customers_email_marketing_consent/update", shopify.email_consent(ADA)))
    assert balance(ADA) == 25


def test_unsubscribed_or_pending_consent_pays_nothing(webhooks, sessions, shop, balance):
    newsletter_rule(sessions, shop)
    for state in ["unsubscribed", "pending", "not_subscribed"]:
        webhooks.processed(webhooks.send("customers_email_marketing_consent/update", shopify.email_consent(ADA, state)))
    assert balance(ADA) == 0


def granted(sessions, shop) -> str | None:
    with UnitOfWork(sessions) as uow:
        return uow.session.scalar(select(Shop.scopes).where(Shop.domain == shop))


def test_app_scopes_update_records_the_granted_scopes_and_a_repeat_changes_nothing(webhooks, sessions, shop):
    payload = shopify.template("app/scopes_update")
    for _ in range(2):
        assert webhooks.processed(webhooks.send("app/scopes_update", payload)) == "done"
        assert granted(sessions, shop) == ",".join(sorted(payload["current"]))
    payload["previous"], payload["current"] = payload["current"], ["read_orders", "write_customers"]
    webhooks.processed(webhooks.send("app/scopes_update", payload))
    assert granted(sessions, shop) == "read_orders,write_customers"
