"""The signed actions API: review apps, the storefront's backend or the merchant's own
tools report what a member did (a review, a follow, a survey, a custom action) or
give their birthday.

The caller signs the raw body like Shopify signs webhooks: base64 of
HMAC-SHA256 with the app secret, in `X-Perks-Hmac-Sha256`. The endpoint only
translates: JSON into a command, a refusal into a 4xx.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask import Blueprint, jsonify, request

from webhooks import signature

from .loyalty import actions, profile
from .loyalty.commands import GiveBirthday, PerformAction
from .loyalty.errors import InvalidCommand, LoyaltyError, UnknownShop
from .loyalty.members import find_member
from .loyalty.shops import installed_shop
from .rate_limits import ACTIONS_API, limiter
from .runtime import perks
from .unit_of_work import UnitOfWork

bp = Blueprint("actions_api", __name__, url_prefix="/api")
MAX_BYTES = 64 * 1024


def _refuse(status: int, error: str, message: str):
    return jsonify(error=error, message=message), status


def _caller() -> str:
    """The shop a request names, for its rate limit (read before the signature is checked: an unsigned one is refused next)."""
    request.max_content_length = MAX_BYTES
    try:
        shop = json.loads(request.get_data(cache=True)).get("shop")
    except (ValueError, AttributeError):
        shop = None
    return f"actions:{shop}" if isinstance(shop, str) else f"address:{request.remote_addr}"


per_shop = limiter.limit(ACTIONS_API, key_func=_caller)


def _signed_json() -> dict:
    request.max_content_length = MAX_BYTES
    body = request.get_data(cache=True)
    if not signature.is_valid(body, request.headers.get("X-Perks-Hmac-Sha256"), perks().settings.shopify_api_secret):
        raise _Refusal(401, "invalid_hmac", "X-Perks-Hmac-Sha256 does not match the body")
    try:
        data = json.loads(body)
    except ValueError as error:
        raise _Refusal(400, "invalid_json", f"body is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise _Refusal(400, "invalid_json", "body is not a JSON object")
    return data


class _Refusal(Exception):
    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error = status, error


@bp.errorhandler(_Refusal)
def _refused(refusal: _Refusal):
    return _refuse(refusal.status, refusal.error, str(refusal))


@bp.post("/actions")
@per_shop
def perform_action():
    """{"shop", "customer_id", "action", "ref" (product id, network, survey id or action id), "handle" (custom)}"""
    data = _signed_json()
    try:
        cmd = PerformAction(
            shop_domain=str(data["shop"]),
            customer_id=int(data["customer_id"]),
            action=str(data["action"]),
            ref=str(data.get("ref") or ""),
            handle=str(data.get("handle") or ""),
        )
    except (KeyError, TypeError, ValueError) as error:
        return _refuse(400, "invalid_request", f"needs shop, customer_id and action: {error}")
    return _run(cmd.shop_domain, cmd.customer_id, lambda session, now: actions.perform(session, cmd, now=now))


@bp.post("/birthday")
@per_shop
def give_birthday():
    """{"shop", "customer_id", "birthday": "YYYY-MM-DD" or "--MM-DD" (no year)}"""
    data = _signed_json()
    try:
        text = str(data["birthday"])
        year, month, day = (None, *map(int, text[2:].split("-"))) if text.startswith("--") else _ymd(text)
        cmd = GiveBirthday(shop_domain=str(data["shop"]), customer_id=int(data["customer_id"]), month=month, day=day, year=year)
    except (KeyError, TypeError, ValueError) as error:
        return _refuse(400, "invalid_request", f"needs shop, customer_id and birthday: {error}")
    return _run(cmd.shop_domain, cmd.customer_id, lambda session, now: profile.give_birthday(session, cmd, now=now))


def _ymd(text: str) -> tuple[int, int, int]:
    parsed = date.fromisoformat(text)
    return parsed.year, parsed.month, parsed.day


def _run(shop_domain: str, customer_id: int, service):
    with UnitOfWork(perks().sessions) as uow:
        try:
            outcome = service(uow.session, datetime.now(UTC))
        except UnknownShop as error:
            return _refuse(404, "unknown_shop", str(error))
        except InvalidCommand as error:
            return _refuse(400, "invalid_request", str(error))
        except LoyaltyError as error:
            return _refuse(409, "refused", str(error))
        uow.commit()
        member = find_member(uow.session, installed_shop(uow.session, shop_domain).id, customer_id)
        answer = {"balance": member.points_balance if member else 0}
        if isinstance(outcome, actions.Outcome):
            answer.update(status=outcome.status, points=outcome.points)
        else:
            answer.update(status="saved")
        return jsonify(answer), 200
