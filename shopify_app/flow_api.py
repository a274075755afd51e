"""Shopify Flow actions Perks offers ("award points", "move to tier"), called by Flow and signed like webhooks.

Flow sends the action run with `X-Shopify-Hmac-Sha256` over the raw body;
a run may be retried, so each `action_run_id` pays once (its ledger key).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request

from webhooks import signature

from .loyalty import actions, tiers
from .loyalty.errors import InvalidCommand, UnknownShop
from .runtime import perks
from .unit_of_work import UnitOfWork

bp = Blueprint("flow_api", __name__, url_prefix="/flow")


class FlowRefusal(Exception):
    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error = status, error


@bp.errorhandler(FlowRefusal)
def _refused(refusal: FlowRefusal):
    return jsonify(error=refusal.error, message=str(refusal)), refusal.status


@bp.errorhandler(UnknownShop)
def _unknown_shop(error: UnknownShop):
    return jsonify(error="unknown_shop", message=str(error)), 404


@bp.errorhandler(InvalidCommand)
def _invalid(error: InvalidCommand):
    return jsonify(error="invalid_request", message=str(error)), 400


def _action_run() -> tuple[str, str, dict]:
    """The verified Flow action run: its shop, its run id and its properties."""
    request.max_content_length = 64 * 1024
    body = request.get_data(cache=False)
    if not signature.is_valid(body, request.headers.get("X-Shopify-Hmac-Sha256"), perks().settings.shopify_api_secret):
        raise FlowRefusal(401, "invalid_hmac", "X-Shopify-Hmac-Sha256 does not match the body")
    try:
        run = json.loads(body)
        return str(run["shopify_domain"]), str(run["action_run_id"]), dict(run["properties"])
    except (ValueError, KeyError, TypeError) as error:
        raise FlowRefusal(400, "invalid_request", f"not a Flow action run: {error}") from error


def _property(properties: dict, name: str, parse):
    try:
        return parse(properties[name])
    except (KeyError, ValueError, TypeError) as error:
        raise FlowRefusal(400, "invalid_request", f"property {name} missing or not valid: {error}") from error


def _in_one_transaction(change):
    with UnitOfWork(perks().sessions) as uow:
        status = change(uow.session)
        uow.commit()
    return jsonify(status=status), 200


@bp.post("/actions/award-points")
def award_points():
    shop_domain, run_id, properties = _action_run()
    customer_id, points = _property(properties, "customer_id", int), _property(properties, "points", int)
    reason = str(properties.get("reason") or "Awarded by Shopify Flow")
    return _in_one_transaction(
        lambda session: (
            "awarded" if actions.award_from_flow(session, shop_domain, customer_id, points, run_id=run_id, reason=reason) else "repeat"
        )
    )


@bp.post("/actions/move-to-tier")
def move_to_tier():
    shop_domain, _run_id, properties = _action_run()
    customer_id, tier = _property(properties, "customer_id", int), _property(properties, "tier", str)
    now = datetime.now(UTC)
    return _in_one_transaction(lambda session: "moved" if tiers.move_by_flow(session, shop_domain, customer_id, tier, now) else "unchanged")
