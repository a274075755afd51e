"""The app proxy's signature is checked as strictly as Shopify's own library checks it.

@shopify/shopify-api (validateHmac, signator 'appProxy') refuses a query in
which `shop`, `timestamp`, `signature` or `hmac` appear more than once, and a
timestamp more than 90 s from now. A repeated parameter is signed joined by
commas, so such a query can carry a valid signature while the reader picks
one of its values: the tests below sign every query correctly.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from perks_dev import shopify_payloads as shopify
from shopify_app.core.config import Settings
from shopify_app.shop.app_proxy import InvalidProxyRequest, verify
from tests.fixtures.app_proxy import signed_pairs, signed_query

ADA, GRACE = 7012345678911, 7012345678912
SECRET = "hush-" + "x" * 32


def secret_of(app) -> str:
    return app.extensions["perks"].settings.shopify_api_secret


def get_member(client, pairs: list[tuple[str, str]]):
    return client.get("/proxy/member?" + urlencode(pairs))


def pairs_for(shop: str, customer: int, **changes: str) -> list[tuple[str, str]]:
    base = {"shop": shop, "logged_in_customer_id": str(customer), "path_prefix": "/apps/perks", "timestamp": str(int(time.time()))}
    return list((base | changes).items())


@pytest.fixture
def members_with_points(webhooks):
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(6101, ADA, email="ada@example.com")))
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(6102, GRACE, email="grace@example.com")))


def test_a_correctly_signed_query_with_one_of_each_is_answered(client, app, shop):
    query = signed_pairs(pairs_for(shop, ADA), secret_of(app))
    assert get_member(client, query).status_code == 200


def test_a_repeated_logged_in_customer_is_refused_not_read_as_the_last_one(client, app, shop, members_with_points):
    now = str(int(time.time()))
    query = signed_pairs(
        [
            ("shop", shop),
            ("logged_in_customer_id", str(ADA)),
            ("logged_in_customer_id", str(GRACE)),
            ("path_prefix", "/apps/perks"),
            ("timestamp", now),
        ],
        secret_of(app),
    )
    response = get_member(client, query)
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["error"] == "invalid_signature"


def test_a_repeated_shop_is_refused(client, app, shop):
    query = signed_pairs(
        [
            ("shop", "someone-else.myshopify.com"),
            ("shop", shop),
            ("logged_in_customer_id", str(ADA)),
            ("path_prefix", "/apps/perks"),
            ("timestamp", str(int(time.time()))),
        ],
        secret_of(app),
    )
    assert get_member(client, query).status_code == 401


def test_a_repeated_timestamp_cannot_smuggle_a_stale_request_in(client, app, shop):
    query = signed_pairs(
        [
            ("shop", shop),
            ("logged_in_customer_id", str(ADA)),
            ("path_prefix", "/apps/perks"),
            ("timestamp", str(int(time.time()) - 3600)),
            ("timestamp", str(int(time.time()))),
        ],
        secret_of(app),
    )
    assert get_member(client, query).status_code == 401


def test_other_repeated_parameters_are_signed_joined_and_accepted(client, app, shop):
    query = signed_pairs([*pairs_for(shop, ADA), ("ids", "1"), ("ids", "2")], secret_of(app))
    assert get_member(client, query).status_code == 200


def test_the_default_skew_is_shopifys_90_seconds():
    assert Settings().proxy_max_age_seconds == 90


@pytest.mark.parametrize(("age", "accepted"), [(85, True), (-85, True), (95, False), (-95, False), (240, False)])
def test_a_timestamp_more_than_90_seconds_from_now_is_refused(client, app, shop, age, accepted):
    query = signed_query(shop, ADA, secret_of(app), timestamp=str(int(time.time()) - age))
    assert (client.get("/proxy/member", query_string=query).status_code == 200) is accepted, age


@pytest.mark.parametrize("key", ["shop", "timestamp", "signature", "logged_in_customer_id", "hmac"])
def test_verify_names_the_repeated_parameter(key):
    now = time.time()
    pairs = [("shop", "a.myshopify.com"), ("logged_in_customer_id", "1"), ("timestamp", str(int(now))), ("hmac", "x")]
    if key != "signature":
        pairs.append((key, dict(pairs)[key]))  # the same value twice: still refused
    query = signed_pairs(pairs, SECRET)
    if key == "signature":
        query.append(query[-1])
    with pytest.raises(InvalidProxyRequest, match=f"'{key}' must not appear more than once"):
        verify(query, SECRET, max_age=90, now=now)


@pytest.mark.parametrize("customer", ["3²", "٣", str(2**70), "0", "-3"])
def test_a_signed_customer_id_that_is_not_an_id_is_logged_out_not_a_server_error(client, app, shop, customer):
    query = signed_pairs(pairs_for(shop, ADA, logged_in_customer_id=customer), secret_of(app))
    response = get_member(client, query)
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"
    assert client.get("/proxy/program?" + urlencode(query)).status_code == 200  # a visitor may still look
