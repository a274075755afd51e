"""What every admin endpoint shares: the caller, the body, and errors as JSON a form can show by field."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from shopify_app.loyalty.errors import InvalidCommand
from shopify_app.loyalty.limits import ascii_whole
from shopify_app.loyalty.program_settings import InvalidSettings
from shopify_app.models import Shop
from shopify_app.storefront import IDEMPOTENCY_KEY

from . import bp


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.error, self.fields = status, error, fields or {}


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    body: dict[str, Any] = {"error": error.error, "message": str(error)}
    if error.fields:
        body["fields"] = error.fields
    return jsonify(body), error.status


@bp.errorhandler(InvalidCommand)
def _invalid_command(error: InvalidCommand):
    """What the domain refuses after the request's shape passed its model (e.g. fields that do not fit together)."""
    return _api_error(ApiError(400, "invalid", str(error), getattr(error, "errors", None)))


@bp.errorhandler(InvalidSettings)
def _invalid_settings(error: InvalidSettings):
    return _api_error(ApiError(400, "invalid", str(error), error.errors))


def actor() -> str:
    """The staff user behind the request: the verified session token's `sub`."""
    return g.caller.staff_user or "unknown"


def idempotency_key() -> str:
    """The request's `Idempotency-Key`, which every admin write that moves points must carry (the admin makes one per click)."""
    key = request.headers.get("Idempotency-Key")
    if key is None or not IDEMPOTENCY_KEY.fullmatch(key):
        message = "Idempotency-Key: this write moves points, so send a key of its own (1 to 100 letters, digits, '-', '_', '.' or ':')"
        raise ApiError(400, "invalid_idempotency_key", message)
    return key


def shop_of(session) -> Shop:
    return session.get(Shop, g.caller.shop_id)


def json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    return data


def query_int(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        return default
    number = ascii_whole(text)  # not str.isdigit alone: '3²' passes it and int() then fails
    if number is None or not low <= number <= high:
        raise ApiError(400, "invalid", f"{name} must be a whole number from {low} to {high}", {name: f"must be from {low} to {high}"})
    return number


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"no {what} in this shop")
