"""The merchant's settings of the purchase rule and points expiry: typed by their model, then checked together."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from shopify_app.core import limits
from shopify_app.core.errors import InvalidCommand
from shopify_app.core.field_types import Money, PointsRate, Rounding
from shopify_app.earn.models import Program
from shopify_app.shop import audit
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import program_of


class ProgramFields(BaseModel):
    """The program's settings as a change sends them, only those it changes (the admin's PATCH /api/program body)."""

    model_config = ConfigDict(strict=True, extra="forbid")  # as shopify_app.core.contracts.Model, which the domain does not import

    enabled: bool = None  # type: ignore[assignment] # absent is not null: only the fields sent are changed
    points_per_unit: PointsRate = None  # type: ignore[assignment]
    rounding: Rounding = None  # type: ignore[assignment]
    minimum_order: Money = None  # type: ignore[assignment]
    count_shipping: bool = None  # type: ignore[assignment]
    count_tax: bool = None  # type: ignore[assignment]
    count_discounts: bool = None  # type: ignore[assignment]
    guest_points: bool = None  # type: ignore[assignment]
    signup_points: Annotated[int, Field(ge=0, le=limits.MAX_POINTS_PER_AWARD)] = None  # type: ignore[assignment]
    expire_after_days: Annotated[int, Field(ge=1, le=limits.MAX_DAYS, description="null: points never expire")] | None = None
    expiry_reminder_days: Annotated[int, Field(ge=0, le=365, description="0: no reminder")] = None  # type: ignore[assignment]
    nudge_after_days: Annotated[int, Field(ge=7, le=730, description="null: no nudges")] | None = None


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
    """The changes typed (a JSON body's values, or values already typed) and checked against each other."""
    try:
        values = ProgramFields.model_validate_json(json.dumps(changes, default=str)).model_dump(exclude_unset=True)
    except ValidationError as error:
        raise InvalidSettings({".".join(map(str, e["loc"])): e["msg"] for e in error.errors(include_url=False)}) from None
    expire = values.get("expire_after_days", current.expire_after_days)
    remind = values.get("expiry_reminder_days", current.expiry_reminder_days)
    if expire is not None and remind >= expire:
        raise InvalidSettings({"expiry_reminder_days": f"must be fewer days than points take to expire ({expire})"})
    return values


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
