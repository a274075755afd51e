"""Reconciliation: orders Shopify never delivered (or delivers a day late) reach the ledger anyway.

A scheduled job pages through the shop's orders updated since its last run
and feeds each into the same domain services, under the same idempotency
keys, as the webhooks do: a missed webhook costs a member nothing and a late
one changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.config import Settings
from shopify_app.db import session_factory
from shopify_app.loyalty import checkout, orders
from shopify_app.loyalty.commands import CancelOrder, CustomerProfile, PayOrder, Purchase, PurchaseLine, RefundOrder
from shopify_app.loyalty.shops import installed_shop
from shopify_app.models import Shop
from shopify_app.queue import DELIVERY_RETRY, queue
from shopify_app.unit_of_work import UnitOfWork

from .tokens import admin_client

log = logging.getLogger(__name__)

PAID = {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}
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
    seen, after = 0, None
    while True:
        # Small pages keep each query under Shopify's 1,000-point single-query cost limit.
        variables = {"query": f"updated_at:>='{since.isoformat()}'", "after": after, "first": PAGE_SIZE}
        page = client.execute("Orders", variables)["orders"]
        for order in page["nodes"]:
            with UnitOfWork(sessions) as uow:
                for command in commands_for(shop_domain, order):
                    _apply(uow.session, command)
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


def _apply(session: Session, command) -> None:
    match command:
        case PayOrder():
            checkout.order_paid(session, command)
        case RefundOrder():
            orders.refund_order(session, command)
        case CancelOrder():
            orders.cancel_order(session, command)


def commands_for(shop_domain: str, order: dict) -> list[PayOrder | RefundOrder | CancelOrder]:
    """The commands a GraphQL Admin order implies, in the order its webhooks would come."""
    order_id = _number(order["id"])
    lines = {line["id"]: line for line in order["lineItems"]["nodes"]}
    commands: list[PayOrder | RefundOrder | CancelOrder] = []
    if order["displayFinancialStatus"] in PAID:
        customer = order.get("customer")
        commands.append(
            PayOrder(
                shop_domain=shop_domain,
                order_id=order_id,
                name=order["name"],
                customer=CustomerProfile(customer_id=_number(customer["id"]), email=order.get("email")) if customer else None,
                # As the webhook would: a guest's email, and the time of purchase that promotions are judged by.
                email=order.get("email"),
                placed_at=_time(order.get("processedAt") or order["createdAt"]),
                purchase=Purchase(
                    lines=tuple(_line(line) for line in lines.values()),
                    shipping=_money(order["totalShippingPriceSet"]),
                    tax=_money(order["totalTaxSet"]),
                    taxes_included=order["taxesIncluded"],
                ),
                codes=tuple(order["discountCodes"]),
            )
        )
    for refund in order["refunds"]:
        refunded = []
        for item in refund["refundLineItems"]["nodes"]:
            unit = _money(lines[item["lineItem"]["id"]]["originalUnitPriceSet"]) if item["lineItem"]["id"] in lines else Decimal(0)
            gross = unit * item["quantity"]
            refunded.append(
                PurchaseLine(
                    unit,
                    item["quantity"],
                    discount=gross - _money(item["subtotalSet"]),
                    tax=_money(item["totalTaxSet"]),
                    line_id=_number(item["lineItem"]["id"]),
                )
            )
        commands.append(
            RefundOrder(
                shop_domain=shop_domain, order_id=order_id, refund_id=_number(refund["id"]), refunded=Purchase(lines=tuple(refunded))
            )
        )
    if order["cancelledAt"]:
        commands.append(CancelOrder(shop_domain=shop_domain, order_id=order_id, cancelled_at=_time(order["cancelledAt"])))
    return commands


def _line(line: dict) -> PurchaseLine:
    return PurchaseLine(
        unit_price=_money(line["originalUnitPriceSet"]),
        quantity=line["quantity"],
        discount=sum((_money(a["allocatedAmountSet"]) for a in line["discountAllocations"]), Decimal(0)),
        tax=sum((_money(t["priceSet"]) for t in line["taxLines"]), Decimal(0)),
        line_id=_number(line["id"]),
        product_id=_number(line["product"]["id"]) if line.get("product") else None,
    )


def _time(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def _money(bag: dict) -> Decimal:
    return Decimal(bag["shopMoney"]["amount"])


def _number(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1])


def reconcile_job(shop_domain: str) -> int:
    """rq entry point: one shop, with the worker's own settings."""
    settings = Settings.from_env()
    return reconcile_shop(session_factory(settings.database_url), settings, shop_domain)


def reconcile_all_job() -> int:
    """rq entry point for the cron: one job per installed shop, so shops reconcile in parallel."""
    settings = Settings.from_env()
    with UnitOfWork(session_factory(settings.database_url)) as uow:
        domains = installed_shops_with_tokens(uow.session)
    q = queue(settings.redis_url, settings.queue_name)
    for domain in domains:
        q.enqueue(reconcile_job, domain, job_id=f"reconcile-{domain.replace('.', '-')}", retry=DELIVERY_RETRY)
    return len(domains)
