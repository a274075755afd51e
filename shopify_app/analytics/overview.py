"""Home's five figures, each for the last days and for the same number of days before them.

Every figure is the dashboard's own (analytics.report), so Home and Analytics never
disagree: members at the period's end, points issued and redeemed in it, the liability
(points outstanding at its end, valued as the analytics card values them) and the
revenue of members' paid orders in it. Both liabilities value points at today's rate, as the
card does for any past period, so the change is in the points held, not in the rewards' prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from shopify_app.analytics import analytics
from shopify_app.core.field_types import money_text
from shopify_app.shop.models import Shop

FIGURES = ("members", "points_issued", "points_redeemed", "liability", "revenue")
MONEY = ("liability", "revenue")


@dataclass(frozen=True)
class Figure:
    name: str
    current: int | Decimal | None
    previous: int | Decimal | None

    @property
    def change(self) -> Decimal | None:
        """The change in percent, one decimal; None when there is nothing to compare with (a previous figure of 0 or none)."""
        if self.current is None or not self.previous:
            return None
        return (Decimal(self.current - self.previous) * 100 / Decimal(self.previous)).quantize(Decimal("0.1"))

    @property
    def direction(self) -> str:
        if self.current is None or self.previous is None or self.current == self.previous:
            return "flat"
        return "up" if self.current > self.previous else "down"


@dataclass(frozen=True)
class Overview:
    days: int
    current: analytics.Period
    previous: analytics.Period
    currency: str
    figures: list[Figure]


def overview(session: Session, shop: Shop, last: date, days: int) -> Overview:
    """The `days` days ending with `last` (in the shop's zone), against the `days` days before them."""
    current_span = analytics.period(shop, last - timedelta(days=days - 1), last)
    previous_span = analytics.period(shop, last - timedelta(days=2 * days - 1), last - timedelta(days=days))
    now, before = analytics.report(session, shop, current_span), analytics.report(session, shop, previous_span)
    return Overview(
        days,
        current_span,
        previous_span,
        shop.currency,
        [
            Figure("members", now.members_total, before.members_total),
            Figure("points_issued", now.points_issued, before.points_issued),
            Figure("points_redeemed", now.points_redeemed, before.points_redeemed),
            Figure("liability", now.liability, before.liability),
            Figure("revenue", now.members.revenue, before.members.revenue),
        ],
    )


def as_json(result: Overview) -> dict:
    def value(figure: Figure, number: int | Decimal | None) -> int | str | None:
        return money_text(number) if figure.name in MONEY else number

    return {
        "days": result.days,
        "currency": result.currency,
        "current": {"start": result.current.start.isoformat(), "end": result.current.end.isoformat()},
        "previous": {"start": result.previous.start.isoformat(), "end": result.previous.end.isoformat()},
        "figures": [
            {
                "name": f.name,
                "current": value(f, f.current),
                "previous": value(f, f.previous),
                "change_percent": None if f.change is None else str(f.change),
                "direction": f.direction,
            }
            for f in result.figures
        ],
    }
