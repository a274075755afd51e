"""An order's row and the points taken back from it: locked one delivery at a time, and brought up to what
its refunds and cancellation now call for. Used by orders.py and guests.py (a guest's order settled later)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.earn.models import Program
from shopify_app.ledger import ledger
from shopify_app.ledger.commands import Purchase, PurchaseLine
from shopify_app.ledger.earning import (
    LineMultiplier,
    average_multiplier,
    points_to_take_back,
    weighted_amount,
)
from shopify_app.ledger.members import surviving
from shopify_app.ledger.models import Member, Order, OrderLine, OrderRefund, OrderRefundLine


def locked_order(session: Session, shop_id: int, order_id: int) -> tuple[Order, bool]:
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


def take_back(session: Session, program: Program, order: Order, *, key: str, reason: str) -> None:
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
