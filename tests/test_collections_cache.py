"""Collection multipliers never call Shopify inside an order's transaction.

An order is priced from the product -> collections cache alone. A product the
cache does not know (a miss) earns as if it were in no collection: its own
product multiplier if it has one, else 1x, and that price is final. The miss
asks for a fill job, which reads the Admin API outside any delivery's
transaction and writes the cache in a short one of its own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import update

from perks_dev import shopify_payloads as shopify
from shopify_app.core.errors import LoyaltyError
from shopify_app.core.queue import queue
from shopify_app.earn.models import ProductCollectionsCache
from shopify_app.earn.multipliers import set_multiplier
from shopify_app.ledger import orders
from shopify_app.ledger.commands import CustomerProfile, PayOrder, Purchase, PurchaseLine
from shopify_app.shopify import collections
from shopify_app.shopify.errors import AdminApiError
from tests.conftest import SETTINGS
from tests.rules_helpers import in_shop

ADA = 7012345678901
HOODIE, MUG = 9101, 9102  # products: the hoodie 3x on its own, the mug in the 2x collection
GIFTS = 7101
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def multipliers_set(sessions, shop) -> None:
    def setup(session, sh, p):
        set_multiplier(session, sh.id, "product", HOODIE, Decimal(3))
        set_multiplier(session, sh.id, "collection", GIFTS, Decimal(2))

    in_shop(sessions, shop, setup)


def pay(sessions, shop, order_id, *, on_miss, now=NOW) -> int:
    """40.00 of hoodie and 2 x 15.00 of mugs: 40 x 3 + 30 x (2 if the mug's collection is known, else 1)."""
    lines = (
        PurchaseLine(Decimal("40.00"), 1, Decimal(0), product_id=HOODIE),
        PurchaseLine(Decimal("15.00"), 2, Decimal(0), product_id=MUG),
    )
    cmd = PayOrder(shop, order_id, f"#{order_id}", CustomerProfile(ADA), Purchase(lines=lines), placed_at=now)
    return in_shop(sessions, shop, lambda s, sh, p: orders.pay_order(s, cmd, now=now, collections=on_miss).points_earned)


def test_an_order_with_a_collection_multiplier_is_done_when_shopify_cannot_be_reached(webhooks, balance, sessions, shop):
    """The workers have no token for this shop: the old code asked the Admin API inside the batch's
    transaction, got a LoyaltyError and marked the order failed for good."""
    multipliers_set(sessions, shop)
    payload = shopify.order_paid(3101, ADA, lines=((Decimal("40.00"), 1, 0), (Decimal("15.00"), 2, 0)))
    payload["line_items"][0]["product_id"], payload["line_items"][1]["product_id"] = HOODIE, MUG
    assert webhooks.processed(webhooks.send("orders/paid", payload)) == "done"
    # The miss rule: the mug's collections are unknown, so it earns 1x; the hoodie its own 3x.
    assert balance(ADA) == 40 * 3 + 30


def test_a_miss_is_priced_by_the_rule_without_a_request_and_the_fill_runs_outside(sessions, shop, fake_admin):
    fake_admin.state.add_product(shop, id=MUG, collections=[{"id": GIFTS, "title": "Gifts"}])
    fake_admin.state.add_product(shop, id=HOODIE)
    multipliers_set(sessions, shop)
    missed: list[int] = []

    assert pay(sessions, shop, 3201, on_miss=missed.extend) == 40 * 3 + 30
    assert missed == [HOODIE, MUG]
    assert len(fake_admin.state.requests) == 0, "Shopify was asked inside the order's transaction"

    # The fill job's work: the Admin API first, then a short transaction of its own.
    collections.fill(sessions, shop, missed, collections.lookup(fake_admin.client(shop)), now=NOW)
    asked = len(fake_admin.state.requests)
    assert asked == 1

    missed.clear()
    assert pay(sessions, shop, 3202, on_miss=missed.extend) == 40 * 3 + 30 * 2
    assert missed == [] and len(fake_admin.state.requests) == asked
    # The first order keeps the price it was given: no re-pricing, nothing paid twice.
    assert pay(sessions, shop, 3201, on_miss=missed.extend) == 40 * 3 + 30


def test_a_stale_entry_prices_the_order_and_asks_for_a_refresh(sessions, shop, fake_admin):
    fake_admin.state.add_product(shop, id=MUG, collections=[{"id": GIFTS, "title": "Gifts"}])
    fake_admin.state.add_product(shop, id=HOODIE)
    multipliers_set(sessions, shop)
    collections.fill(sessions, shop, [HOODIE, MUG], collections.lookup(fake_admin.client(shop)), now=NOW - timedelta(days=3))
    in_shop(sessions, shop, lambda s, sh, p: s.execute(
        update(ProductCollectionsCache).where(ProductCollectionsCache.shop_id == sh.id, ProductCollectionsCache.product_id == HOODIE)
        .values(fetched_at=NOW)
    ))  # fmt: skip
    missed: list[int] = []
    assert pay(sessions, shop, 3301, on_miss=missed.extend) == 40 * 3 + 30 * 2
    assert missed == [MUG]


def test_a_fill_that_cannot_reach_shopify_writes_nothing_and_the_next_order_is_still_priced(sessions, shop, fake_admin):
    fake_admin.state.add_product(shop, id=MUG, collections=[{"id": GIFTS, "title": "Gifts"}])
    multipliers_set(sessions, shop)
    lapsed = fake_admin.client(shop)
    fake_admin.state.expire_access_tokens(shop)
    with pytest.raises(AdminApiError):
        collections.fill(sessions, shop, [MUG], collections.lookup(lapsed), now=NOW)
    missed: list[int] = []
    assert pay(sessions, shop, 3401, on_miss=missed.extend) == 40 * 3 + 30
    assert missed == [HOODIE, MUG]


def test_a_miss_asks_for_one_fill_job_per_product_a_while_and_a_redis_outage_is_not_the_orders_failure(shop):
    q = queue(SETTINGS.redis_url, f"test-collections-{uuid.uuid4().hex[:8]}")
    try:
        assert collections.request_fill(q, shop, [1, 2]) == [1, 2]
        assert collections.request_fill(q, shop, [2, 3]) == [3]
        assert [(job.func_name, job.args) for job in q.jobs] == [
            ("shopify_app.shopify.collections.fill_job", (shop, [1, 2])),
            ("shopify_app.shopify.collections.fill_job", (shop, [3])),
        ]
    finally:
        q.empty()
        q.connection.delete(*(collections.asked_key(shop, pid) for pid in (1, 2, 3)))
    down = Queue("nowhere", connection=Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.2))
    assert collections.request_fill(down, shop, [4]) == []


def test_a_fill_job_for_a_shop_without_a_token_fails_as_a_job_not_as_an_order(shop):
    with pytest.raises(LoyaltyError):
        collections.fill_job(shop, [MUG])
