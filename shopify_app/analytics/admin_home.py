"""GET /api/home: Home's five figures against the previous period of the same length."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from flask import jsonify
from pydantic import Field

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import shop_of
from shopify_app.analytics import overview
from shopify_app.analytics.admin import EARLIEST
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model, QueryWhole
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.shop.guards import merchant_required


class HomeQuery(Model):
    days: QueryWhole(1, 366) = Field(30, description="the period's length in days; the previous period is as long")
    to: date = Field(None, ge=EARLIEST, description="the period's last day (YYYY-MM-DD); default: today in the shop's time zone")


class Span(Answer):
    start: str
    end: str


class Figure(Answer):
    name: Literal[overview.FIGURES]  # type: ignore[valid-type]
    current: int | str | None = Field(description="money as text with 2 decimals; null: no money reward values points yet")
    previous: int | str | None
    change_percent: str | None = Field(description="one decimal; null when the previous figure is 0 or unknown")
    direction: Literal["up", "down", "flat"]


class HomeFigures(Answer):
    days: int
    currency: str
    current: Span
    previous: Span
    figures: list[Figure]


@bp.get("/home")
@merchant_required
@endpoint(
    "Members, points issued and redeemed, liability and members' revenue, each against the previous period of the same length",
    security="session",
    query=HomeQuery,
    answer=HomeFigures,
)
def home_figures(query: HomeQuery):
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        last = query.to or datetime.now(UTC).astimezone(ZoneInfo(shop.timezone or "UTC")).date()
        return jsonify(overview.as_json(overview.overview(uow.session, shop, last, query.days)))
