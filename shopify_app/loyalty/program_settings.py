"""The merchant's settings of the purchase rule and points expiry, checked field by field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from shopify_app.models import Program, Shop

from . import audit
from .errors import InvalidCommand
from .shops import program_of

ROUNDINGS = ("down", "nearest", "up")
BOOLEANS = ("enabled", "count_shipping", "count_tax", "count_discounts", "guest_points")


class InvalidSettings(InvalidCommand):
    """Every problem with a form at once, by field, so the merchant fixes them in one go."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def as_dict(program: Program) -> dict[str, Any]:
    """The settings as JSON shows them: money and rates as strings, so no float ever rounds them."""
    return {
        "enabled": program.enabled,
        "points_per_unit": str(program.points_per_unit.normalize()) if program.points_per_unit else "0",
        "rounding": program.rounding,
        "minimum_order": f"{program.minimum_order:.2f}",
        "count_shipping": program.count_shipping,
        "count_tax": program.count_tax,
        "count_discounts": program.count_discounts,
        "signup_points": program.signup_points,
        "guest_points": program.guest_points,
        "expire_after_days": program.expire_after_days,
        "expiry_reminder_days": program.expiry_reminder_days,
        "nudge_after_days": program.nudge_after_days,
    }


def update(session: Session, shop: Shop, changes: dict[str, Any], actor: str) -> Program:
    """Apply a partial change after checking all of it; the change log gets before and after."""
    program = program_of(session, shop)
    values = checked(changes, program)
    before = as_dict(program)
    for name, value in values.items():
        setattr(program, name, value)
    session.flush()
    audit.record(session, shop.id, actor, "program", before, as_dict(program))
    return program


def checked(changes: dict[str, Any], current: Program) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in RULES:
            errors[name] = "is not a setting of the program"
            continue
        read, message = RULES[name]
        parsed = read(value)
        if parsed is _BAD:
            errors[name] = message
        else:
            values[name] = parsed
    expire = values.get("expire_after_days", current.expire_after_days)
    remind = values.get("expiry_reminder_days", current.expiry_reminder_days)
    if expire is not None and remind >= expire and not {"expiry_reminder_days", "expire_after_days"} & errors.keys():
        errors["expiry_reminder_days"] = f"must be fewer days than points take to expire ({expire})"
    if errors:
        raise InvalidSettings(errors)
    return values


_BAD = object()


def _number(places: int, high: Decimal):
    def read(value: Any) -> Decimal | object:
        number = parse_decimal(value)
        if number is None or number < 0 or number > high or number.as_tuple().exponent < -places:
            return _BAD
        return number

    return read


def _whole(low: int, high: int, *, empty_allowed: bool = False):
    def read(value: Any) -> int | object | None:
        if value is None and empty_allowed:
            return None
        return value if _is_int(value) and low <= value <= high else _BAD

    return read


def _boolean(value: Any) -> bool | object:
    return value if isinstance(value, bool) else _BAD


RULES = {
    **{name: (_boolean, "must be true or false") for name in BOOLEANS},
    "points_per_unit": (_number(4, Decimal(10000)), "must be a number of points from 0 to 10000, with at most 4 decimals"),
    "rounding": (lambda value: value if value in ROUNDINGS else _BAD, "must be down, nearest or up"),
    "minimum_order": (_number(2, Decimal("1e12") - 1), "must be an amount of money of 0 or more, with at most 2 decimals"),
    "signup_points": (_whole(0, 1_000_000), "must be a whole number of points from 0 to 1,000,000"),
    "expire_after_days": (_whole(1, 3650, empty_allowed=True), "must be empty (points never expire) or a number of days from 1 to 3650"),
    "expiry_reminder_days": (_whole(0, 365), "must be a number of days from 0 (no reminder) to 365"),
    "nudge_after_days": (_whole(7, 730, empty_allowed=True), "must be empty (no nudges) or a number of days from 7 to 730"),
}


def parse_decimal(value: Any) -> Decimal | None:
    # Numbers arrive as strings from the form; a JSON float would already have
    # lost digits, so it is read through its shortest repr.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
