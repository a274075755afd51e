"""Rate limits (shopify_app/rate_limits.py): a script hammering a door gets 429 with Retry-After,
counted per shop and customer on the storefront, per shop on the actions API and the admin's writes."""

from __future__ import annotations

import json

from shopify_app import rate_limits
from tests.admin_support import Admin
from webhooks.signature import sign

ADA, GRACE = 7016100000001, 7016100000002


def limit_of(rate: str) -> int:
    return int(rate.split("/")[0])


def test_a_shopper_past_the_storefront_limit_gets_429_and_another_shopper_does_not(platform):
    platform.install()
    allowed = limit_of(rate_limits.STOREFRONT_WRITES)
    answers = [platform.proxy("POST", "/birthday", ADA, json={}).status_code for _ in range(allowed + 1)]
    assert set(answers[:allowed]) == {400}  # refused for its body, but counted
    refused = platform.proxy("POST", "/birthday", ADA, json={})
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert platform.proxy("POST", "/birthday", GRACE, json={}).status_code == 400  # her own count
    assert platform.proxy("GET", "/member", ADA).status_code == 200  # reads are not limited


def test_the_actions_api_is_limited_per_shop_it_names(platform, client):
    platform.install()
    allowed = limit_of(rate_limits.ACTIONS_API)

    def call(shop: str, secret: str = "not-the-secret"):
        body = json.dumps({"shop": shop, "customer_id": ADA, "action": "review"}).encode()
        headers = {"X-Perks-Hmac-Sha256": sign(body, secret), "Content-Type": "application/json"}
        return client.post("/api/actions", data=body, headers=headers)

    answers = [call(platform.shop).status_code for _ in range(allowed)]
    assert set(answers) == {401}
    assert call(platform.shop, platform.fake.client_secret).status_code == 429  # even signed, past the shop's limit
    assert call("another-shop.myshopify.com").status_code == 401


def test_the_admins_writes_are_limited_per_shop_and_its_reads_are_not(platform):
    platform.install()
    admin = Admin(platform, platform.shop)
    allowed = limit_of(rate_limits.ADMIN_WRITES)
    answers = [admin.post("/api/rewards", json={}).status_code for _ in range(allowed)]
    assert 429 not in answers
    refused = admin.post("/api/rewards", json={})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert admin.get("/api/rewards").status_code == 200
