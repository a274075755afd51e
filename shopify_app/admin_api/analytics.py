"""The dashboard's numbers over a chosen period, as JSON for the charts and as CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, request

from shopify_app.loyalty import analytics
from shopify_app.loyalty.transfer import csv_text
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import ApiError, query_date, shop_of

MAX_DAYS = 3 * 366


def _report(session) -> analytics.Report:
    shop = shop_of(session)
    today = datetime.now(UTC).astimezone(ZoneInfo(shop.timezone or "UTC")).date()
    last = query_date("to", today)
    first = query_date("from", last - timedelta(days=29))
    bucket = request.args.get("bucket") or None
    errors = {}
    if first > last:
        errors["from"] = "must be on or before to"
    elif (last - first).days >= MAX_DAYS:
        errors["from"] = f"the period can be at most {MAX_DAYS} days"
    if bucket is not None and bucket not in analytics.BUCKETS:
        errors["bucket"] = "must be day, week or month"
    if first < date(2000, 1, 1):
        errors["from"] = "must be in 2000 or later"
    if errors:
        raise ApiError(400, "invalid", "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    return analytics.report(session, shop, analytics.period(shop, first, last, bucket))


@bp.get("/analytics")
@merchant_required
def dashboard():
    with UnitOfWork(perks().sessions) as uow:
        return analytics.as_json(_report(uow.session))


@bp.get("/analytics.csv")
@merchant_required
def dashboard_csv():
    with UnitOfWork(perks().sessions) as uow:
        result = _report(uow.session)
    first = result.period.start.astimezone(ZoneInfo(result.period.zone)).date()
    name = f"perks-analytics-{first.isoformat()}-{result.buckets[-1].label if result.buckets else first}.csv"
    return Response(
        "".join(csv_text(analytics.csv_rows(result))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
