"""The demo mints its own session tokens, and only the demo: production never does."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from perks_dev import demo_app
from shopify_app import create_app

DEMO_SHOP = "perks-demo.myshopify.com"


def test_the_product_app_has_no_way_to_get_a_session_token_even_with_perks_demo(monkeypatch):
    monkeypatch.setenv("PERKS_DEMO", "1")  # allows the development secret, and serves no demo
    client = create_app().test_client()
    assert client.get("/demo/").status_code == 404
    assert client.get("/demo/session-token", query_string={"shop": DEMO_SHOP}).status_code == 404
    assert not any(rule.rule.startswith("/demo") for rule in client.application.url_map.iter_rules())


def test_the_demo_opens_the_demo_shops_admin_with_data_and_refreshes_its_token():
    client = demo_app().test_client()
    opened = client.get("/demo/")
    assert opened.status_code == 302
    query = parse_qs(urlparse(opened.headers["Location"]).query)
    assert query["shop"] == [DEMO_SHOP]

    page = client.get("/", query_string={"shop": DEMO_SHOP, "id_token": query["id_token"][0]})
    assert page.status_code == 200
    assert 'data-demo-token-url="/demo/session-token?shop=perks-demo.myshopify.com"' in page.get_data(as_text=True)

    token = client.get("/demo/session-token", query_string={"shop": DEMO_SHOP}).get_json()["token"]
    members = client.get("/api/members", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert len(members["members"]) == 25 and members["has_more"]
    assert client.get("/demo/session-token", query_string={"shop": "nobody.myshopify.com"}).status_code == 404
