"""The program's numbers over a period, summed from the roll-ups per shop and local day (rollups.py), so the
dashboard reads a few hundred rows whatever the shop's size.

Definitions (the dashboard shows them too):
- members: customers the program knows (merged-away duplicates not counted), by join time;
- points issued: positive ledger entries, except a redemption's refund and the
  moves of a customer merge, which issue nothing new; points redeemed: points
  spent on rewards less those refunded when Shopify refused the code;
- redemption rate: redeemed / issued in the period;
- outstanding liability: points held at the period's end times the money one
  point buys at the best rate of the enabled money rewards (`liability_at`, the
  one valuation the forecast, the home page and the liability report use too);
- revenue: the eligible amount of paid, not cancelled orders (what points are
  earned on: after discounts, shipping and tax as the program counts them);
  refunds are not subtracted. Guests are orders without a customer;
- repeat-purchase rate: members with two or more orders in the period / members with one or more;
- CLV: a member's revenue since they joined, averaged over members who ever bought, to the period's end;
- churn: members who bought in the preceding period of as many days but not in this one,
  as a share of those who bought in the preceding one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from shopify_app.analytics.models import RollupBuyerStep, RollupDay
from shopify_app.core.field_types import money_text
from shopify_app.rewards.models import Reward
from shopify_app.shop.models import Shop
from shopify_app.tiers import tiers as tier_ladder

BUCKETS = ("day", "week", "month")
MONEY_KINDS = ("fixed_amount", "store_credit", "points_for_money")
CENT = Decimal("0.01")
RATE = Decimal("0.000001")  # a point's money value, to 6 places as the dashboard has always shown it
ZERO = Decimal(0)
# The day before every day: where a member's first step starts (psycopg has no Python date for it).
NEVER = literal_column("'-infinity'::date")


@dataclass(frozen=True)
class Period:
    start: datetime  # aware UTC, included
    end: datetime  # aware UTC, excluded
    bucket: str
    zone: str  # the zone buckets are cut in

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def period(shop: Shop, first: date, last: date, bucket: str | None = None) -> Period:
    """From the start of `first` to the end of `last`, both days in the shop's zone (the roll-ups' days)."""
    zone = shop.timezone or "UTC"
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tz).astimezone(UTC)
    days = (last - first).days + 1
    return Period(start, end, bucket or ("day" if days <= 62 else "week" if days <= 366 else "month"), zone)


@dataclass
class Bucket:
    label: str
    new_members: int = 0
    members: int = 0
    points_issued: int = 0
    points_redeemed: int = 0
    member_orders: int = 0
    member_revenue: Decimal = ZERO
    guest_orders: int = 0
    guest_revenue: Decimal = ZERO


@dataclass
class Sales:
    orders: int = 0
    revenue: Decimal = ZERO

    @property
    def aov(self) -> Decimal | None:
        return (self.revenue / self.orders).quantize(CENT) if self.orders else None


@dataclass
class Report:
    period: Period
    currency: str
    buckets: list[Bucket]
    members_total: int = 0
    new_members: int = 0
    points_issued: int = 0
    points_redeemed: int = 0
    outstanding_points: int = 0
    point_value: Decimal | None = None
    members: Sales = field(default_factory=Sales)
    guests: Sales = field(default_factory=Sales)
    buying_members: int = 0
    repeat_members: int = 0
    clv: Decimal | None = None
    churn_base: int = 0
    churned: int = 0
    # Each tier, lowest first, with its threshold and how many members hold it now (none without a ladder).
    tiers: list[dict] = field(default_factory=list)

    @property
    def redemption_rate(self) -> Decimal | None:
        return _ratio(self.points_redeemed, self.points_issued)

    @property
    def liability(self) -> Decimal | None:
        return valued(self.outstanding_points, self.point_value)

    @property
    def repeat_purchase_rate(self) -> Decimal | None:
        return _ratio(self.repeat_members, self.buying_members)

    @property
    def churn_rate(self) -> Decimal | None:
        return _ratio(self.churned, self.churn_base)


def report(session: Session, shop: Shop, span: Period, *, now: datetime | None = None) -> Report:
    now = now or datetime.now(UTC)
    buckets = {label: Bucket(label) for label in bucket_labels(span, span.zone)}
    result = Report(span, shop.currency, list(buckets.values()))
    _days(session, shop.id, span, buckets, result)
    _buyers(session, shop.id, span, result)
    held = liability_at(session, shop.id, span.end, now)
    result.outstanding_points, result.point_value = held.points, held.point_value
    result.tiers = tier_ladder.distribution(session, shop.id)
    return result


def bucket_labels(span: Period, zone: str) -> list[str]:
    tz = ZoneInfo(zone)
    day = span.start.astimezone(tz).date()
    last = (span.end - timedelta(microseconds=1)).astimezone(tz).date()
    labels: list[str] = []
    while day <= last:
        label = _truncate(day, span.bucket).isoformat()
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def point_value(session: Session, shop_id: int) -> Decimal | None:
    """Money one point buys at the best rate among the enabled money rewards; None without one."""
    rewards = session.execute(
        select(Reward.kind, Reward.points_cost, Reward.value).where(Reward.shop_id == shop_id, Reward.enabled.is_(True))
    ).all()
    return best_rate((kind, int(cost), Decimal(value)) for kind, cost, value in rewards)


def best_rate(rewards: Iterable[tuple[str, int, Decimal]]) -> Decimal | None:
    """The best money-per-point among (kind, points cost, value) of enabled rewards, to 6 places; None without a money reward.

    The one rate: the dashboard reads it from the saved rewards, the forecast from a draft's."""
    rates = [value / cost for kind, cost, value in rewards if kind in MONEY_KINDS and value > 0 and cost > 0]
    return max(rates).quantize(RATE) if rates else None


