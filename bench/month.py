"""A month of a large program, generated from a seed, and its balances recomputed independently.

The events are plain tuples in the order they happened; `expected_balances`
replays them with its own arithmetic of the default program (1 point per
currency unit of the line items after their discounts, rounded down; no
shipping, no tax, no sign-up bonus; a refunded line takes back its share of
the order's points rounded half up, a cancellation all of them), never
reading the ledger.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

DAY = 86_400.0
MONTH = 30 * DAY
FIRST_CUSTOMER = 7_100_000_000_000
FIRST_ORDER = 5_900_000_000_000
FIRST_REFUND = 6_900_000_000_000
REWARD_COSTS = (200, 300, 500)


@dataclass(frozen=True)
class Join:
    at: float
    customer_id: int


@dataclass(frozen=True)
class Paid:
    at: float
    order_id: int
    customer_id: int
    lines: tuple  # (unit price as str, quantity, discount on the line as str)


@dataclass(frozen=True)
class Redeem:
    at: float
    number: int
    customer_id: int
    points: int


@dataclass(frozen=True)
class Refund:
    """One line of a paid order refunded whole."""

    at: float
    refund_id: int
    order_id: int
    customer_id: int
    line: tuple  # the order's line: (unit price as str, quantity, discount as str)
    index: int  # its place in the order


@dataclass(frozen=True)
class Cancel:
    at: float
    order_id: int
    customer_id: int


def _amount(lines) -> Decimal:
    return max(sum((Decimal(price) * quantity - Decimal(discount) for price, quantity, discount in lines), Decimal(0)), Decimal(0))


def order_points(lines) -> int:
    return int(_amount(lines).quantize(Decimal(1), rounding=ROUND_FLOOR))


def refund_points(order_lines, line) -> int:
    """What refunding `line` of an order takes back: its share of the order's points, rounded half up, at most them all."""
    earned, eligible = order_points(order_lines), _amount(order_lines)
    if eligible <= 0:
        return 0
    share = min(_amount([line]) / eligible, Decimal(1))
    return min(earned, int((earned * share).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def unwound(events, refunds: int, cancellations: int, seed: int = 17) -> list:
    """The events with `refunds` orders refunded one line and `cancellations` others cancelled, some time after payment."""
    rng = random.Random(seed)
    paid = [event for event in events if isinstance(event, Paid)]
    chosen = rng.sample(paid, min(len(paid), refunds + cancellations))
    later = []
    for n, order in enumerate(chosen):
        at = rng.uniform(order.at, MONTH)
        if n < refunds:
            index = rng.randrange(len(order.lines))
            later.append(Refund(at, FIRST_REFUND + n, order.order_id, order.customer_id, order.lines[index], index))
        else:
            later.append(Cancel(at, order.order_id, order.customer_id))
    return sorted([*events, *later], key=lambda e: e.at)


def generate(members: int = 85_500, orders: int = 42_000, redemptions: int = 1_100, seed: int = 2025) -> list:
    """The month's events in time order: joins, paid orders, and redemptions a member could afford then."""
    rng = random.Random(seed)
    joins = sorted((rng.uniform(0, MONTH * 0.95), FIRST_CUSTOMER + n) for n in range(members))
    join_at = {customer: at for at, customer in joins}
    customers = [customer for _, customer in joins]
    # A few members buy often, most rarely: Pareto weights.
    weights = [rng.paretovariate(1.3) for _ in customers]
    buyers = rng.choices(customers, weights=weights, k=orders)
    paid = []
    for n, customer in enumerate(buyers):
        lines = []
        for _ in range(rng.randint(1, 3)):
            price = Decimal(rng.randint(2000, 6000)) / 100
            quantity = 2 if rng.random() < 0.25 else 1
            discount = (price * quantity / 10).quantize(Decimal("0.01")) if rng.random() < 0.1 else Decimal(0)
            lines.append((f"{price:.2f}", quantity, f"{discount:.2f}"))
        at = rng.uniform(join_at[customer], MONTH)
        paid.append(Paid(at, FIRST_ORDER + n, customer, tuple(lines)))
    events = sorted([Join(at, customer) for at, customer in joins] + paid, key=lambda e: e.at)

    # Redemptions at random moments, by members who can afford them at that moment.
    moments = sorted(rng.uniform(MONTH * 0.2, MONTH) for _ in range(redemptions * 3))
    balance: dict[int, int] = {}
    holders: list[int] = []
    out, made, i = [], 0, 0
    for event in events:
        while i < len(moments) and moments[i] <= event.at and made < redemptions:
            cost = rng.choice(REWARD_COSTS)
            for _ in range(40):
                if not holders:
                    break
                customer = rng.choice(holders)
                if balance[customer] >= cost:
                    balance[customer] -= cost
                    made += 1
                    out.append(Redeem(moments[i], made, customer, cost))
                    break
            i += 1
        if isinstance(event, Paid):
            if event.customer_id not in balance:
                holders.append(event.customer_id)
                balance[event.customer_id] = 0
            balance[event.customer_id] += order_points(event.lines)
        out.append(event)
    return out


def expected_balances(events) -> dict[int, int]:
    """Every member's balance after the month, by customer id, from the events alone."""
    balances: dict[int, int] = {}
    orders = {event.order_id: event for event in events if isinstance(event, Paid)}
    for event in events:
        if isinstance(event, Join):
            balances.setdefault(event.customer_id, 0)
        elif isinstance(event, Paid):
            balances[event.customer_id] = balances.get(event.customer_id, 0) + order_points(event.lines)
        elif isinstance(event, Refund):
            balances[event.customer_id] -= refund_points(orders[event.order_id].lines, event.line)
        elif isinstance(event, Cancel):
            balances[event.customer_id] -= order_points(orders[event.order_id].lines)
        else:
            balances[event.customer_id] -= event.points
    return balances


def summary(events) -> dict:
    paid = [e for e in events if isinstance(e, Paid)]
    return {
        "members": sum(isinstance(e, Join) for e in events),
        "orders": len(paid),
        "points": sum(order_points(e.lines) for e in paid),
        "redemptions": sum(isinstance(e, Redeem) for e in events),
    }
