"""A page opened without a fresh `id_token` gets the bounce page, as Shopify's own libraries answer.

Shopify admin opens the app URL with an `id_token` that lives a minute; a reload,
a bookmark or a link opened later has none that is valid. @shopify/shopify-app-*
then redirect to the bounce page (`/auth/session-token`) with `shopify-reload`
set to the app URL without `id_token`; the bounce page is App Bridge alone, which
fetches a session token and reloads `shopify-reload` with it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

APP_BRIDGE = '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js">'


def expired(platform) -> str:
    return platform.fake.session_token(platform.shop, lifetime=-120)


@pytest.mark.parametrize("token", ["none", "expired", "forged"])
def test_opening_the_app_without_a_valid_id_token_redirects_to_the_bounce_page(platform, token):
    platform.install()
    query = {"shop": platform.shop, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZXhhbXBsZQ", "embedded": "1"}
    if token == "expired":
        query["id_token"] = expired(platform)
    elif token == "forged":
        query["id_token"] = "not.a.token"
    response = platform.client.get("/", query_string=query)

    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.path == "/auth/session-token"
    params = parse_qs(location.query)
    assert "id_token" not in params
    assert {key: values[0] for key, values in params.items() if key != "shopify-reload"} == {
        key: value for key, value in query.items() if key != "id_token"
    }
    [reload] = params["shopify-reload"]
    # Back to the same page, at the app's configured URL, without the dead token.
    assert reload.startswith(platform.settings.app_url.rstrip("/") + "/?")
    assert dict(parse_qsl(urlsplit(reload).query)) == {k: v for k, v in query.items() if k != "id_token"}


def test_the_bounce_page_is_app_bridge_first_and_framed_by_the_shops_admin_only(platform):
    response = platform.client.get("/", query_string={"shop": platform.shop}, follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == f"frame-ancestors https://{platform.shop} https://admin.shopify.com;"
    page = response.get_data(as_text=True)
    api_key = f'<meta name="shopify-api-key" content="{platform.fake.client_id}">'
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == [APP_BRIDGE]  # App Bridge alone, synchronous (outside the demo)
    assert page.index(api_key) < page.index(APP_BRIDGE)


def test_the_reload_app_bridge_makes_opens_the_app(platform):
    bounced = platform.client.get("/", query_string={"shop": platform.shop, "host": "abc"})
    [reload] = parse_qs(urlsplit(bounced.location).query)["shopify-reload"]
    # What App Bridge does on the bounce page: the same URL, with a fresh session token.
    again = platform.client.get(urlsplit(reload).path, query_string=dict(parse_qsl(urlsplit(reload).query)) | {
        "id_token": platform.fake.session_token(platform.shop)})
    assert again.status_code == 200
    assert 'id="perks"' in again.get_data(as_text=True)
    assert platform.fake.state.exchange_count[platform.shop] == 1


def test_a_fetch_with_a_bad_token_gets_401_and_app_bridges_retry_header_not_a_page(platform):
    response = platform.client.get("/", query_string={"shop": platform.shop}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    assert response.get_json()["error"] == "invalid_session_token"


@pytest.mark.parametrize("shop", [None, "evil.example.com", "x.myshopify.com; script-src *", "https://x.myshopify.com"])
def test_no_bounce_without_a_shop_domain_that_can_go_into_the_frame_policy(platform, shop):
    query = {"shop": shop} if shop else {}
    assert platform.client.get("/", query_string=query).status_code == 400
    assert platform.client.get("/auth/session-token", query_string=query).status_code == 400

