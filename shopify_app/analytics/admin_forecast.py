"""POST /api/forecast: the shop's recent orders replayed through a draft of the program, beside today's rules.

The draft is plain values from the form being edited; nothing is saved. A
part left out of the draft (the multipliers, the rewards) is today's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from flask import jsonify
from pydantic import Field, create_model

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import shop_of
from shopify_app.analytics import analytics, forecast, forecast_history
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Cost, Model, Money, money_text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.earn import program_settings
from shopify_app.earn.admin_boosts import MultiplierFields
from shopify_app.rewards.models import RewardKind
from shopify_app.shop.guards import merchant_required
from shopify_app.shop.shops import program_of

# The purchase rule's fields a draft may change; the rest of the program does not touch what orders earn.
DRAFT_FIELDS = ("points_per_unit", "rounding", "minimum_order", "count_shipping", "count_tax", "count_discounts", "guest_points")
DraftProgram = create_model(
    "DraftProgram",
    __base__=Model,
    __doc__="The purchase rule as typed; a setting left out is today's.",
    **{name: (program_settings.ProgramFields.model_fields[name].rebuild_annotation(), None) for name in DRAFT_FIELDS},  # type: ignore[call-overload]
)


class DraftReward(Model):
    kind: RewardKind
    points_cost: Cost
    value: Money = Decimal(0)
    enabled: bool = True


class Draft(Model):
    """A draft of the program: each part left out is today's."""

    days: Annotated[int, Field(ge=7, le=365, description="how many days back to replay")] = 90
    program: DraftProgram = None  # type: ignore[valid-type,assignment] # absent: today's purchase rule
    multipliers: list[MultiplierFields] = Field(None, max_length=10_000, description="all of them; absent: today's")  # type: ignore[assignment]
    rewards: list[DraftReward] = Field(None, max_length=1_000, description="the whole catalogue; absent: today's")  # type: ignore[assignment]


class OutcomeJson(Answer):
    points_issued: int
    points_earned: int
    points_taken_back: int
    orders_earning: int
    point_value: str | None
    outstanding_points: int
    liability: str | None
    projected_redeemed_points: int | None
    projected_redemption_value: str | None
    cheapest_reward_points: int | None
    projected_rewards: int | None


class ForecastJson(Answer):
    days: int
    since: str
    currency: str
    orders: int
    redemption_rate: str | None
    assumptions: list[str]
    today: OutcomeJson
    draft: OutcomeJson


@bp.post("/forecast")
@merchant_required
@endpoint(
    "The shop's recent paid orders replayed through a draft of the program, beside today's rules; nothing is saved",
    security="session",
    body=Draft,
    answer=ForecastJson,
)
def post_forecast(body: Draft):
    now = datetime.now(UTC)
    since = now - timedelta(days=body.days)
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        today = forecast_history.todays_rules(uow.session, shop)
        draft = draft_rules(today, body, program_of(uow.session, shop))
        needs_collections = bool(today.collections or draft.collections)
        result = forecast.replay(
            forecast_history.paid_orders(uow.session, shop, since, collections=needs_collections),
            today,
            draft,
            forecast_history.redemption_rate(uow.session, shop.id, now),
            analytics.outstanding_points(uow.session, shop.id, now, now),
        )
        return jsonify(as_json(result, days=body.days, since=since, currency=shop.currency))


def draft_rules(today: forecast.Rules, body: Draft, program) -> forecast.Rules:
    """Today's rules with the draft's parts put in."""
    draft = today
    if body.program is not None:
        draft = replace(draft, **program_settings.checked(body.program.model_dump(exclude_unset=True), program))
    if body.multipliers is not None:
        found: dict[str, dict[int, Decimal]] = {"product": {}, "collection": {}}
        for row in body.multipliers:
            found[row.target][row.target_id] = row.multiplier
        draft = replace(draft, products=found["product"], collections=found["collection"])
    if body.rewards is not None:
        terms = (forecast.RewardTerms(r.kind, r.points_cost, r.value, r.enabled) for r in body.rewards)
        draft = replace(draft, rewards=tuple(terms))
    return draft


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
        "Today's liability is the points members hold now, as on the dashboard; the draft's adds the points "
        "it would have left unspent over these orders beyond today's rules.",
        "Orders are the paid orders Perks recorded, less refunds and cancellations; "
        "promotions that were running apply; VIP tier multipliers are not replayed.",
    ]


def _outcome(outcome: forecast.Outcome) -> dict[str, Any]:
    return {
        "points_issued": outcome.points_issued,
        "points_earned": outcome.points_earned,
        "points_taken_back": outcome.points_taken_back,
        "orders_earning": outcome.orders_earning,
        "point_value": None if outcome.point_value is None else str(outcome.point_value.normalize()),
        "outstanding_points": outcome.outstanding_points,
        "liability": money_text(outcome.liability),
        "projected_redeemed_points": outcome.projected_redeemed_points,
        "projected_redemption_value": money_text(outcome.projected_redemption_value),
        "cheapest_reward_points": outcome.cheapest_reward_points,
        "projected_rewards": outcome.projected_rewards,
    }