def valued(points: int, per_point: Decimal | None) -> Decimal | None:
    """Points in money, rounded half-even to the cent once, at the end; None when a point has no money value."""
    return None if per_point is None else (points * per_point).quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Liability:
    points: int
    point_value: Decimal | None

    @property
    def money(self) -> Decimal | None:
        return valued(self.points, self.point_value)


def liability_at(session: Session, shop_id: int, at: datetime, now: datetime | None = None) -> Liability:
    """The points members held at `at` (now or a past instant), valued at today's best money reward.

    The dashboard's card, the forecast's "today" and the liability report's face value all come from here,
    so for the same shop and day they show the same money."""
    return Liability(outstanding_points(session, shop_id, at, now or datetime.now(UTC)), point_value(session, shop_id))


def _local_days(span: Period) -> tuple[date, date]:
    """The period as local days [first, end) of the zone the roll-ups are cut in (the shop's)."""
    tz = ZoneInfo(span.zone)
    return span.start.astimezone(tz).date(), span.end.astimezone(tz).date()


def _days(session: Session, shop_id: int, span: Period, buckets: dict[str, Bucket], result: Report) -> None:
    """Members, points and orders: the period's days summed into their buckets, and the members before it."""
    first, end = _local_days(span)
    figures = (
        func.sum(RollupDay.new_members),
        func.sum(RollupDay.points_issued),
        func.sum(RollupDay.points_redeemed),
        func.sum(RollupDay.member_orders),
        func.sum(RollupDay.member_revenue),
        func.sum(RollupDay.guest_orders),
        func.sum(RollupDay.guest_revenue),
    )
    rows = session.execute(
        select(RollupDay.day, *figures)
        .where(RollupDay.shop_id == shop_id, RollupDay.day >= first, RollupDay.day < end)
        .group_by(RollupDay.day)
    )
    for day, joined, issued, redeemed, member_orders, member_revenue, guest_orders, guest_revenue in rows:
        bucket = buckets[_truncate(day, span.bucket).isoformat()]
        bucket.new_members += int(joined)
        bucket.points_issued += int(issued)
        bucket.points_redeemed += int(redeemed)
        bucket.member_orders += int(member_orders)
        bucket.member_revenue += Decimal(member_revenue)
        bucket.guest_orders += int(guest_orders)
        bucket.guest_revenue += Decimal(guest_revenue)
    before = session.scalar(
        select(func.coalesce(func.sum(RollupDay.new_members), 0)).where(RollupDay.shop_id == shop_id, RollupDay.day < first)
    )
    running = int(before)
    for bucket in buckets.values():
        running += bucket.new_members
        bucket.members = running
        result.points_issued += bucket.points_issued
        result.points_redeemed += bucket.points_redeemed
        result.members.orders += bucket.member_orders
        result.members.revenue += bucket.member_revenue
        result.guests.orders += bucket.guest_orders
        result.guests.revenue += bucket.guest_revenue
    result.new_members = running - int(before)
    result.members_total = running


