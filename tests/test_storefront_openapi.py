"""The storefront API's OpenAPI document (the app proxy's and the UI extension surfaces' routes), generated from
the routes' contracts, matches the routes both ways."""

import re

import pytest

from shopify_app.launcher.openapi import document


def proxy_routes(app) -> set[tuple[str, str]]:
    return {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/proxy/", "/surfaces/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


@pytest.fixture
def paths(app) -> dict:
    with app.test_request_context():
        return document()["paths"]


def resolve(schema: dict, served: dict) -> dict:
    """A `$ref` to the document's components as the schema it names."""
    while "$ref" in schema:
        schema = served["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_proxy_route_is_documented_and_every_documented_route_exists(app, paths):
    documented = {(path, method) for path, operations in paths.items() for method in operations}
    assert proxy_routes(app) == documented


def test_the_document_is_served_to_anyone_as_openapi_3_1(client):
    body = client.get("/proxy/openapi.json").get_json()
    assert body["openapi"] == "3.1.0" and "/proxy/redeem" in body["paths"]
    guarded = {path: ops for path, ops in body["paths"].items() if path != "/proxy/openapi.json"}
    assert all("401" in op["responses"] for ops in guarded.values() for op in ops.values())
    proxied = {path: ops for path, ops in guarded.items() if path.startswith("/proxy/")}
    assert all(op["security"] == [{"appProxySignature": []}] for ops in proxied.values() for op in ops.values())
    surfaces = {path: ops for path, ops in guarded.items() if path.startswith("/surfaces/")}
    schemes = {scheme for ops in surfaces.values() for op in ops.values() for alternative in op["security"] for scheme in alternative}
    assert schemes == {"customerAccountSessionToken", "checkoutSessionToken", "posSessionToken"}


def test_every_answer_and_every_request_body_has_a_schema(client):
    served = client.get("/proxy/openapi.json").get_json()
    for path, operations in served["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if status == "302":
                    continue  # the referral link's redirect has no body
                schema = resolve(answer["content"]["application/json"]["schema"], served)
                assert schema.get("properties") or schema.get("additionalProperties"), (method, path, status)
            if "requestBody" in operation:
                assert resolve(operation["requestBody"]["content"]["application/json"]["schema"], served)["properties"]


def test_the_locale_and_the_idempotency_key_are_documented(paths):
    for path in ("/proxy/program", "/proxy/member", "/proxy/redeem", "/proxy/birthday", "/proxy/actions/{key}"):
        operation = next(iter(paths[path].values()))
        assert "locale" in [p["name"] for p in operation["parameters"] if p["in"] == "query"], path
    redeem = paths["/proxy/redeem"]["post"]
    assert [p["name"] for p in redeem["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    assert set(paths["/proxy/r/{code}"]["get"]["responses"]) == {"302", "401"}


def test_the_newsletter_subscription_and_its_refusals_are_documented(client):
    served = client.get("/proxy/openapi.json").get_json()
    operation = served["paths"]["/proxy/actions/{key}"]["post"]
    assert "newsletter" in operation["summary"] and "once ever" in operation["summary"]
    assert {"200", "400", "401", "404", "409", "422", "502"} <= set(operation["responses"])
    network = resolve(operation["requestBody"]["content"]["application/json"]["schema"], served)["properties"]["network"]
    assert any("instagram" in choice.get("enum", []) for choice in network["anyOf"])


def test_earn_entries_document_a_follows_network_and_profile_url(client):
    served = client.get("/proxy/openapi.json").get_json()
    ok = served["paths"]["/proxy/program"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    earn = resolve(resolve(ok, served)["properties"]["earn"]["items"], served)
    assert {"network", "url"} <= set(earn["required"])
    network = [choice for choice in earn["properties"]["network"]["anyOf"] if "enum" in choice]
    assert "tiktok" in network[0]["enum"] and {"type": "null"} in earn["properties"]["network"]["anyOf"]
    assert earn["properties"]["url"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
