"""Shopify Flow actions Perks offers ("award points", "move to tier"), called by Flow and signed like webhooks.

Flow sends the action run with `X-Shopify-Hmac-Sha256` over the raw body;
a run may be retried, so each `action_run_id` pays once (its ledger key).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import wraps
from typing import Annotated, Literal

from flask import Blueprint, jsonify, request
from pydantic import BeforeValidator, ConfigDict, Field

from shopify_app.core.contracts import endpoint
from shopify_app.core.errors import InvalidCommand, UnknownShop
from shopify_app.core.field_types import Answer, Id, Model, Text
from shopify_app.core.limits import MAX_POINTS_PER_AWARD, MAX_REASON_LENGTH, ascii_whole
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.earn import actions
from shopify_app.tiers import tiers
from webhooks import signature

bp = Blueprint("flow_api", __name__, url_prefix="/flow")


@bp.errorhandler(UnknownShop)
def _unknown_shop(error: UnknownShop):
    return jsonify(error="unknown_shop", message=str(error)), 404


@bp.errorhandler(InvalidCommand)
def _invalid(error: InvalidCommand):
    return jsonify(error="invalid_request", message=str(error)), 400


def flow_signed(view):
    """Flow's HMAC over the raw body, checked before the contract reads a byte of it as JSON."""

    @wraps(view)
    def guarded(*args, **kwargs):
        request.max_content_length = 64 * 1024
        body = request.get_data(cache=True)  # kept: the contract parses it next
        if not signature.is_valid(body, request.headers.get("X-Shopify-Hmac-Sha256"), perks().settings.shopify_api_secret):
            return jsonify(error="invalid_hmac", message="X-Shopify-Hmac-Sha256 does not match the body"), 401
        return view(*args, **kwargs)

    return guarded


def _digits_as_number(value: object) -> object:
    """Flow sends a property as its type says, and its own example sends ids and numbers as strings ("123456")."""
    if isinstance(value, str):
        number = ascii_whole(value)
        return value if number is None else number
    return value


FlowId = Annotated[Id, BeforeValidator(_digits_as_number)]
FlowPoints = Annotated[int, Field(ge=1, le=MAX_POINTS_PER_AWARD), BeforeValidator(_digits_as_number)]


class FlowModel(Model):
    # What Flow sends beyond the documented fields (a step reference, fields it adds later) is no reason to fail a run.
    model_config = ConfigDict(strict=True, extra="ignore")


class AwardProperties(FlowModel):
    customer_id: FlowId = Field(description="the Shopify customer's id (Flow sends it as a string of digits)")
    points: FlowPoints
    reason: Text(MAX_REASON_LENGTH) | None = None  # type: ignore[valid-type]


class TierProperties(FlowModel):
    customer_id: FlowId = Field(description="the Shopify customer's id (Flow sends it as a string of digits)")
    tier: Text(255, min_length=1)  # type: ignore[valid-type]


class ActionRun(FlowModel):
    """An action run as Flow posts it (shopify.dev: Flow action endpoints, "Flow action execution")."""

    shop_id: FlowId | None = None
    shopify_domain: Text(255, min_length=1)  # type: ignore[valid-type]
    action_run_id: Text(255, min_length=1) = Field(description="the same on Flow's retries: it pays once")  # type: ignore[valid-type]
    action_definition_id: Text(255) | None = None  # type: ignore[valid-type]
    handle: Text(255) | None = None  # type: ignore[valid-type]


class AwardRun(ActionRun):
    properties: AwardProperties


class TierRun(ActionRun):
    properties: TierProperties


class Awarded(Answer):
    status: Literal["awarded", "repeat"]


class Moved(Answer):
    status: Literal["moved", "unchanged"]


def _in_one_transaction(change):
    with UnitOfWork(perks().sessions) as uow:
        status = change(uow.session)
        uow.commit()
    return jsonify(status=status), 200


def flow_action(summary: str, **details):
    """A Flow action's contract: signed by Flow, refused as the storefront and the actions API refuse."""
    return endpoint(summary, security="flow", invalid="invalid_request", refusals={404: "the shop is not installed"}, **details)


@bp.post("/actions/award-points")
@flow_signed
@flow_action('Shopify Flow\'s "award points" action: each action run pays once', body=AwardRun, answer=Awarded)
def award_points(body: AwardRun):
    run, properties = body, body.properties
    reason = properties.reason or "Awarded by Shopify Flow"
    return _in_one_transaction(
        lambda session: (
            "awarded"
            if actions.award_from_flow(
                session, run.shopify_domain, properties.customer_id, properties.points, run_id=run.action_run_id, reason=reason
            )
            else "repeat"
        )
    )


@bp.post("/actions/move-to-tier")
@flow_signed
@flow_action('Shopify Flow\'s "move to tier" action: the member enters the tier (its entry reward once)', body=TierRun, answer=Moved)
def move_to_tier(body: TierRun):
    shop, customer_id, tier, now = body.shopify_domain, body.properties.customer_id, body.properties.tier, datetime.now(UTC)
    return _in_one_transaction(lambda session: "moved" if tiers.move_by_flow(session, shop, customer_id, tier, now) else "unchanged")
