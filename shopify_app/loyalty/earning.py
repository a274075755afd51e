"""The purchase rule: what an order is worth in points. Pure functions."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Protocol

from .commands import Purchase

ROUNDING = {"down": ROUND_FLOOR, "nearest": ROUND_HALF_UP, "up": ROUND_CEILING}


class PurchaseRule(Protocol):
    points_per_unit: Decimal
    rounding: str
    minimum_order: Decimal
    count_shipping: bool
    count_tax: bool
    count_discounts: bool


def eligible_amount(purchase: Purchase, rule: PurchaseRule) -> Decimal:
    """Line items after their discounts, without shipping and tax, unless the rule counts them."""
    total = Decimal(0)
    for line in purchase.lines:
        amount = line.unit_price * line.quantity
        if not rule.count_discounts:
            amount -= line.discount
        if purchase.taxes_included and not rule.count_tax:
            amount -= line.tax
        total += amount
    if rule.count_tax and not purchase.taxes_included:
        total += purchase.tax
    if rule.count_shipping:
        total += purchase.shipping
    return max(total, Decimal(0))


def points_for(amount: Decimal, rule: PurchaseRule) -> int:
    if amount <= 0 or amount < rule.minimum_order:
        return 0
    return int((amount * rule.points_per_unit).quantize(Decimal(1), rounding=ROUNDING[rule.rounding]))


def points_to_take_back(earned: int, eligible: Decimal, refunded: Decimal, cancelled: bool) -> int:
    """How much of an order's points refunds and a cancellation remove, in all.

    Depends only on the totals, never on the order the facts arrived in, so
    any interleaving of deliveries settles at the same balance.
    """
    if cancelled:
        return earned
    if eligible <= 0 or refunded <= 0:
        return 0
    share = min(refunded / eligible, Decimal(1))
    return min(earned, int((earned * share).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
