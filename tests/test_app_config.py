"""shopify.app.toml says what the code does: every subscribed topic is handled and every handler subscribed."""

import tomllib
from pathlib import Path

from shopify_app.shopify.version import API_VERSION
from webhooks.handlers import HANDLERS

CONFIG = tomllib.loads((Path(__file__).parent.parent / "shopify.app.toml").read_text())
COMPLIANCE = {"customers/data_request", "customers/redact", "shop/redact"}


def subscribed(key: str) -> set[str]:
    return {topic for sub in CONFIG["webhooks"]["subscriptions"] for topic in sub.get(key, [])}


def test_every_subscribed_topic_has_a_handler_and_every_handler_is_subscribed():
    assert subscribed("topics") | subscribed("compliance_topics") == set(HANDLERS)


def test_the_three_compliance_topics_are_subscribed_as_compliance_topics():
    assert subscribed("compliance_topics") == COMPLIANCE


def test_every_subscription_lands_on_the_one_webhook_endpoint():
    assert {sub["uri"] for sub in CONFIG["webhooks"]["subscriptions"]} == {"/webhooks"}


def test_webhooks_use_the_pinned_api_version():
    assert CONFIG["webhooks"]["api_version"] == API_VERSION


def test_the_app_is_embedded_with_only_the_scopes_perks_uses():
    assert CONFIG["embedded"] is True
    assert set(CONFIG["access_scopes"]["scopes"].split(",")) == {
        "read_orders",
        "read_products",
        "write_customers",
        "write_discounts",
        "write_store_credit_account_transactions",
    }


def test_the_app_proxy_sends_apps_perks_to_the_proxy_endpoints():
    proxy = CONFIG["app_proxy"]
    assert (proxy["prefix"], proxy["subpath"]) == ("apps", "perks")
    assert proxy["url"].endswith("/proxy")


def test_the_extension_directories_hold_the_theme_and_every_flow_extension():
    root = Path(__file__).parent.parent
    declared = [path for pattern in CONFIG["extension_directories"] for path in root.glob(pattern)]
    assert {path.name for path in declared} >= {"theme_extension", "perks-award-points", "perks-move-to-tier"}
    assert all((path / "shopify.extension.toml").exists() for path in declared)
