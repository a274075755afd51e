"""Shopify Flow actions Perks offers ("award points"), called by Flow and signed like webhooks.

Flow sends the action run with `X-Shopify-Hmac-Sha256` over the raw body;
a run may be retried, so each `action_run_id` pays once (its ledger key).
"""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request

from webhooks import signature

from .loyalty import actions
from .loyalty.errors import InvalidCommand, UnknownShop
from .runtime import perks
from .unit_of_work import UnitOfWork

bp = Blueprint("flow_api", __name__, url_prefix="/flow")


@bp.post("/actions/award-points")
def award_points():
    request.max_content_length = 64 * 1024
    body = request.get_data(cache=False)
    if not signature.is_valid(body, request.headers.get("X-Shopify-Hmac-Sha256"), perks().settings.shopify_api_secret):
        return jsonify(error="invalid_hmac", message="X-Shopify-Hmac-Sha256 does not match the body"), 401
    try:
        run = json.loads(body)
        properties = run["properties"]
        shop_domain, run_id = str(run["shopify_domain"]), str(run["action_run_id"])
        customer_id, points = int(properties["customer_id"]), int(properties["points"])
        reason = str(properties.get("reason") or "Awarded by Shopify Flow")
    except (ValueError, KeyError, TypeError) as error:
        return jsonify(error="invalid_request", message=f"not a Flow action run: {error}"), 400
    with UnitOfWork(perks().sessions) as uow:
        try:
            paid = actions.award_from_flow(uow.session, shop_domain, customer_id, points, run_id=run_id, reason=reason)
        except UnknownShop as error:
            return jsonify(error="unknown_shop", message=str(error)), 404
        except InvalidCommand as error:
            return jsonify(error="invalid_request", message=str(error)), 400
        uow.commit()
    return jsonify(status="awarded" if paid else "repeat"), 200
