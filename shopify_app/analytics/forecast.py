"""Forecast: what a draft of the program would have done to the shop's own recent orders,
beside what today's rules do to the same orders. Pure: plain values in, numbers out.

Each past order is priced the way `orders.pay_order` prices it (the purchase
rule, the line multipliers, the promotion that was running when it was
placed) and loses what `orders._take_back` would take for its refunds and a
cancellation, so with today's rules the forecast is what the ledger holds for
those orders. What it cannot replay it leaves out, and says so:
VIP tier multipliers (they depend on each member's standing at the time).

Money value of a point: the dashboard's `analytics.best_rate`, the best rate
among the enabled money rewards (money off, store credit, points for money).
Liability: today's is what members hold now valued by `analytics.valued`, the
dashboard's card for today to the cent; a draft's adds the points it would have
left outstanding beyond today's rules over the replayed orders (issued less
projected redemptions), at the draft's value of a point. Replaying only the
window's orders would leave out every point earned before it, by sign-up,
referral or adjustment: the two screens disagreed on the same shop and day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from shopify_app.analytics.analytics import best_rate, valued
from shopify_app.ledger.commands import Purchase, PurchaseLine
from shopify_app.ledger.earning import (
    LineMultiplier,
    at_1x,
    average_multiplier,
    eligible_amount,
    points_to_take_back,
    purchase_points,
    weighted_amount,
)

ONE = Decimal(1)


@dataclass(frozen=True)
class RewardTerms:
    kind: str
    points_cost: int
    value: Decimal
    enabled: bool = True


@dataclass(frozen=True)
class Rules:
    """A program as plain values: the purchase rule, multipliers and rewards. Nothing here is saved."""

    points_per_unit: Decimal
    rounding: str
    minimum_order: Decimal
    count_shipping: bool
    count_tax: bool
    count_discounts: bool
    guest_points: bool
    products: Mapping[int, Decimal] = field(default_factory=dict)
    collections: Mapping[int, Decimal] = field(default_factory=dict)
    rewards: tuple[RewardTerms, ...] = ()


@dataclass(frozen=True)
class PastOrder:
    """A paid order as it was recorded, with what happened to it since."""

    order_id: int
    purchase: Purchase
    # A customer's order earns at once; a guest's is held against its email (if it has one).
    member: bool
    has_email: bool
    # The saved promotions' multiplier when it was placed: promotions are not part of a draft.
    promotion: Decimal = ONE
    # Product id -> the collections it is in, for collection multipliers.
    collections: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    refunds: tuple[Purchase, ...] = ()
    cancelled: bool = False
    placed_at: datetime | None = None


@dataclass
class Tally:
    orders_earning: int = 0
    points_earned: int = 0
    points_taken_back: int = 0

    @property
    def points_issued(self) -> int:
        return self.points_earned - self.points_taken_back


@dataclass(frozen=True)
class Outcome:
    points_issued: int
    points_earned: int
    points_taken_back: int
    orders_earning: int
    point_value: Decimal | None
    # Points members would hold now: today's balances, plus what these rules would have left outstanding beyond today's.
    outstanding_points: int
    liability: Decimal | None
    projected_redeemed_points: int | None
    projected_redemption_value: Decimal | None
    cheapest_reward_points: int | None
    projected_rewards: int | None


@dataclass(frozen=True)
class Forecast:
    orders: int
    redemption_rate: Decimal | None
    today: Outcome
    draft: Outcome


def order_points(order: PastOrder, rules: Rules) -> tuple[int, int]:
    """(points the order earns, points its refunds and cancellation take back) under `rules`."""
    if not order.member and not (rules.guest_points and order.has_email):
        return 0, 0
    multiplier = _line_multiplier(order, rules)
    earned = purchase_points(order.purchase, rules, line_multiplier=multiplier, promotion=order.promotion)
    if earned <= 0:
        return 0, 0
    worth = weighted_amount(order.purchase, rules, multiplier)
    as_paid = _as_paid(order, rules, multiplier, worth)
    refunded = sum((weighted_amount(refund, rules, as_paid) for refund in order.refunds), Decimal(0))
    return earned, points_to_take_back(earned, worth, refunded, order.cancelled)


def _as_paid(order: PastOrder, rules: Rules, multiplier: LineMultiplier, worth: Decimal) -> LineMultiplier:
    """A refunded line at the multiplier of the order's line it refunds, as orders._line_multipliers
    weighs it; a line it cannot match at the order's average multiplier."""
    paid = {line.line_id: line for line in order.purchase.lines if line.line_id is not None}
    average = average_multiplier(worth, eligible_amount(order.purchase, rules))
    return lambda line: multiplier(paid[line.line_id]) if line.line_id in paid else average


