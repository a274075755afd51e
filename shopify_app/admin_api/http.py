"""What every admin endpoint shares: the caller, the idempotency key, and errors as JSON a form can show by field."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from shopify_app.admin_api import bp
from shopify_app.core.errors import InvalidCommand, NotFound
from shopify_app.launcher.storefront import IDEMPOTENCY_KEY
from shopify_app.shop.models import Shop


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


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    return _api_error(ApiError(404, "not_found", str(error)))


@bp.errorhandler(InvalidCommand)
def _invalid_command(error: InvalidCommand):
    """What the domain refuses after the request's shape passed its model (e.g. fields that do not fit together)."""
    return _api_error(ApiError(400, "invalid", str(error), getattr(error, "errors", None)))


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


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"no {what} in this shop")
