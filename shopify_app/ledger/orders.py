"""Points from orders: earned when paid, taken back on refund and cancellation.

Every service here locks the order's row first, so deliveries of one order
settle one after another whatever order Shopify sends them in, and each
writes entries under idempotency keys the database keeps unique.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.earn import multipliers, promotions
from shopify_app.earn.models import Program
from shopify_app.ledger import events, guests, ledger, pending_balances
from shopify_app.ledger.commands import CancelOrder, PayOrder, RefundOrder
from shopify_app.ledger.earning import ONE, at_1x, multiplied_lines, price
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import Member, Order, OrderLine, OrderRefund, OrderRefundLine
from shopify_app.ledger.take_back import locked_order, take_back
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop, program_of
from shopify_app.tiers import tiers


def pay_order(
    session: Session, cmd: PayOrder, *, now: datetime | None = None, collections: multipliers.CollectionMiss | None = None
) -> Order:
    """Award the order's points once; returns the order, priced (`points_earned`).

    A guest's order (no customer) holds its points against its email until
    an account with that email appears (see guests.py). Collection multipliers
    read the product -> collections cache only; `collections` is told which
    products it missed, to have them filled outside this transaction (see multipliers.py).
    """
    now = now or datetime.now(UTC)
    shop = installed_shop(session, cmd.shop_domain)
    program = program_of(session, shop)
    member, joined = ensure_member(session, shop.id, cmd.customer) if cmd.customer else (None, False)
    guest_email = guests.normalise(cmd.email) if member is None and program.guest_points else None
    if guest_email:
        guests.lock_email(session, shop.id, guest_email)  # before the order's row: guests.py's lock order
    order, new = locked_order(session, shop.id, cmd.order_id)
    if order.paid_at is None:
        # The first payment fixes what the order is worth: a later program
        # change or a repeated delivery does not re-price it.
        _price(session, shop, program, order, member, cmd, collections, now)
    if guest_email and order.member_id is None:
        guests.hold(session, shop, program, order, guest_email, now)
    if member is not None and order.member_id == member.id:
        key, reason = f"order:{order.order_id}:earn", f"Order {order.name}"
        if ledger.post(session, member, order.points_earned, kind="earn", key=key, reason=reason, order_id=order.order_id):
            events.emit(session, member, "points_earned", f"event:{key}", points=order.points_earned, reason=reason)
        if not new:
            # Refunds or a cancellation that arrived before the payment settle
            # now. A row this payment made has none: they make the row too.
            take_back(session, program, order, key=f"order:{order.order_id}:settle", reason=f"Order {order.name} refunded or cancelled")
        if joined:
            # A new member may have shopped as a guest before, or been a customer of the loyalty app imported from.
            guests.claim(session, shop, program, member, now)
            pending_balances.claim(session, member, now)
    return order


def _price(
    session: Session,
    shop: Shop,
    program: Program,
    order: Order,
    member: Member | None,
    cmd: PayOrder,
    collections: multipliers.CollectionMiss | None,
    now: datetime,
) -> None:
    """Fix the order's worth at its first payment. The rules are read before the
    order is touched, so its row is written once rather than at each autoflush."""
    line_multiplier = multipliers.for_lines(session, shop.id, cmd.purchase.lines, collections, now) if program.enabled else at_1x
    priced = price(
        cmd.purchase,
        program,
        enabled=program.enabled,
        line_multiplier=line_multiplier,
        promotion=promotions.multiplier(session, shop, cmd.placed_at or now, purchases=True) if program.enabled else ONE,
        tier=tiers.multiplier(session, member) if program.enabled else ONE,
    )
    order.paid_at = now
    order.name = cmd.name
    order.member_id = member.id if member else None
    order.taxes_included = cmd.purchase.taxes_included
    order.eligible_amount = priced.eligible
    order.weighted_amount = priced.weighted
    order.points_earned = priced.points
    if rates := multiplied_lines(cmd.purchase.lines, line_multiplier):
        session.add_all(
            OrderLine(shop_id=order.shop_id, order_id=order.order_id, line_id=line_id, multiplier=rate) for line_id, rate in rates.items()
        )


def refund_order(session: Session, cmd: RefundOrder) -> None:
    shop = installed_shop(session, cmd.shop_domain)
    order, _ = locked_order(session, shop.id, cmd.order_id)
    refunded = cmd.refunded
    session.execute(
        insert_ignoring_conflicts(OrderRefund, ["shop_id", "refund_id"]).values(
            shop_id=shop.id,
            order_id=cmd.order_id,
            refund_id=cmd.refund_id,
            gross=sum((line.unit_price * line.quantity for line in refunded.lines), Decimal(0)),
            discounts=sum((line.discount for line in refunded.lines), Decimal(0)),
            tax=sum((line.tax for line in refunded.lines), Decimal(0)),
            shipping=refunded.shipping,
        )
    )
    _record_refund_lines(session, shop.id, cmd)
    take_back(
        session,
        program_of(session, shop),
        order,
        key=f"refund:{cmd.refund_id}:reverse",
        reason=f"Refund on order {order.name or cmd.order_id}",
    )


def cancel_order(session: Session, cmd: CancelOrder) -> None:
    shop = installed_shop(session, cmd.shop_domain)
    order, _ = locked_order(session, shop.id, cmd.order_id)
    if order.cancelled_at is None:
        order.cancelled_at = cmd.cancelled_at
    take_back(
        session,
        program_of(session, shop),
        order,
        key=f"order:{cmd.order_id}:cancel",
        reason=f"Order {order.name or cmd.order_id} cancelled",
    )


def _record_refund_lines(session: Session, shop_id: int, cmd: RefundOrder) -> None:
    """Keep the refund's lines as reported; they are weighed when the order is known, which may be later."""
    for position, line in enumerate(cmd.refunded.lines):
        session.execute(
            insert_ignoring_conflicts(OrderRefundLine, ["shop_id", "refund_id", "position"]).values(
                shop_id=shop_id,
                order_id=cmd.order_id,
                refund_id=cmd.refund_id,
                position=position,
                line_id=line.line_id,
                gross=line.unit_price * line.quantity,
                discount=line.discount,
                tax=line.tax,
            )
        )
