"""The storefront (app proxy) API is described by an OpenAPI document that matches the routes both ways."""

import re

from shopify_app.proxy_openapi import PATHS


def proxy_routes(app) -> set[tuple[str, str]]:
    return {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/proxy/") and rule.endpoint != "proxy_openapi.document"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_proxy_route_is_documented_and_every_documented_route_exists(app):
    documented = {(path, method) for path, operations in PATHS.items() for method in operations}
    assert proxy_routes(app) == documented


def test_the_document_is_served_to_anyone_as_openapi_3_1(client):
    body = client.get("/proxy/openapi.json").get_json()
    assert body["openapi"] == "3.1.0" and "/proxy/redeem" in body["paths"]
    assert all("401" in op["responses"] for ops in body["paths"].values() for op in ops.values())


def test_the_newsletter_subscription_and_its_refusals_are_documented():
    operation = PATHS["/proxy/actions/{key}"]["post"]
    assert "newsletter" in operation["summary"] and "once ever" in operation["summary"]
    assert {"200", "401", "404", "409", "422", "502"} <= set(operation["responses"])
    assert "instagram" in operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["network"]["enum"]


def test_earn_entries_document_a_follows_network_and_profile_url():
    earn = PATHS["/proxy/program"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["earn"]["items"]
    assert {"network", "url"} <= set(earn["properties"]) and "tiktok" in earn["properties"]["network"]["enum"]
    assert earn["properties"]["url"]["type"] == ["string", "null"]
