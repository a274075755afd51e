"""shopify.app.toml asks for exactly the scopes Perks needs, by Shopify's own schema.

What a document needs is read from the `requiredAccess` notes of every field,
type and mutation it touches; what a webhook topic needs from its description
in WebhookSubscriptionTopic. Both are computed, so a new document or topic is
covered the day it is added.
"""

import pytest

from shopify_app.shopify import documents
from shopify_app.shopify.app_config import access_scopes, app_config, webhook_topics
from shopify_app.shopify.schema import (
    document_requirement,
    granted_scopes,
    parse_access,
    satisfies,
    topic_requirement,
)

# Not in the schema: an app proxy needs write_app_proxy.
APP_PROXY = (frozenset({"write_app_proxy"}),)


def needs() -> dict[str, tuple]:
    """Every document, topic and the app proxy, with the scope clauses each needs."""
    out = {f"{name}.graphql": document_requirement(documents.load(name)) for name in documents.names()}
    out |= {f"topic {topic}": topic_requirement(topic) for topic in webhook_topics()}
    if "app_proxy" in app_config():
        out["[app_proxy]"] = APP_PROXY
    return out


@pytest.mark.parametrize("name", sorted(needs()))
def test_the_toml_grants_what_each_document_and_topic_needs(name):
    requirement = needs()[name]
    granted = granted_scopes(access_scopes())
    missing = [sorted(clause) for clause in requirement if not clause & granted]
    assert not missing, f"{name} needs one of each of {missing}; shopify.app.toml does not ask for them"


def test_the_toml_asks_for_no_scope_more_than_needed():
    everything = [clause for requirement in needs().values() for clause in requirement]
    scopes = access_scopes()
    assert len(scopes) == len(set(scopes))
    for scope in scopes:
        without = granted_scopes([s for s in scopes if s != scope])
        assert not all(clause & without for clause in everything), f"{scope} is asked for but nothing needs it"


def test_the_scopes_perks_needs_today():
    assert set(access_scopes()) == {
        "read_customer_merge",  # customers/merge
        "read_orders",  # orders, refunds, line items; orders/paid, orders/cancelled, refunds/create
        "read_products",  # products and collections (multipliers)
        "read_store_credit_accounts",  # Customer.storeCreditAccounts (the referral claim's customer)
        "write_app_proxy",  # the storefront's /apps/perks
        "write_customers",  # consent, tags, metafields; reads customers
        "write_discounts",  # reward codes; reads them back
        "write_store_credit_account_transactions",  # store credit rewards
    }


def test_the_store_credit_and_merge_needs_come_from_the_schema():
    assert frozenset({"read_store_credit_accounts"}) in document_requirement(documents.load("Customer"))
    assert topic_requirement("customers/merge") == (frozenset({"read_customer_merge"}),)
    assert topic_requirement("orders/paid") == (frozenset({"read_orders", "read_marketplace_orders"}),)
    assert topic_requirement("app/uninstalled") == ()


def test_a_write_grants_the_read_of_the_same_resource_only():
    granted = granted_scopes("write_customers")
    assert satisfies(granted, parse_access("`read_customers` access scope."))
    assert not satisfies(granted, parse_access("`read_orders` access scope."))
    assert not satisfies(granted_scopes("write_store_credit_account_transactions"),
                         parse_access("`read_store_credit_accounts` access scope."))


def test_notes_read_as_clauses():
    assert parse_access("`read_orders` access scope, `read_marketplace_orders` access scope or "
                        "`read_quick_sale` access scope.") == (
        frozenset({"read_orders", "read_marketplace_orders", "read_quick_sale"}),)
    assert parse_access("`read_customers` access scope. Also: Requires `read_customer_payment_methods` scope.") == (
        frozenset({"read_customers"}), frozenset({"read_customer_payment_methods"}))
    assert parse_access("The user must have access to payouts.") == ()
