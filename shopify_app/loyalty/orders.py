"""Points from orders: earned when paid, taken back on refund and cancellation.

Every service here locks the order's row first, so deliveries of one order
settle one after another whatever order Shopify sends them in, and each
writes entries under idempotency keys the database keeps unique.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.db import insert_ignoring_conflicts
from shopify_app.models import Member, Order, OrderRefund, Program

from . import events, guests, ledger, multipliers, promotions, tiers
from .commands import CancelOrder, PayOrder, Purchase, PurchaseLine, RefundOrder
from .earning import eligible_amount, points_to_take_back, purchase_points
from .members import ensure_member, surviving
from .shops import installed_shop, program_of


def pay_order(
    session: Session, cmd: PayOrder, *, now: datetime | None = None, collections: multipliers.CollectionLookup | None = None
) -> int:
    """Award the order's points once; returns the points the order earned.

    A guest's order (no customer) holds its points against its email until
    an account with that email appears (see guests.py). `collections` looks
    up products' collections for collection multipliers when the cache misses.
    """
    now = now or datetime.now(UTC)
    shop = installed_shop(session, cmd.shop_domain)
    program = program_of(session, shop)
    member, joined = ensure_member(session, shop.id, cmd.customer) if cmd.customer else (None, False)
    guest_email = guests.normalise(cmd.email) if member is None and program.guest_points else None
    if guest_email:
        guests.lock_email(session, shop.id, guest_email)  # before the order's row: guests.py's lock order
    order = _locked_order(session, shop.id, cmd.order_id)
    if order.paid_at is None:
        # The first payment fixes what the order is worth: a later program
        # change or a repeated delivery does not re-price it.
        order.paid_at = now
        order.name = cmd.name
        order.member_id = member.id if member else None
        order.taxes_included = cmd.purchase.taxes_included
        order.eligible_amount = eligible_amount(cmd.purchase, program)
        order.points_earned = (
            purchase_points(
                cmd.purchase,
                program,
                line_multiplier=multipliers.for_lines(session, shop.id, cmd.purchase.lines, collections, now),
                promotion=promotions.multiplier(session, shop, cmd.placed_at or now, purchases=True),
                tier=tiers.multiplier(session, member),
            )
            if program.enabled
            else 0
        )
    if guest_email and order.member_id is None:
        guests.hold(session, shop, program, order, guest_email, now)
    if member is not None and order.member_id == member.id:
        key, reason = f"order:{order.order_id}:earn", f"Order {order.name}"
        if ledger.post(session, member, order.points_earned, kind="earn", key=key, reason=reason, order_id=order.order_id):
            events.emit(session, member, "points_earned", f"event:{key}", points=order.points_earned, reason=reason)
        # Refunds or a cancellation that arrived before the payment settle now.
        _take_back(session, program, order, key=f"order:{order.order_id}:settle", reason=f"Order {order.name} refunded or cancelled")
        if joined:
            # A new member may have shopped as a guest before.
            guests.claim(session, shop, program, member, now)
    return order.points_earned


def refund_order(session: Session, cmd: RefundOrder) -> None:
    shop = installed_shop(session, cmd.shop_domain)
    order = _locked_order(session, shop.id, cmd.order_id)
    refunded = cmd.refunded
    session.execute(
        insert_ignoring_conflicts(session, OrderRefund, ["shop_id", "refund_id"]).values(
            shop_id=shop.id,
            order_id=cmd.order_id,
            refund_id=cmd.refund_id,
            gross=sum((line.unit_price * line.quantity for line in refunded.lines), Decimal(0)),
            discounts=sum((line.discount for line in refunded.lines), Decimal(0)),
            tax=sum((line.tax for line in refunded.lines), Decimal(0)),
            shipping=refunded.shipping,
        )
    )
    _take_back(
        session,
        program_of(session, shop),
        order,
        key=f"refund:{cmd.refund_id}:reverse",
        reason=f"Refund on order {order.name or cmd.order_id}",
    )


def cancel_order(session: Session, cmd: CancelOrder) -> None:
    shop = installed_shop(session, cmd.shop_domain)
    order = _locked_order(session, shop.id, cmd.order_id)
    if order.cancelled_at is None:
        order.cancelled_at = cmd.cancelled_at
    _take_back(
        session,
        program_of(session, shop),
        order,
        key=f"order:{cmd.order_id}:cancel",
        reason=f"Order {order.name or cmd.order_id} cancelled",
    )


def _take_back(session: Session, program: Program, order: Order, *, key: str, reason: str) -> None:
    """Bring the points taken back from the order up to what its facts now call for."""
    if order.paid_at is None or order.member_id is None:
        return
    target = points_to_take_back(
        order.points_earned,
        order.eligible_amount,
        _refunded_amount(session, program, order),
        order.cancelled_at is not None,
    )
    owed = target - order.points_reversed
    if owed <= 0:
        return
    member = surviving(session, session.get(Member, order.member_id))
    if ledger.post(session, member, -owed, kind="reverse", key=key, reason=reason, order_id=order.order_id):
        order.points_reversed = target


def _refunded_amount(session: Session, program: Program, order: Order) -> Decimal:
    refunds = session.scalars(select(OrderRefund).where(OrderRefund.shop_id == order.shop_id, OrderRefund.order_id == order.order_id))
    return sum(
        (
            eligible_amount(
                Purchase(
                    lines=(PurchaseLine(refund.gross, 1, refund.discounts, refund.tax),),
                    shipping=refund.shipping,
                    tax=refund.tax,
                    taxes_included=order.taxes_included,
                ),
                program,
            )
            for refund in refunds
        ),
        Decimal(0),
    )


def _locked_order(session: Session, shop_id: int, order_id: int) -> Order:
    session.execute(
        insert_ignoring_conflicts(session, Order, ["shop_id", "order_id"]).values(
            shop_id=shop_id, order_id=order_id, name="", points_earned=0, points_reversed=0, taxes_included=False
        )
    )
    return session.scalars(
        select(Order)
        .where(Order.shop_id == shop_id, Order.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