def _buyers(session: Session, shop_id: int, span: Period, result: Report) -> None:
    """Repeat purchase, churn and CLV from the members' order steps (see models.RollupBuyerStep):
    over [a, b) with the previous period [p, a) of as many days,
    - bought in it: steps into [a, b) from before a (one per member: the first order in it);
    - two or more orders: skips into [a, b) from before a, less those (a member with k orders in it has min(k, 2));
    - bought in the previous period: steps into [p, a) from before p;
    - churned: steps out of [p, a) to b or later (the member's last order before a, and none until b);
    - CLV: the members' revenue before b over the members whose first order (a step from -infinity) is before b."""
    a, b = _local_days(span)
    p = a - (b - a)
    steps, skips = RollupBuyerStep.steps, RollupBuyerStep.skips
    into = select(
        func.coalesce(func.sum(steps).filter(RollupBuyerStep.to_day >= a, RollupBuyerStep.from_day < a), 0),
        func.coalesce(func.sum(skips).filter(RollupBuyerStep.to_day >= a, RollupBuyerStep.from_day < a), 0),
        func.coalesce(func.sum(steps).filter(RollupBuyerStep.to_day < a, RollupBuyerStep.from_day < p), 0),
    ).where(RollupBuyerStep.shop_id == shop_id, RollupBuyerStep.to_day >= p, RollupBuyerStep.to_day < b)
    churned = select(func.coalesce(func.sum(steps), 0)).where(
        RollupBuyerStep.shop_id == shop_id, RollupBuyerStep.from_day >= p, RollupBuyerStep.from_day < a, RollupBuyerStep.to_day >= b
    )
    first_buyers = select(func.coalesce(func.sum(steps), 0)).where(
        RollupBuyerStep.shop_id == shop_id, RollupBuyerStep.from_day == NEVER, RollupBuyerStep.to_day < b
    )
    revenue = select(func.coalesce(func.sum(RollupDay.member_revenue), 0)).where(RollupDay.shop_id == shop_id, RollupDay.day < b)
    (buying, two_or_more, base), lost, buyers, earned = (
        session.execute(into).one(),
        session.scalar(churned),
        session.scalar(first_buyers),
        session.scalar(revenue),
    )
    result.buying_members, result.repeat_members = int(buying), int(two_or_more) - int(buying)
    result.churn_base, result.churned = int(base), int(lost)
    result.clv = (Decimal(earned) / int(buyers)).quantize(CENT) if buyers else None


def outstanding_points(session: Session, shop_id: int, end: datetime, now: datetime) -> int:
    """Points held at `end` (now, or a midnight in the shop's zone): the ledger's net points of the days before it.

    Merges move points, they net to nothing; the cached balances are the same sums (kept in the ledger's
    transaction), but a shop has a row per member where the roll-ups have one per day."""
    query = select(func.coalesce(func.sum(RollupDay.points_net), 0)).where(RollupDay.shop_id == shop_id)
    if end < now:
        local_day = func.date(func.timezone(func.coalesce(func.nullif(Shop.timezone, ""), "UTC"), end))
        query = query.where(RollupDay.day < select(local_day).where(Shop.id == shop_id).scalar_subquery())
    return int(session.scalar(query))


def _truncate(day: date, unit: str) -> date:
    if unit == "month":
        return day.replace(day=1)
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day


def _ratio(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def as_json(result: Report) -> dict:

    def ratio(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    def sales(s: Sales) -> dict:
        return {"orders": s.orders, "revenue": money_text(s.revenue), "aov": money_text(s.aov)}

    return {
        "period": {
            "start": result.period.start.isoformat(),
            "end": result.period.end.isoformat(),
            "bucket": result.period.bucket,
            "zone": result.period.zone,
        },
        "currency": result.currency,
        "members_total": result.members_total,
        "new_members": result.new_members,
        "points_issued": result.points_issued,
        "points_redeemed": result.points_redeemed,
        "redemption_rate": ratio(result.redemption_rate),
        "outstanding_points": result.outstanding_points,
        "point_value": None if result.point_value is None else str(result.point_value.normalize()),
        "liability": money_text(result.liability),
        "members": sales(result.members),
        "guests": sales(result.guests),
        "repeat_purchase_rate": ratio(result.repeat_purchase_rate),
        "clv": money_text(result.clv),
        "churn_rate": ratio(result.churn_rate),
        "tiers": result.tiers,
        "series": [
            {
                "label": b.label,
                "new_members": b.new_members,
                "members": b.members,
                "points_issued": b.points_issued,
                "points_redeemed": b.points_redeemed,
                "member_orders": b.member_orders,
                "member_revenue": money_text(b.member_revenue),
                "guest_orders": b.guest_orders,
                "guest_revenue": money_text(b.guest_revenue),
            }
            for b in result.buckets
        ],
    }


def csv_rows(result: Report) -> Iterator[list[str]]:
    """The series, one row per bucket, then the period's figures as metric,value rows."""
    data = as_json(result)
    columns = list(data["series"][0]) if data["series"] else ["label"]
    yield columns
    for row in data["series"]:
        yield [str(row[c]) for c in columns]
    yield []
    yield ["metric", "value"]
    for name in ("members_total", "new_members", "points_issued", "points_redeemed", "redemption_rate", "outstanding_points"):
        yield [name, _text(data[name])]
    yield ["liability_" + result.currency, _text(data["liability"])]
    for who in ("members", "guests"):
        for name in ("orders", "revenue", "aov"):
            yield [f"{who}_{name}", _text(data[who][name])]
    for name in ("repeat_purchase_rate", "clv", "churn_rate"):
        yield [name, _text(data[name])]


def _text(value) -> str:
    return "" if value is None else str(value)
