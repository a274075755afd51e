"""The operator's command line."""

import uuid

from perks_dev import shopify_payloads as shopify
from shopify_app import create_app
from shopify_app.core.config import Settings

ADA = 7012345678901


def test_shop_add_installs_a_shop_once_and_refuses_a_non_shopify_domain(runner):
    domain = f"c{uuid.uuid4().hex[:10]}.myshopify.com"
    assert runner.invoke(args=["perks", "shop-add", domain]).exit_code == 0
    again = runner.invoke(args=["perks", "shop-add", domain])
    assert again.exit_code == 0 and domain in again.output
    refused = runner.invoke(args=["perks", "shop-add", "example.com"])
    assert refused.exit_code != 0
    assert "not a myshopify.com domain" in refused.output


def test_balance_prints_the_members_integer_balance(webhooks, runner, shop):
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(5001, ADA)))
    result = runner.invoke(args=["perks", "balance", "--shop", shop, "--customer", str(ADA)])
    assert result.exit_code == 0
    assert result.output.strip() == "30"
    unknown = runner.invoke(args=["perks", "balance", "--shop", shop, "--customer", "1"])
    assert unknown.exit_code != 0


def test_replay_processes_a_recorded_delivery_here_and_now(webhooks, runner, shop, balance):
    no_redis = create_app(Settings(redis_url="redis://127.0.0.1:9/0")).test_client()
    body, headers = shopify.delivery(
        "orders/paid", shopify.order_paid(5002, ADA), shop=shop, secret=create_app().extensions["perks"].settings.shopify_api_secret
    )
    delivery_id = no_redis.post("/webhooks", data=body, headers=headers).get_json()["delivery"]
    result = runner.invoke(args=["perks", "replay", str(delivery_id)])
    assert result.output.strip() == f"delivery {delivery_id}: done"
    assert balance(ADA) == 30
    assert runner.invoke(args=["perks", "replay", str(delivery_id)]).output.strip() == f"delivery {delivery_id}: done"
    assert balance(ADA) == 30
