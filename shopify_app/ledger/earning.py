"""The purchase rule: what an order is worth in points. Pure functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Protocol

from shopify_app.ledger.commands import Purchase, PurchaseLine

ROUNDING = {"down": ROUND_FLOOR, "nearest": ROUND_HALF_UP, "up": ROUND_CEILING}
ONE = Decimal(1)

# A line's multiplier: the larger of its product's and its collections' (see purchase_points).
LineMultiplier = Callable[[PurchaseLine], Decimal]


def at_1x(line: PurchaseLine) -> Decimal:
    """The multiplier of a line no rule multiplies."""
    return ONE


class PurchaseRule(Protocol):
    points_per_unit: Decimal
    rounding: str
    minimum_order: Decimal
    count_shipping: bool
    count_tax: bool
    count_discounts: bool


def eligible_amount(purchase: Purchase, rule: PurchaseRule) -> Decimal:
    """Line items after their discounts, without shipping and tax, unless the rule counts them."""
    total = sum((line_amount(line, purchase, rule) for line in purchase.lines), Decimal(0))
    return max(total + order_amount(purchase, rule), Decimal(0))


def line_amount(line: PurchaseLine, purchase: Purchase, rule: PurchaseRule) -> Decimal:
    """What one line adds to the eligible amount."""
    amount = line.unit_price * line.quantity
    if not rule.count_discounts:
        amount -= line.discount
    if purchase.taxes_included and not rule.count_tax:
        amount -= line.tax
    return amount


def order_amount(purchase: Purchase, rule: PurchaseRule) -> Decimal:
    """What the order adds beyond its lines: shipping, and tax charged on top, when the rule counts them."""
    amount = Decimal(0)
    if rule.count_tax and not purchase.taxes_included:
        amount += purchase.tax
    if rule.count_shipping:
        amount += purchase.shipping
    return amount


def purchase_points(
    purchase: Purchase,
    rule: PurchaseRule,
    *,
    line_multiplier: LineMultiplier = at_1x,
    promotion: Decimal = ONE,
    tier: Decimal = ONE,
) -> int:
    """An order's points with multipliers, in this order:

    1. each line's eligible amount (after its discounts, without its tax
       unless counted) times that line's multiplier: the larger of its
       product's and its collections' multipliers, 1 if it has none;
    2. plus shipping and tax charged on top, when counted, at 1x;
    3. the minimum order is judged on the plain eligible amount, before
       any multiplier: a multiplier rewards goods, it does not lower the bar;
    4. times the points per unit, times the promotion's multiplier (the
       largest running one; promotions do not compound);
       times the member's VIP tier multiplier (the tier held before this
       order: the order that crosses a threshold earns at the old rate);
    5. rounded once, at the very end, by the program's rounding, so no
       line loses a fraction to rounding of its own.

    Example: lines 10.00 at 1x and 20.00 at 3x, 1 point per unit, a 2x
    promotion: (10 + 60) x 1 x 2 = 140.
    """
    plain = eligible_amount(purchase, rule)
    if plain <= 0 or plain < rule.minimum_order:
        return 0
    weighted = weighted_amount(purchase, rule, line_multiplier)
    return int((weighted * rule.points_per_unit * promotion * tier).quantize(Decimal(1), rounding=ROUNDING[rule.rounding]))


@dataclass(frozen=True)
class Priced:
    """What an order is worth, fixed at its first payment."""

    eligible: Decimal
    weighted: Decimal
    points: int


def price(
    purchase: Purchase,
    rule: PurchaseRule,
    *,
    enabled: bool,
    line_multiplier: LineMultiplier = at_1x,
    promotion: Decimal = ONE,
    tier: Decimal = ONE,
) -> Priced:
    """The order's amounts and points, as one delivery (orders.pay_order) and a batch's set (batch.pay_orders) both fix
    them; a program switched off earns nothing and weighs every line at 1x."""
    multiplier = line_multiplier if enabled else at_1x
    points = purchase_points(purchase, rule, line_multiplier=multiplier, promotion=promotion, tier=tier) if enabled else 0
    return Priced(eligible_amount(purchase, rule), weighted_amount(purchase, rule, multiplier), points)


def multiplied_lines(lines: Iterable[PurchaseLine], multiplier: LineMultiplier) -> dict[int, Decimal]:
    """Each line's multiplier by line id, to keep for weighing its refunds; empty when no line is multiplied:
    their average, 1, is then every line's multiplier."""
    rates = {line.line_id: multiplier(line) for line in lines if line.line_id is not None}
    return rates if any(rate != ONE for rate in rates.values()) else {}


def weighted_amount(purchase: Purchase, rule: PurchaseRule, line_multiplier: LineMultiplier = at_1x) -> Decimal:
    """Steps 1 and 2 of purchase_points: each line's eligible amount times its multiplier, plus shipping and tax at 1x.

    Also what a refund is weighed by: its refunded lines at the multipliers
    they earned at, so a refund of a 3x line takes back 3x.
    """
    weighted = sum((line_amount(line, purchase, rule) * line_multiplier(line) for line in purchase.lines), Decimal(0))
    return max(weighted + order_amount(purchase, rule), Decimal(0))


def average_multiplier(weighted: Decimal | None, plain: Decimal | None) -> Decimal:
    """An order's money-weighted mean line multiplier; 1 when unknown (orders paid before weighted amounts were kept)."""
    if weighted is None or not plain or plain <= 0:
        return ONE
    return weighted / plain


def points_for(amount: Decimal, rule: PurchaseRule) -> int:
    if amount <= 0 or amount < rule.minimum_order:
        return 0
    return int((amount * rule.points_per_unit).quantize(Decimal(1), rounding=ROUNDING[rule.rounding]))


def points_to_take_back(earned: int, eligible: Decimal, refunded: Decimal, cancelled: bool) -> int:
    """How much of an order's points refunds and a cancellation remove, in all.

    `eligible` and `refunded` are multiplier-weighted (weighted_amount): the
    order's, and all its refunds' together, each refunded line at the
    multiplier it earned at. So a refund takes back what its lines earned,
    not a money share that would leave part of a 3x line's points with the
    member. The promotion and tier multipliers applied to the whole order,
    so they come back in that same proportion.

    Rounding: the running total is rounded once, half up, to the nearest
    point and capped at `earned`; each refund posts only the difference from
    what was already taken back, so repeated refunds never add up rounding,
    the total never exceeds what was earned, and a full refund or a
    cancellation takes back exactly `earned`.

    Depends only on the totals, never on the order the facts arrived in, so
    any interleaving of deliveries settles at the same balance.
    """
    if cancelled:
        return earned
    if eligible <= 0 or refunded <= 0:
        return 0
    share = min(refunded / eligible, Decimal(1))
    return min(earned, int((earned * share).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
