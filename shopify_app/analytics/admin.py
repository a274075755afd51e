"""The dashboard's numbers over a chosen period, as JSON for the charts and as CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from flask import Response, jsonify
from pydantic import Field, create_model

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import ApiError, shop_of
from shopify_app.analytics import analytics
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.ledger.transfer import csv_text
from shopify_app.shop.guards import merchant_required

MAX_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)


# Made by name: "from" is a Python keyword (read it as getattr(query, "from")).
Period = create_model(
    "Period",
    __base__=Model,
    **{"from": (date, Field(None, ge=EARLIEST, description="the first day (YYYY-MM-DD); default: 29 days before `to`"))},
    to=(date, Field(None, ge=EARLIEST, description="the last day (YYYY-MM-DD); default: today in the shop's time zone")),
    bucket=(Literal[analytics.BUCKETS], Field(None, description="day, week or month; default: by the period's length")),
)


class PeriodJson(Answer):
    start: str
    end: str
    bucket: Literal[analytics.BUCKETS]  # type: ignore[valid-type]
    zone: str


class Sales(Answer):
    orders: int
    revenue: str | None
    aov: str | None


class Bucket(Answer):
    label: str
    new_members: int
    members: int
    points_issued: int
    points_redeemed: int
    member_orders: int
    member_revenue: str | None
    guest_orders: int
    guest_revenue: str | None


class TierShare(Answer):
    name: str
    threshold: str
    members: int = Field(description="members holding the tier now")


class Dashboard(Answer):
    period: PeriodJson
    currency: str
    members_total: int
    new_members: int
    points_issued: int
    points_redeemed: int
    redemption_rate: str | None
    outstanding_points: int
    point_value: str | None
    liability: str | None
    members: Sales
    guests: Sales
    repeat_purchase_rate: str | None
    clv: str | None
    churn_rate: str | None
    tiers: list[TierShare]
    series: list[Bucket]


def _report(session, period) -> analytics.Report:
    shop = shop_of(session)
    last = period.to or datetime.now(UTC).astimezone(ZoneInfo(shop.timezone or "UTC")).date()
    first = getattr(period, "from") or last - timedelta(days=29)
    problem = "must be on or before to" if first > last else f"the period can be at most {MAX_DAYS} days"
    if first > last or (last - first).days >= MAX_DAYS:
        raise ApiError(400, "invalid", f"from: {problem}", {"from": problem})
    return analytics.report(session, shop, analytics.period(shop, first, last, period.bucket))


@bp.get("/analytics")
@merchant_required
@endpoint("The dashboard's figures over a period, and its series by day, week or month", security="session", query=Period, answer=Dashboard)
def dashboard(query):
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(analytics.as_json(_report(uow.session, query)))


@bp.get("/analytics.csv")
@merchant_required
@endpoint("The same figures as CSV: the series, then metric,value rows", security="session", query=Period, returns="text/csv")
def dashboard_csv(query):
    with UnitOfWork(perks().sessions) as uow:
        result = _report(uow.session, query)
    first = result.period.start.astimezone(ZoneInfo(result.period.zone)).date()
    name = f"perks-analytics-{first.isoformat()}-{result.buckets[-1].label if result.buckets else first}.csv"
    return Response(
        "".join(csv_text(analytics.csv_rows(result))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
