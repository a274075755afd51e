"""What the forecast replays and compares with: the shop's recorded paid orders, today's rules,
and its redemption rate. The reading side of forecast.py.

The orders come from the raw `orders/paid` payloads kept in
`webhook_deliveries`, turned into purchases by the same translation the
worker used, so a draft rule that counts shipping or tax sees the real
shipping and tax. They are streamed and looked up in batches: a Black Friday
shop's 90 days never sit in memory at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from shopify_app.analytics.forecast import PastOrder, RewardTerms, Rules
from shopify_app.core.errors import InvalidCommand
from shopify_app.earn import promotions
from shopify_app.earn.models import EarnMultiplier, ProductCollectionsCache, Promotion
from shopify_app.ledger.commands import PayOrder
from shopify_app.ledger.models import LedgerEntry, Order, OrderRefund
from shopify_app.ledger.take_back import refund_lines, refund_purchase
from shopify_app.rewards.models import Reward
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import program_of
from webhooks.models import WebhookDelivery
from webhooks.translate import order_paid

BATCH = 500
# The redemption rate is read over a year: a season's lull or rush evens out.
RATE_WINDOW = timedelta(days=365)


def todays_rules(session: Session, shop: Shop) -> Rules:
    program = program_of(session, shop)
    boosts = session.execute(
        select(EarnMultiplier.target, EarnMultiplier.target_id, EarnMultiplier.multiplier).where(EarnMultiplier.shop_id == shop.id)
    ).all()
    rewards = session.execute(
        select(Reward.kind, Reward.points_cost, Reward.value, Reward.enabled).where(Reward.shop_id == shop.id).order_by(Reward.id)
    ).all()
    return Rules(
        points_per_unit=program.points_per_unit,
        rounding=program.rounding,
        minimum_order=program.minimum_order,
        count_shipping=program.count_shipping,
        count_tax=program.count_tax,
        count_discounts=program.count_discounts,
        guest_points=program.guest_points,
        products={target_id: m for target, target_id, m in boosts if target == "product"},
        collections={target_id: m for target, target_id, m in boosts if target == "collection"},
        rewards=tuple(RewardTerms(kind, int(cost), Decimal(value), bool(enabled)) for kind, cost, value, enabled in rewards),
    )


def paid_orders(session: Session, shop: Shop, since: datetime, *, collections: bool = True) -> Iterator[PastOrder]:
    """Each order paid since `since` once, however often Shopify delivered it, with its refunds and cancellation.

    `collections=False` skips the product-to-collection lookups when neither
    rule set has a collection multiplier.
    """
    rows = session.execute(
        select(WebhookDelivery.payload, WebhookDelivery.received_at)
        .where(
            WebhookDelivery.shop_id == shop.id,
            WebhookDelivery.topic == "orders/paid",
            WebhookDelivery.received_at >= since,
            # A delivery the worker refused never earned; replaying it would invent points.
            WebhookDelivery.status != "failed",
        )
        .order_by(WebhookDelivery.id)
        .execution_options(yield_per=BATCH)
    )
    running = list(session.scalars(select(Promotion).where(Promotion.shop_id == shop.id, Promotion.purchases.is_(True))))
    seen: set[int] = set()
    for batch in rows.partitions(BATCH):
        commands: list[tuple[PayOrder, datetime]] = []
        for payload, received_at in batch:
            command = _translated(shop.domain, payload)
            if command is not None and command.order_id not in seen:
                seen.add(command.order_id)
                commands.append((command, received_at))
        yield from _past_orders(session, shop, running, commands, collections)


def _translated(domain: str, payload: str) -> PayOrder | None:
    try:
        return order_paid(domain, json.loads(payload))
    except (InvalidCommand, ValueError):
        return None


def _past_orders(
    session: Session, shop: Shop, running: list[Promotion], commands: list[tuple[PayOrder, datetime]], collections: bool
) -> Iterator[PastOrder]:
    ids = [c.order_id for c, _ in commands]
    if not ids:
        return
    cancelled = set(
        session.scalars(select(Order.order_id).where(Order.shop_id == shop.id, Order.order_id.in_(ids), Order.cancelled_at.is_not(None)))
    )
    refunds: dict[int, list[OrderRefund]] = {}
    for refund in session.scalars(select(OrderRefund).where(OrderRefund.shop_id == shop.id, OrderRefund.order_id.in_(ids))):
        refunds.setdefault(refund.order_id, []).append(refund)
    lines = refund_lines(session, shop.id, ids)
    memberships = _collections(session, shop.id, commands) if collections else {}
    for command, received_at in commands:
        purchase = command.purchase
        # As pay_order: promotions judged when the shopper bought, else when Perks heard of it.
        placed = command.placed_at or received_at
        yield PastOrder(
            order_id=command.order_id,
            purchase=purchase,
            member=command.customer is not None,
            has_email=bool((command.email or "").strip()),
            promotion=max((p.multiplier for p in running if promotions.is_running(p, shop, placed)), default=Decimal(1)),
            collections=memberships,
            refunds=tuple(
                refund_purchase(r, lines.get(r.refund_id, ()), purchase.taxes_included) for r in refunds.get(command.order_id, ())
            ),
            cancelled=command.order_id in cancelled,
            placed_at=placed,
        )


def _collections(session: Session, shop_id: int, commands: list[tuple[PayOrder, datetime]]) -> dict[int, tuple[int, ...]]:
    """Collections per product from the cache the worker filled; the Admin API is not asked for a forecast."""
    products = sorted({line.product_id for c, _ in commands for line in c.purchase.lines if line.product_id})
    if not products:
        return {}
    rows = session.execute(
        select(ProductCollectionsCache.product_id, ProductCollectionsCache.collection_ids).where(
            ProductCollectionsCache.shop_id == shop_id, ProductCollectionsCache.product_id.in_(products)
        )
    )
    return {product_id: tuple(int(c) for c in ids or ()) for product_id, ids in rows}


def redemption_rate(session: Session, shop_id: int, now: datetime | None = None) -> Decimal | None:
    """Points redeemed over points issued in the last year, as the dashboard defines both; None before any were issued."""
    now = now or datetime.now(UTC)
    issued = func.coalesce(
        func.sum(case((and_(LedgerEntry.points > 0, LedgerEntry.kind.not_in(("refund", "merge"))), LedgerEntry.points), else_=0)), 0
    )
    redeemed = func.coalesce(func.sum(case((LedgerEntry.kind.in_(("redeem", "refund")), -LedgerEntry.points), else_=0)), 0)
    points_issued, points_redeemed = session.execute(
        select(issued, redeemed).where(LedgerEntry.shop_id == shop_id, LedgerEntry.created_at >= now - RATE_WINDOW)
    ).one()
    if not points_issued:
        return None
    return min(max(Decimal(int(points_redeemed)) / Decimal(int(points_issued)), Decimal(0)), Decimal(1)).quantize(Decimal("0.0001"))
