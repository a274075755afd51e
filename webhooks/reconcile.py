"""Reconciliation: orders Shopify never delivered (or delivers a day late) reach the ledger anyway.

A scheduled job pages through the shop's orders updated since its last run
and feeds each into the same domain services, under the same idempotency
keys, as the webhooks do: a missed webhook costs a member nothing and a late
one changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from rq import Queue
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.core.queue import DELIVERY_RETRY, queue
from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import checkout, orders
from shopify_app.ledger.commands import CancelOrder, PayOrder, RefundOrder
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop
from shopify_app.shop.tokens import admin_client
from shopify_app.shopify import collections
from shopify_app.shopify.admin_client import AdminClient
from webhooks import translate

log = logging.getLogger(__name__)

# Look this far back on a shop's first run, and overlap runs a little so an
# order updated while the last run was paging is not missed.
FIRST_LOOKBACK = timedelta(days=3)
OVERLAP = timedelta(minutes=5)
PAGE_SIZE = 3


def reconcile_shop(sessions: sessionmaker[Session], settings: Settings, shop_domain: str) -> int:
    """Apply every order updated since the last run; returns how many orders were read."""
    started = datetime.now(UTC)
    with UnitOfWork(sessions) as uow:
        since = installed_shop(uow.session, shop_domain).reconciled_until or started - FIRST_LOOKBACK
    client = admin_client(sessions, settings, shop_domain)
    fills = queue(settings.redis_url, settings.queue_name)
    seen, after = 0, None
    while True:
        # Small pages keep each query under Shopify's 1,000-point single-query cost limit.
        variables = {"query": f"updated_at:>='{since.isoformat()}'", "after": after, "first": PAGE_SIZE}
        page = client.execute("Orders", variables)["orders"]
        for order in page["nodes"]:
            # The rest of its pages are read before its transaction opens: no Admin API call holds a row lock.
            commands = translate.admin_order(shop_domain, read_whole(client, order))
            with UnitOfWork(sessions) as uow:
                for command in commands:
                    _apply(uow.session, command, fills)
                uow.commit()
            seen += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    with UnitOfWork(sessions) as uow:
        installed_shop(uow.session, shop_domain).reconciled_until = started - OVERLAP
        uow.commit()
    log.info("reconciled %d orders of %s", seen, shop_domain)
    return seen


def installed_shops_with_tokens(session: Session) -> list[str]:
    return list(session.scalars(select(Shop.domain).where(Shop.uninstalled_at.is_(None), Shop.access_token_encrypted.is_not(None))))


def _apply(session: Session, command: PayOrder | RefundOrder | CancelOrder, fills: Queue) -> None:
    match command:
        case PayOrder():
            # As the webhook does: products missing from the collections cache are asked for.
            checkout.order_paid(session, command, collections=collections.for_shop(fills, command.shop_domain))
        case RefundOrder():
            orders.refund_order(session, command)
        case CancelOrder():
            orders.cancel_order(session, command)


def read_whole(client: AdminClient, order: dict) -> dict:
    """The order with every page of its line and refund line connections read (Orders reads the first)."""
    order["lineItems"]["nodes"] = _all_nodes(client, "OrderLineItems", order["id"], ("order", "lineItems"), order["lineItems"])
    for refund in order["refunds"]:
        for document, field in (("RefundLineItems", "refundLineItems"), ("RefundShippingLines", "refundShippingLines")):
            refund[field]["nodes"] = _all_nodes(client, document, refund["id"], ("node", field), refund[field])
    return order


def _all_nodes(client: AdminClient, document: str, owner_id: str, path: tuple[str, str], page: dict) -> list[dict]:
    nodes = list(page["nodes"])
    while page["pageInfo"]["hasNextPage"]:
        found = client.execute(document, {"id": owner_id, "after": page["pageInfo"]["endCursor"]})
        page = found[path[0]][path[1]]
        nodes += page["nodes"]
    return nodes


def reconcile_job(shop_domain: str) -> int:
    """rq entry point: one shop, with the worker's own settings."""
    runtime = current()
    return reconcile_shop(runtime.sessions, runtime.settings, shop_domain)


def reconcile_all_job() -> int:
    """rq entry point for the cron: one job per installed shop, so shops reconcile in parallel."""
    runtime = current()
    with UnitOfWork(runtime.sessions) as uow:
        domains = installed_shops_with_tokens(uow.session)
    q = runtime.queue
    for domain in domains:
        q.enqueue(reconcile_job, domain, job_id=f"reconcile-{domain.replace('.', '-')}", retry=DELIVERY_RETRY)
    return len(domains)
