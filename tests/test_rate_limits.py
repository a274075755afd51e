"""Rate limits (shopify_app/shop/rate_limits.py): a script hammering a door gets 429 with Retry-After,
counted per shop and customer on the storefront, per shop on the actions API (the key's shop) and the admin's writes."""

from __future__ import annotations

from shopify_app.shop import rate_limits
from tests.admin_support import Admin

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


def test_the_actions_api_is_limited_per_shop_of_the_key_whatever_key_it_uses(platform):
    platform.install()
    admin = Admin(platform, platform.shop)
    keys = [admin.post("/api/api-keys", json={"name": f"app {n}", "scopes": ["actions:review"]}).get_json()["key"] for n in range(2)]
    allowed = limit_of(rate_limits.ACTIONS_API)

    def call(key: str):
        body = {"customer_id": ADA, "action": "review"}
        return platform.client.post("/api/actions", json=body, headers={"Authorization": f"Bearer {key}"})

    answers = [call(keys[n % 2]).status_code for n in range(allowed)]
    assert 429 not in answers
    assert call(keys[0]).status_code == 429 and call(keys[1]).status_code == 429  # the shop's count, not the key's
    other = "other-" + platform.shop
    platform.install(other)
    other_key = Admin(platform, other).post("/api/api-keys", json={"name": "app", "scopes": ["actions:review"]}).get_json()["key"]
    assert call(other_key).status_code != 429


def test_the_admins_writes_are_limited_per_shop_and_its_reads_are_not(platform):
    platform.install()
    admin = Admin(platform, platform.shop)
    allowed = limit_of(rate_limits.ADMIN_WRITES)
    answers = [admin.post("/api/rewards", json={}).status_code for _ in range(allowed)]
    assert 429 not in answers
    refused = admin.post("/api/rewards", json={})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert admin.get("/api/rewards").status_code == 200
