"""The program's numbers over a period, each one a SQL aggregate so a large shop stays fast.

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
- churn: members who bought in the preceding period of the same length but not in this one,
  as a share of those who bought in the preceding one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from shopify_app.core.field_types import money_text
from shopify_app.ledger.models import LedgerEntry, Member, Order
from shopify_app.rewards.models import Reward
from shopify_app.shop.models import Shop
from shopify_app.tiers import tiers as tier_ladder

BUCKETS = ("day", "week", "month")
MONEY_KINDS = ("fixed_amount", "store_credit", "points_for_money")
CENT = Decimal("0.01")
RATE = Decimal("0.000001")  # a point's money value, to 6 places as the dashboard has always shown it
ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    start: datetime  # aware UTC, included
    end: datetime  # aware UTC, excluded
    bucket: str
    zone: str  # the zone buckets are cut in

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def period(shop: Shop, first: date, last: date, bucket: str | None = None, *, zone: str | None = None) -> Period:
    """From the start of `first` to the end of `last`, both days in the shop's zone."""
    zone = zone or shop.timezone or "UTC"
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
    zone = span.zone
    buckets = {label: Bucket(label) for label in bucket_labels(span, zone)}
    result = Report(span, shop.currency, list(buckets.values()))
    _members(session, shop.id, span, zone, buckets, result)
    _points(session, shop.id, span, zone, buckets, result)
    _orders(session, shop.id, span, zone, buckets, result)
    _repeat_and_churn(session, shop.id, span, result)
    held = liability_at(session, shop.id, span.end, now)
    result.outstanding_points, result.point_value = held.points, held.point_value
    result.clv = _clv(session, shop.id, span.end)
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


def _members(session: Session, shop_id: int, span: Period, zone: str, buckets: dict[str, Bucket], result: Report) -> None:
    live = and_(Member.shop_id == shop_id, Member.merged_into_id.is_(None))
    before = session.scalar(select(func.count()).select_from(Member).where(live, Member.created_at < span.start)) or 0
    key, label = _bucket(Member.created_at, span.bucket, zone)
    rows = session.execute(
        select(label, func.count()).where(live, Member.created_at >= span.start, Member.created_at < span.end).group_by(key)
    )
    for name, count in rows:
        buckets[name].new_members = count
    running = before
    for bucket in buckets.values():
        running += bucket.new_members
        bucket.members = running
    result.new_members = running - before
    result.members_total = running


def _points(session: Session, shop_id: int, span: Period, zone: str, buckets: dict[str, Bucket], result: Report) -> None:
    key, label = _bucket(LedgerEntry.created_at, span.bucket, zone)
    issued = func.coalesce(
        func.sum(case((and_(LedgerEntry.points > 0, LedgerEntry.kind.not_in(("refund", "merge"))), LedgerEntry.points), else_=0)), 0
    )
    redeemed = func.coalesce(
        func.sum(
            case(
                (LedgerEntry.kind == "redeem", -LedgerEntry.points),
                (LedgerEntry.kind == "refund", -LedgerEntry.points),
                else_=0,
            )
        ),
        0,
    )
    rows = session.execute(
        select(label, issued, redeemed)
        .where(LedgerEntry.shop_id == shop_id, LedgerEntry.created_at >= span.start, LedgerEntry.created_at < span.end)
        .group_by(key)
    )
    for name, points_issued, points_redeemed in rows:
        buckets[name].points_issued = int(points_issued)
        buckets[name].points_redeemed = int(points_redeemed)
    result.points_issued = sum(b.points_issued for b in buckets.values())
    result.points_redeemed = sum(b.points_redeemed for b in buckets.values())


def _paid(shop_id: int, start: datetime, end: datetime):
    return and_(
        Order.shop_id == shop_id,
        Order.paid_at >= start,
        Order.paid_at < end,
        Order.cancelled_at.is_(None),
        Order.eligible_amount.is_not(None),
    )


def _orders(session: Session, shop_id: int, span: Period, zone: str, buckets: dict[str, Bucket], result: Report) -> None:
    key, label = _bucket(Order.paid_at, span.bucket, zone)
    guest = Order.member_id.is_(None)
    rows = session.execute(
        select(label, guest, func.count(), func.coalesce(func.sum(Order.eligible_amount), 0))
        .where(_paid(shop_id, span.start, span.end))
        .group_by(key, guest)
    )
    for name, is_guest, count, revenue in rows:
        bucket, sales = buckets[name], result.guests if is_guest else result.members
        if is_guest:
            bucket.guest_orders, bucket.guest_revenue = count, Decimal(revenue)
        else:
            bucket.member_orders, bucket.member_revenue = count, Decimal(revenue)
        sales.orders += count
        sales.revenue += Decimal(revenue)


def _repeat_and_churn(session: Session, shop_id: int, span: Period, result: Report) -> None:
    previous = span.start - span.length
    in_period = func.sum(case((Order.paid_at >= span.start, 1), else_=0))
    in_previous = func.sum(case((Order.paid_at < span.start, 1), else_=0))
    per_member = (
        select(Order.member_id, in_period.label("now"), in_previous.label("before"))
        .where(_paid(shop_id, previous, span.end), Order.member_id.is_not(None))
        .group_by(Order.member_id)
        .subquery()
    )
    buying, repeat, base, churned = session.execute(
        select(
            func.count().filter(per_member.c.now >= 1),
            func.count().filter(per_member.c.now >= 2),
            func.count().filter(per_member.c.before >= 1),
            func.count().filter(per_member.c.before >= 1, per_member.c.now == 0),
        )
    ).one()
    result.buying_members, result.repeat_members, result.churn_base, result.churned = buying, repeat, base, churned


def _clv(session: Session, shop_id: int, end: datetime) -> Decimal | None:
    revenue, buyers = session.execute(
        select(func.coalesce(func.sum(Order.eligible_amount), 0), func.count(func.distinct(Order.member_id))).where(
            Order.shop_id == shop_id,
            Order.paid_at < end,
            Order.cancelled_at.is_(None),
            Order.eligible_amount.is_not(None),
            Order.member_id.is_not(None),
        )
    ).one()
    return (Decimal(revenue) / buyers).quantize(CENT) if buyers else None


def outstanding_points(session: Session, shop_id: int, end: datetime, now: datetime) -> int:
    """Points held at `end`: the ledger's sum before it (merges move points, they net to nothing)."""
    if end >= now:
        # The cached balances are the ledger's sums (kept in its transaction):
        # one row per member rather than every entry the shop ever made.
        total = session.scalar(select(func.coalesce(func.sum(Member.points_balance), 0)).where(Member.shop_id == shop_id))
    else:
        total = session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(LedgerEntry.shop_id == shop_id, LedgerEntry.created_at < end)
        )
    return int(total)


def _bucket(column, unit: str, zone: str) -> tuple[ColumnElement, ColumnElement]:
    """The bucket a time falls in, in the shop's zone: the expression to group by, and
    the bucket's 'YYYY-MM-DD' text, computed from the grouped expression."""
    start = func.date_trunc(unit, func.timezone(zone, column))
    # Grouped by the bucket's start and formatted once per bucket: to_char on every row
    # cost the period's aggregates about as much as the zone conversion and the sums together.
    return start, func.to_char(start, literal_column("'YYYY-MM-DD'"))


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
