"""POST /webhooks: verify, record durably, enqueue, answer.

Shopify counts anything but a 2xx within 5 s as a failure and retries, so
the answer is 200 only once the delivery is committed, 503 when it cannot
be, and still 200 when only the enqueue failed (the sweeper finds it).
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, jsonify, request
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from shopify_app.core.queue import enqueue_delivery
from shopify_app.core.web import perks
from webhooks import deliveries, signature
from webhooks.handlers import AFTER_UNINSTALL, HANDLERS

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)

REQUIRED_HEADERS = ("X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id")


def _refuse(status: int, error: str, message: str):
    return jsonify(error=error, message=message), status


@bp.post("/webhooks")
def receive():
    runtime = perks()
    request.max_content_length = runtime.settings.webhook_max_bytes
    body = request.get_data(cache=False)  # raises 413 past the limit
    if not signature.is_valid(body, request.headers.get("X-Shopify-Hmac-Sha256"), runtime.settings.shopify_api_secret):
        return _refuse(401, "invalid_hmac", "X-Shopify-Hmac-Sha256 does not match the body")
    headers = {name: value for name, value in request.headers.items() if name.lower().startswith("x-shopify-")}
    headers = {_canonical(name): value for name, value in headers.items()}
    missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
    if missing:
        return _refuse(400, "missing_headers", f"missing {', '.join(missing)}")
    try:
        if not isinstance(json.loads(body), dict):
            raise ValueError("not a JSON object")
    except ValueError as error:
        return _refuse(400, "invalid_json", f"body is not a JSON object: {error}")
    if headers["X-Shopify-Topic"] not in HANDLERS:
        return jsonify(status="ignored", reason="topic not handled"), 200

    try:
        installed, delivery_id = deliveries.record_for_domain(
            runtime.sessions, headers["X-Shopify-Shop-Domain"], headers, body, after_uninstall=headers["X-Shopify-Topic"] in AFTER_UNINSTALL
        )
    except SQLAlchemyError:
        log.exception("could not record a %s delivery", headers["X-Shopify-Topic"])
        return _refuse(503, "unavailable", "could not record the delivery; retry later")

    if not installed:
        return jsonify(status="ignored", reason="shop not installed"), 200
    if delivery_id is not None:
        try:
            enqueue_delivery(runtime.queue, delivery_id)
        except RedisError:
            current_app.logger.warning("delivery %s recorded but not enqueued; the sweeper will", delivery_id)
    return jsonify(status="recorded", delivery=delivery_id), 200


_CANONICAL = {name.lower(): name for name in (*deliveries.KEPT_HEADERS, "X-Shopify-Hmac-Sha256")}


def _canonical(name: str) -> str:
    return _CANONICAL.get(name.lower(), name)
