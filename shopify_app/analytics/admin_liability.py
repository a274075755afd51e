"""The loyalty-points liability report for a period, its journal as CSV, and the accounts it books to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, g, jsonify
from pydantic import Field, create_model

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import ApiError, actor, shop_of
from shopify_app.analytics import liability
from shopify_app.analytics.models import ACCOUNT_NAME
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model, Text, money_text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.ledger.transfer import csv_text
from shopify_app.shop import audit
from shopify_app.shop.guards import merchant_required

MAX_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)
NO_VALUE = (
    "Points have no money value yet: add an enabled money reward (money off, store credit or points for money) "
    "and the report values them at its rate."
)

# Made by name: "from" is a Python keyword (read it as getattr(query, "from")).
Period = create_model(
    "LiabilityPeriod",
    __base__=Model,
    **{"from": (date, Field(None, ge=EARLIEST, description="the first day (YYYY-MM-DD); default: the first of last month"))},
    to=(date, Field(None, ge=EARLIEST, description="the last day (YYYY-MM-DD); default: the last day of last month")),
)


class Accounts(Model):
    deferred_revenue: Text(ACCOUNT_NAME, min_length=1) = Field(description="the contract liability's account")  # type: ignore[valid-type]
    revenue: Text(ACCOUNT_NAME, min_length=1) = Field(description="where recognised revenue goes")  # type: ignore[valid-type]
    marketing_expense: Text(ACCOUNT_NAME, min_length=1) = Field(description="the cost of points given without a purchase")  # type: ignore[valid-type]


class AccountsJson(Answer):
    deferred_revenue: str
    revenue: str
    marketing_expense: str


class BreakageJson(Answer):
    at: str
    since: str
    issued: int
    redeemed: int
    expired: int
    history_days: int
    ultimate_redemption_rate: str | None
    rate: str
    estimated: bool
    note: str


class LineJson(Answer):
    key: str
    label: str
    points: int | None
    amount: str
    basis: str
    account: str


class LiabilityJson(Answer):
    currency: str
    zone: str
    first: str
    last: str
    point_value: str
    point_value_basis: str
    selling_price: str
    opening_points: int
    closing_points: int
    face_value: str
    opening: str
    lines: list[LineJson]
    closing: str
    opening_breakage: BreakageJson
    closing_breakage: BreakageJson
    rounding: str
    accounts: AccountsJson


def _report(session, query) -> liability.Report:
    shop = shop_of(session)
    today = datetime.now(UTC).astimezone(ZoneInfo(shop.timezone or "UTC")).date()
    last = query.to or today.replace(day=1) - timedelta(days=1)
    first = getattr(query, "from") or last.replace(day=1)
    problem = "must be on or before to" if first > last else f"the period can be at most {MAX_DAYS} days"
    if first > last or (last - first).days >= MAX_DAYS:
        raise ApiError(400, "invalid", f"from: {problem}", {"from": problem})
    try:
        return liability.report(session, shop, first, last)
    except liability.NoPointValue:
        raise ApiError(409, "no_point_value", NO_VALUE) from None


@bp.get("/liability")
@merchant_required
@endpoint(
    "The loyalty-points liability for a period: points valued, breakage estimated from the shop's history, "
    "the deferred-revenue roll-forward (IFRS 15 / ASC 606)",
    security="session",
    query=Period,
    answer=LiabilityJson,
    refusals={409: "the shop has no enabled money reward to value points with"},
)
def liability_report(query):
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(as_json(_report(uow.session, query)))


@bp.get("/liability/journal.csv")
@merchant_required
@endpoint(
    "The period's journal as CSV (date, account, debit, credit, memo), debits equal to credits",
    security="session",
    query=Period,
    returns="text/csv",
    refusals={409: "the shop has no enabled money reward to value points with"},
)
def liability_journal(query):
    with UnitOfWork(perks().sessions) as uow:
        result = _report(uow.session, query)
    name = f"perks-loyalty-journal-{result.first.isoformat()}-{result.last.isoformat()}.csv"
    return Response(
        "".join(csv_text(liability.journal_rows(result))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/liability/accounts")
@merchant_required
@endpoint("The accounts the journal books to", security="session", answer=AccountsJson)
def liability_accounts():
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(liability.accounts(uow.session, g.caller.shop_id))


@bp.put("/liability/accounts")
@merchant_required
@endpoint("Name the accounts the journal books to; recorded in the change log", security="session", body=Accounts, answer=AccountsJson)
def save_liability_accounts(body: Accounts):
    with UnitOfWork(perks().sessions) as uow:
        before = liability.accounts(uow.session, g.caller.shop_id)
        after = liability.save_accounts(uow.session, g.caller.shop_id, body.model_dump())
        audit.record(uow.session, g.caller.shop_id, actor(), "liability accounts", before, after)
        uow.commit()
        return jsonify(after)


def as_json(result: liability.Report) -> dict:
    def breakage(b: liability.Breakage) -> dict:
        urr = b.ultimate_redemption_rate
        return {
            "at": b.at.isoformat(),
            "since": b.since.isoformat(),
            "issued": b.issued,
            "redeemed": b.redeemed,
            "expired": b.expired,
            "history_days": b.history_days,
            "ultimate_redemption_rate": None if urr is None else str(urr),
            "rate": str(b.rate),
            "estimated": b.estimated,
            "note": b.note,
        }

    rounding = next((line.amount for line in result.lines if line.key == "rounding"), None)
    return {
        "currency": result.currency,
        "zone": result.zone,
        "first": result.first.isoformat(),
        "last": result.last.isoformat(),
        "point_value": liability.plain(result.point_value),
        "point_value_basis": "the best money-per-point of your enabled money rewards (money off, store credit, points for money), "
        "as on the dashboard",
        "selling_price": liability.plain(result.selling_price),
        "opening_points": result.opening_points,
        "closing_points": result.closing_points,
        "face_value": money_text(result.face_value),
        "opening": money_text(result.opening),
        "lines": [
            {
                "key": line.key,
                "label": line.label,
                "points": line.points,
                "amount": money_text(line.amount),
                "basis": line.basis,
                "account": result.accounts[line.account],
            }
            for line in result.lines
        ],
        "closing": money_text(result.closing),
        "opening_breakage": breakage(result.opening_breakage),
        "closing_breakage": breakage(result.closing_breakage),
        "rounding": "Each amount is computed exactly and rounded half-to-even to the cent at the end"
        + (f"; {money_text(rounding)} of rounding is shown on its own line." if rounding is not None else "."),
        "accounts": result.accounts,
    }
