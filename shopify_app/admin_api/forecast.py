"""POST /api/forecast: the shop's recent orders replayed through a draft of the program, beside today's rules.

The draft is plain values from the form being edited; nothing is saved. A
part left out of the draft (the multipliers, the rewards) is today's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import jsonify

from shopify_app.loyalty import forecast, forecast_history, program_settings
from shopify_app.loyalty.shops import program_of
from shopify_app.models import REWARD_KINDS
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import ApiError, json_object, shop_of

# The purchase rule's fields a draft may change; the rest of the program does not touch what orders earn.
DRAFT_FIELDS = ("points_per_unit", "rounding", "minimum_order", "count_shipping", "count_tax", "count_discounts", "guest_points")


@bp.post("/forecast")
@merchant_required
def post_forecast():
    data = json_object()
    days = data.get("days", 90)
    if not isinstance(days, int) or isinstance(days, bool) or not 7 <= days <= 365:
        raise ApiError(400, "invalid", "days must be a whole number from 7 to 365", {"days": "must be from 7 to 365"})
    now = datetime.now(UTC)
    since = now - timedelta(days=days)
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        today = forecast_history.todays_rules(uow.session, shop)
        draft = draft_rules(today, data, program_of(uow.session, shop))
        needs_collections = bool(today.collections or draft.collections)
        result = forecast.replay(
            forecast_history.paid_orders(uow.session, shop, since, collections=needs_collections),
            today,
            draft,
            forecast_history.redemption_rate(uow.session, shop.id, now),
        )
        return jsonify(as_json(result, days=days, since=since, currency=shop.currency))


def draft_rules(today: forecast.Rules, data: dict[str, Any], program) -> forecast.Rules:
    """Today's rules with the draft's parts put in; every problem named by field at once."""
    errors: dict[str, str] = {}
    changes = data.get("program") or {}
    if not isinstance(changes, dict):
        raise ApiError(400, "invalid", "program must be an object of settings", {"program": "must be an object"})
    for name in set(changes) - set(DRAFT_FIELDS):
        errors[f"program.{name}"] = "is not part of the purchase rule a forecast replays"
    settings: dict[str, Any] = {}
    try:
        settings = program_settings.checked({k: v for k, v in changes.items() if k in DRAFT_FIELDS}, program)
    except program_settings.InvalidSettings as invalid:
        errors |= invalid.errors
    draft = replace(today, **settings)
    if "multipliers" in data:
        products, collections = _multipliers(data["multipliers"], errors)
        draft = replace(draft, products=products, collections=collections)
    if "rewards" in data:
        draft = replace(draft, rewards=_rewards(data["rewards"], errors))
    if errors:
        raise ApiError(400, "invalid", "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    return draft


def _multipliers(rows: Any, errors: dict[str, str]) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    found: dict[str, dict[int, Decimal]] = {"product": {}, "collection": {}}
    if not isinstance(rows, list):
        errors["multipliers"] = "must be a list of {target, target_id, multiplier}"
        return {}, {}
    for n, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        target, target_id = row.get("target"), str(row.get("target_id") or "").rsplit("/", 1)[-1]
        factor = program_settings.parse_decimal(row.get("multiplier"))
        if target not in found:
            errors[f"multipliers.{n}.target"] = "must be product or collection"
        elif not target_id.isdigit():
            errors[f"multipliers.{n}.target_id"] = "must be the Shopify id of the product or collection"
        elif factor is None or not 0 < factor <= 10:
            errors[f"multipliers.{n}.multiplier"] = "must be a number above 0 and at most 10"
        else:
            found[target][int(target_id)] = factor
    return found["product"], found["collection"]


def _rewards(rows: Any, errors: dict[str, str]) -> tuple[forecast.RewardTerms, ...]:
    if not isinstance(rows, list):
        errors["rewards"] = "must be a list of {kind, points_cost, value, enabled}"
        return ()
    terms = []
    for n, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        cost, value, enabled = row.get("points_cost"), program_settings.parse_decimal(row.get("value", "0")), row.get("enabled", True)
        if row.get("kind") not in REWARD_KINDS:
            errors[f"rewards.{n}.kind"] = f"must be one of {', '.join(REWARD_KINDS)}"
        elif not isinstance(cost, int) or isinstance(cost, bool) or cost <= 0:
            errors[f"rewards.{n}.points_cost"] = "must be a whole number above 0"
        elif value is None or value < 0:
            errors[f"rewards.{n}.value"] = "must be an amount of 0 or more"
        elif not isinstance(enabled, bool):
            errors[f"rewards.{n}.enabled"] = "must be true or false"
        else:
            terms.append(forecast.RewardTerms(row["kind"], cost, value, enabled))
    return tuple(terms)


def as_json(result: forecast.Forecast, *, days: int, since: datetime, currency: str) -> dict[str, Any]:
    rate = result.redemption_rate
    return {
        "days": days,
        "since": since.isoformat(),
        "currency": currency,
        "orders": result.orders,
        "redemption_rate": None if rate is None else str(rate),
        "assumptions": assumptions(rate),
        "today": _outcome(result.today),
        "draft": _outcome(result.draft),
    }


def assumptions(rate: Decimal | None) -> list[str]:
    """What the projection takes for granted, shown on screen beside it."""
    spend = (
        f"Members go on spending {rate * 100:.1f}% of the points they earn, as they did over the last 12 months."
        if rate is not None
        else "No points were issued in the last 12 months, so no redemptions are projected."
    )
    return [
        spend,
        "A point is worth what the best-value money reward gives for it, as on the dashboard.",
        "Orders are the paid orders Perks recorded, less refunds and cancellations; "
        "promotions that were running apply; VIP tier multipliers are not replayed.",
    ]


def _outcome(outcome: forecast.Outcome) -> dict[str, Any]:
    def money(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:.2f}"

    return {
        "points_issued": outcome.points_issued,
        "points_earned": outcome.points_earned,
        "points_taken_back": outcome.points_taken_back,
        "orders_earning": outcome.orders_earning,
        "point_value": None if outcome.point_value is None else str(outcome.point_value.normalize()),
        "liability": money(outcome.liability),
        "projected_redeemed_points": outcome.projected_redeemed_points,
        "projected_redemption_value": money(outcome.projected_redemption_value),
        "cheapest_reward_points": outcome.cheapest_reward_points,
        "projected_rewards": outcome.projected_rewards,
    }