def _line_multiplier(order: PastOrder, rules: Rules):
    if not rules.products and not rules.collections:
        return at_1x

    def multiplier(line: PurchaseLine) -> Decimal:
        found = [rules.products.get(line.product_id)] + [rules.collections.get(c) for c in order.collections.get(line.product_id, ())]
        return max((m for m in found if m is not None), default=ONE)

    return multiplier


def replay(
    orders: Iterable[PastOrder], today: Rules, draft: Rules, redemption_rate: Decimal | None, outstanding_points: int = 0
) -> Forecast:
    """Both rule sets over the same orders in one pass, so a large history is read once.

    `outstanding_points`: what members hold now, the base both liabilities stand on."""
    tallies = (Tally(), Tally())
    count = 0
    for order in orders:
        count += 1
        for tally, rules in zip(tallies, (today, draft), strict=True):
            earned, taken_back = order_points(order, rules)
            if earned:
                tally.orders_earning += 1
                tally.points_earned += earned
                tally.points_taken_back += taken_back
    kept_today = _kept(tallies[0].points_issued, redemption_rate)
    draft_held = outstanding_points + _kept(tallies[1].points_issued, redemption_rate) - kept_today
    return Forecast(
        orders=count,
        redemption_rate=redemption_rate,
        today=outcome(tallies[0], today, redemption_rate, outstanding_points),
        draft=outcome(tallies[1], draft, redemption_rate, draft_held),
    )


def outcome(tally: Tally, rules: Rules, redemption_rate: Decimal | None, outstanding_points: int) -> Outcome:
    """Points issued, and what they would become: redeemed at the shop's own rate, the rest owed."""
    value = point_value(rules.rewards)
    issued = tally.points_issued
    redeemed = _redeemed(issued, redemption_rate)
    cheapest = min((r.points_cost for r in rules.rewards if r.enabled), default=None)
    return Outcome(
        points_issued=issued,
        points_earned=tally.points_earned,
        points_taken_back=tally.points_taken_back,
        orders_earning=tally.orders_earning,
        point_value=value,
        outstanding_points=outstanding_points,
        liability=valued(outstanding_points, value),
        projected_redeemed_points=redeemed,
        projected_redemption_value=valued(redeemed, value) if redeemed is not None else None,
        cheapest_reward_points=cheapest,
        projected_rewards=redeemed // cheapest if redeemed is not None and cheapest else None,
    )


def _redeemed(issued: int, redemption_rate: Decimal | None) -> int | None:
    return int((issued * redemption_rate).quantize(ONE, rounding=ROUND_HALF_UP)) if redemption_rate is not None else None


def _kept(issued: int, redemption_rate: Decimal | None) -> int:
    """Of `issued`, the points still held at the shop's redemption rate."""
    return issued - (_redeemed(issued, redemption_rate) or 0)


def point_value(rewards: Iterable[RewardTerms]) -> Decimal | None:
    """Money one point buys, as the dashboard values it (`analytics.best_rate`)."""
    return best_rate((r.kind, r.points_cost, r.value) for r in rewards if r.enabled)
