"""POST /webhooks: what it refuses, and that it answers 200 only once a delivery is safe."""

import json

from sqlalchemy import func, select

from perks_dev import shopify_payloads as shopify
from shopify_app import create_app
from shopify_app.core.config import Settings
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import LedgerEntry
from shopify_app.shop.models import Shop
from webhooks.models import WebhookDelivery

ADA = 7012345678901


def recorded(sessions, shop_domain: str) -> tuple[int, int]:
    """How many deliveries and ledger entries the shop has."""
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalar(select(Shop.id).where(Shop.domain == shop_domain))
        deliveries = uow.session.scalar(select(func.count()).where(WebhookDelivery.shop_id == shop_id))
        entries = uow.session.scalar(select(func.count()).where(LedgerEntry.shop_id == shop_id))
        return deliveries, entries


def test_a_forged_hmac_is_refused_with_401_and_changes_nothing(webhooks, sessions, shop):
    response = webhooks.send("orders/paid", shopify.order_paid(1), secret="not-the-app-secret")
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_hmac"
    assert recorded(sessions, shop) == (0, 0)


def test_a_missing_hmac_is_refused_with_401(client, sessions, shop):
    body, headers = shopify.delivery("orders/paid", shopify.order_paid(1), shop=shop, secret="x")
    del headers["X-Shopify-Hmac-Sha256"]
    assert client.post("/webhooks", data=body, headers=headers).status_code == 401
    assert recorded(sessions, shop) == (0, 0)


def test_a_body_tampered_after_signing_is_refused(client, sessions, shop, app):
    body, headers = shopify.delivery(
        "orders/paid", shopify.order_paid(1), shop=shop, secret=app.extensions["perks"].settings.shopify_api_secret
    )
    tampered = body.replace(b'"30.00"', b'"3000.00"')
    assert client.post("/webhooks", data=tampered, headers=headers).status_code == 401
    assert recorded(sessions, shop) == (0, 0)


def test_bad_json_is_refused_with_400_and_changes_nothing(webhooks, sessions, shop):
    response = webhooks.send("orders/paid", b'{"id": 1, "line_items": [')
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"
    assert webhooks.send("orders/paid", b"[1, 2, 3]").status_code == 400
    assert recorded(sessions, shop) == (0, 0)


def test_an_oversized_body_is_refused_with_413_and_changes_nothing(webhooks, sessions, shop, app):
    limit = app.extensions["perks"].settings.webhook_max_bytes
    payload = shopify.order_paid(1)
    payload["note"] = "x" * limit
    response = webhooks.send("orders/paid", payload)
    assert response.status_code == 413
    assert recorded(sessions, shop) == (0, 0)


def test_a_delivery_without_a_webhook_id_is_refused_with_400(webhooks, sessions, shop):
    response = webhooks.send("orders/paid", shopify.order_paid(1), headers={"X-Shopify-Webhook-Id": ""})
    assert response.status_code == 400
    assert recorded(sessions, shop) == (0, 0)


def test_a_shop_that_never_installed_perks_is_answered_but_nothing_is_kept(client, sessions):
    body, headers = shopify.delivery(
        "orders/paid",
        shopify.order_paid(1),
        shop="stranger.myshopify.com",
        secret=create_app().extensions["perks"].settings.shopify_api_secret,
    )
    response = client.post("/webhooks", data=body, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "ignored"


def test_when_the_database_is_down_the_answer_is_503_and_shopifys_retry_then_lands(webhooks, balance, shop, sessions):
    payload = shopify.order_paid(1001, ADA)
    down = create_app(Settings(database_url="postgresql://perks@127.0.0.1:9/perks")).test_client()
    body, headers = shopify.delivery(
        "orders/paid", payload, shop=shop, secret=create_app().extensions["perks"].settings.shopify_api_secret, webhook_id="retry-me"
    )
    refused = down.post("/webhooks", data=body, headers=headers)
    assert refused.status_code == 503
    assert refused.get_json()["error"] == "unavailable"
    assert recorded(sessions, shop) == (0, 0)

    # Shopify retries the same delivery (same webhook id) once we are back.
    assert webhooks.processed(webhooks.client.post("/webhooks", data=body, headers=headers)) == "done"
    assert balance(ADA) == 30


def test_when_redis_is_down_the_delivery_is_kept_and_the_sweeper_processes_it_later(webhooks, balance, shop, sessions, runner):
    no_redis = create_app(Settings(redis_url="redis://127.0.0.1:9/0")).test_client()
    body, headers = shopify.delivery(
        "orders/paid", shopify.order_paid(1002, ADA), shop=shop, secret=create_app().extensions["perks"].settings.shopify_api_secret
    )
    response = no_redis.post("/webhooks", data=body, headers=headers)
    assert response.status_code == 200
    delivery_id = response.get_json()["delivery"]
    assert recorded(sessions, shop) == (1, 0)

    result = runner.invoke(args=["perks", "sweep", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert "enqueued" in result.output
    assert webhooks.wait_for(delivery_id) == "done"
    assert balance(ADA) == 30


def test_the_delivery_is_kept_with_its_headers_and_raw_payload(webhooks, sessions, shop):
    payload = shopify.order_paid(1003, ADA)
    response = webhooks.send("orders/paid", payload, webhook_id="wh-1003", event_id="ev-1003")
    webhooks.processed(response)
    with UnitOfWork(sessions) as uow:
        delivery = uow.session.get(WebhookDelivery, response.get_json()["delivery"])
        assert json.loads(delivery.payload) == payload
        assert delivery.headers["X-Shopify-Webhook-Id"] == "wh-1003"
        assert delivery.headers["X-Shopify-Event-Id"] == "ev-1003"
        assert delivery.headers["X-Shopify-Topic"] == "orders/paid"
        assert "X-Shopify-Hmac-Sha256" not in delivery.headers
