"""Points from orders: earned when paid, taken back on refund and cancellation.

Every service here locks the order's row first, so deliveries of one order
settle one after another whatever order Shopify sends them in, and each
writes entries under idempotency keys the database keeps unique.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.earn import multipliers, promotions
from shopify_app.earn.models import Program
from shopify_app.ledger import events, guests, ledger
from shopify_app.ledger.commands import CancelOrder, PayOrder, Purchase, PurchaseLine, RefundOrder
from shopify_app.ledger.earning import (
    ONE,
    LineMultiplier,
    at_1x,
    average_multiplier,
    eligible_amount,
    points_to_take_back,
    purchase_points,
    weighted_amount,
)
from shopify_app.ledger.members import ensure_member, surviving
from shopify_app.ledger.models import Member, Order, OrderLine, OrderRefund, OrderRefundLine
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
    order, new = _locked_order(session, shop.id, cmd.order_id)
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
            _take_back(session, program, order, key=f"order:{order.order_id}:settle", reason=f"Order {order.name} refunded or cancelled")
        if joined:
            # A new member may have shopped as a guest before.
            guests.claim(session, shop, program, member, now)
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
    points = (
        purchase_points(
            cmd.purchase,
            program,
            line_multiplier=line_multiplier,
            promotion=promotions.multiplier(session, shop, cmd.placed_at or now, purchases=True),
            tier=tiers.multiplier(session, member),
        )
        if program.enabled
        else 0
    )
    order.paid_at = now
    order.name = cmd.name
    order.member_id = member.id if member else None
    order.taxes_included = cmd.purchase.taxes_included
    order.eligible_amount = eligible_amount(cmd.purchase, program)
    order.weighted_amount = weighted_amount(cmd.purchase, program, line_multiplier)
    order.points_earned = points
    _record_line_multipliers(session, order, cmd.purchase.lines, line_multiplier)


def refund_order(session: Session, cmd: RefundOrder) -> None:
    shop = installed_shop(session, cmd.shop_domain)
    order, _ = _locked_order(session, shop.id, cmd.order_id)
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
    _take_back(
        session,
        program_of(session, shop),
        order,
        key=f"refund:{cmd.refund_id}:reverse",
        reason=f"Refund on order {order.name or cmd.order_id}",
    )


def cancel_order(session: Session, cmd: CancelOrder) -> None:
    shop = installed_shop(session, cmd.shop_domain)
    order, _ = _locked_order(session, shop.id, cmd.order_id)
    if order.cancelled_at is None:
        order.cancelled_at = cmd.cancelled_at
    _take_back(
        session,
        program_of(session, shop),
        order,
        key=f"order:{cmd.order_id}:cancel",
        reason=f"Order {order.name or cmd.order_id} cancelled",
    )


def _record_line_multipliers(session: Session, order: Order, lines: Iterable[PurchaseLine], multiplier: LineMultiplier) -> None:
    """Keep each line's multiplier as the order was priced, for weighing its refunds later.

    Nothing is kept for an order without a multiplied line: its average, 1,
    is every line's multiplier (see _line_multipliers).
    """
    rates = {line.line_id: multiplier(line) for line in lines if line.line_id is not None}
    if any(rate != ONE for rate in rates.values()):
        session.add_all(
            OrderLine(shop_id=order.shop_id, order_id=order.order_id, line_id=line_id, multiplier=rate) for line_id, rate in rates.items()
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


def _take_back(session: Session, program: Program, order: Order, *, key: str, reason: str) -> None:
    """Bring the points taken back from the order up to what its facts now call for."""
    if order.paid_at is None or order.member_id is None:
        return
    # Orders paid before schema 0009 have no weighted amount: their refunds are
    # weighed by money alone (every line at 1x), against the plain amount.
    worth = order.eligible_amount if order.weighted_amount is None else order.weighted_amount
    target = points_to_take_back(
        order.points_earned,
        worth,
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
    """All the order's refunds, weighed as the order was: each refunded line at the multiplier it earned at."""
    refunds = _refunds(session, order)
    if not refunds:
        return Decimal(0)  # most orders, when paid: no need to read their lines
    multiplier = _line_multipliers(session, order)
    return sum((weighted_amount(refund, program, multiplier) for refund in refunds), Decimal(0))


def _line_multipliers(session: Session, order: Order) -> LineMultiplier:
    """Each line's multiplier as recorded when the order was paid.

    A line with none recorded (no id in the payload, or an order without
    multiplied lines, or paid before schema 0009) counts at the order's
    average: for such a line, exactly the money proportion the take-back used before.
    """
    rows = session.execute(
        select(OrderLine.line_id, OrderLine.multiplier).where(OrderLine.shop_id == order.shop_id, OrderLine.order_id == order.order_id)
    )
    recorded = {line_id: multiplier for line_id, multiplier in rows}
    average = average_multiplier(order.weighted_amount, order.eligible_amount)
    return lambda line: recorded.get(line.line_id, average)


def _refunds(session: Session, order: Order) -> list[Purchase]:
    """Each refund's money as its lines, judged by the order's tax setting (only the order says if taxes are included)."""
    refunds = session.scalars(select(OrderRefund).where(OrderRefund.shop_id == order.shop_id, OrderRefund.order_id == order.order_id)).all()
    if not refunds:
        return []
    lines = refund_lines(session, order.shop_id, [order.order_id])
    return [refund_purchase(refund, lines.get(refund.refund_id, ()), order.taxes_included) for refund in refunds]


def refund_lines(session: Session, shop_id: int, order_ids: list[int]) -> dict[int, list[OrderRefundLine]]:
    """The orders' refunded lines per refund id, in the refund's order."""
    lines: dict[int, list[OrderRefundLine]] = {}
    for line in session.scalars(
        select(OrderRefundLine)
        .where(OrderRefundLine.shop_id == shop_id, OrderRefundLine.order_id.in_(order_ids))
        .order_by(OrderRefundLine.refund_id, OrderRefundLine.position)
    ):
        lines.setdefault(line.refund_id, []).append(line)
    return lines


def refund_purchase(refund: OrderRefund, lines: Sequence[OrderRefundLine], taxes_included: bool) -> Purchase:
    """A refund as the purchase rule reads it: its recorded lines, each with the id of the line it refunds.

    A refund recorded before schema 0009 has no lines: its money is one line
    of unknown id, which counts at the order's average multiplier.
    """
    if lines:
        refunded = tuple(PurchaseLine(line.gross, 1, line.discount, line.tax, line_id=line.line_id) for line in lines)
    else:
        refunded = (PurchaseLine(refund.gross, 1, refund.discounts, refund.tax),)
    return Purchase(lines=refunded, shipping=refund.shipping, tax=refund.tax, taxes_included=taxes_included)


def _locked_order(session: Session, shop_id: int, order_id: int) -> tuple[Order, bool]:
    """The order's row, locked, and whether this call made it.

    A row this transaction inserts is as good as locked: anyone else's
    insert of the same order waits on it, and every path inserts first.
    """
    made = session.scalars(
        insert_ignoring_conflicts(Order, ["shop_id", "order_id"])
        .values(shop_id=shop_id, order_id=order_id, name="", points_earned=0, points_reversed=0, taxes_included=False)
        .returning(Order)
    ).one_or_none()
    if made is not None:
        return made, True
    order = session.scalars(
        select(Order)
        .where(Order.shop_id == shop_id, Order.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return order, False
