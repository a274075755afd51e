"""shopify.app.toml says what the code does: every subscribed topic is handled and every handler subscribed."""

import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from shopify_app.earn import flow_api
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


def test_the_app_is_embedded():
    assert CONFIG["embedded"] is True  # its scopes: tests/test_access_scopes.py, from what the documents and topics need


def test_the_app_proxy_sends_apps_perks_to_the_proxy_endpoints():
    proxy = CONFIG["app_proxy"]
    assert (proxy["prefix"], proxy["subpath"]) == ("apps", "perks")
    assert proxy["url"].endswith("/proxy")


def test_the_extension_directories_hold_the_theme_and_every_flow_extension():
    root = Path(__file__).parent.parent
    declared = [path for pattern in CONFIG["extension_directories"] for path in root.glob(pattern)]
    assert {path.name for path in declared} >= {"theme_extension", "perks-award-points", "perks-move-to-tier"}
    assert all((path / "shopify.extension.toml").exists() for path in declared)


def test_the_build_section_holds_only_settings_shopify_cli_still_reads():
    # include_config_on_deploy is gone from the CLI's config: the config is always deployed.
    assert set(CONFIG["build"]) <= {"automatically_update_urls_on_dev", "dev_store_url"}


def test_each_flow_action_runs_on_the_application_url_host_at_a_route_perks_serves():
    host = urlsplit(CONFIG["application_url"]).netloc
    routes = Flask(__name__)
    routes.register_blueprint(flow_api.bp)
    served = routes.url_map.bind(host)
    actions = [
        extension
        for path in sorted((Path(__file__).parent.parent / "flow_extensions").glob("*/shopify.extension.toml"))
        for extension in tomllib.loads(path.read_text())["extensions"]
        if extension["type"] == "flow_action"
    ]
    assert {action["handle"] for action in actions} == {"perks-award-points", "perks-move-to-tier"}
    for action in actions:
        url = urlsplit(action["runtime_url"])
        assert (url.scheme, url.netloc) == ("https", host), action["handle"]
        served.match(url.path, method="POST")
