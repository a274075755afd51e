"""Which collections products are in: asked of the Admin API (ProductCollections) by a
fill job, never inside a delivery's transaction.

An order is priced from the cache (loyalty/multipliers.py). What the cache
misses is handed to `for_shop(...)`, which enqueues `fill_job` for those
products; the job asks Shopify with no transaction open and writes the cache in
a short one of its own. A product is asked about at most once per
ASK_AGAIN_SECONDS, so a burst of orders for it makes one job, and a fill that
failed (a lapsed token, Shopify down) is asked again by a later order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.multipliers import remember_collections
from shopify_app.shop import tokens
from shopify_app.shop.shops import any_shop
from shopify_app.shopify.admin_client import AdminClient

# `nodes` takes up to 250 ids; 50 keeps each query's cost well inside the bucket.
CHUNK = 50
# How long a product asked about is not asked about again (a job waiting or failed).
ASK_AGAIN_SECONDS = 600
FAILED_JOB_SECONDS = 7 * 24 * 3600

log = logging.getLogger(__name__)


def _legacy_id(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1])


def lookup(client: AdminClient) -> Callable[[list[int]], dict[int, list[int]]]:
    def collections_of(product_ids: list[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for start in range(0, len(product_ids), CHUNK):
            ids = [f"gid://shopify/Product/{pid}" for pid in product_ids[start : start + CHUNK]]
            for node in client.execute("ProductCollections", {"ids": ids})["nodes"]:
                if node and node.get("__typename") == "Product":
                    found[_legacy_id(node["id"])] = [_legacy_id(c["id"]) for c in node["collections"]["nodes"]]
        return found

    return collections_of


def for_shop(q: Queue, shop_domain: str) -> Callable[[list[int]], None]:
    """What an order of the shop does with products the cache missed: ask for a fill job on `q`, the caller's queue.

    Runs inside the order's transaction, so it only talks to Redis, and a Redis
    failure is logged, not raised: the order is priced by the miss rule either way.
    """
    return lambda product_ids: request_fill(q, shop_domain, product_ids)


def asked_key(shop_domain: str, product_id: int) -> str:
    return f"perks:collections-asked:{shop_domain}:{product_id}"


def request_fill(q: Queue, shop_domain: str, product_ids: list[int]) -> list[int]:
    """Enqueue one fill job for the products not asked about lately; the ids it was enqueued for."""
    try:
        with q.connection.pipeline(transaction=False) as pipe:
            for pid in product_ids:
                pipe.set(asked_key(shop_domain, pid), 1, nx=True, ex=ASK_AGAIN_SECONDS)
            asked = [pid for pid, new in zip(product_ids, pipe.execute(), strict=True) if new]
        if asked:
            q.enqueue(fill_job, shop_domain, asked, result_ttl=0, failure_ttl=FAILED_JOB_SECONDS)
        return asked
    except RedisError as error:
        log.warning("collections of %s in %s not asked for (%r): a later order asks again", product_ids, shop_domain, error)
        return []


def fill(
    sessions: sessionmaker[Session],
    shop_domain: str,
    product_ids: list[int],
    collections_of: Callable[[list[int]], dict[int, list[int]]],
    *,
    now: datetime | None = None,
) -> None:
    """Ask Shopify with no transaction open, then write the answers in a short transaction."""
    now = now or datetime.now(UTC)
    found = collections_of(product_ids)
    with UnitOfWork(sessions) as uow:
        remember_collections(uow.session, any_shop(uow.session, shop_domain).id, product_ids, found, now)
        uow.commit()


def fill_job(shop_domain: str, product_ids: list[int]) -> None:
    """rq job: fill the cache for products an order missed. A failure fails this job only."""
    runtime = current()
    fill(runtime.sessions, shop_domain, product_ids, lookup(tokens.admin_client(runtime.sessions, runtime.settings, shop_domain)))
