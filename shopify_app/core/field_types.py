"""The base of request and answer models (Model, Answer) and the field types they share, with the bounds of `loyalty.limits` in them.

A refusal names the field and says what it must be; pydantic writes the sentence
from the bound (e.g. "Input should be less than or equal to 10000000").
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from shopify_app.core import limits


def _printable(text: str) -> str:
    if limits.has_control_characters(text):
        raise ValueError("must not hold control characters such as NUL")
    return text


def Text(max_length: int, *, min_length: int = 0):  # used like a type: Text(60)
    """A string of at most `max_length` characters without control characters."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_printable)]


def _amount(value: object) -> object:
    """JSON's text or number as a Decimal (strict mode takes nothing else after this validator);
    text that is no number at all gets the sentence a merchant needs, not "must be a number"."""
    if isinstance(value, bool):
        return value  # refused as it is: true is no amount
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError("must be an amount such as 5.00, with at most 2 decimals") from None
    return value


def money_text(value: Decimal | None) -> str | None:
    """Money in an answer: text with 2 decimals ("485.04"), or None."""
    return None if value is None else f"{value:.2f}"


# Money and rates travel as strings ("5.00") so no float touches them; a number is taken too.
AsString = PlainSerializer(str, return_type=str, when_used="json")
Money = Annotated[Decimal, BeforeValidator(_amount), Field(ge=0, le=limits.MAX_MONEY, decimal_places=2), AsString]
Multiplier = Annotated[Decimal, Field(gt=0, le=limits.MAX_MULTIPLIER, decimal_places=2), AsString]
Id = Annotated[int, Field(ge=1, le=limits.MAX_ID)]  # a Shopify id
RowId = Annotated[int, Field(ge=1, le=limits.MAX_ROW_ID)]  # one of our own rows: a reward, a promotion, a key
Cost = Annotated[int, Field(ge=1, le=limits.MAX_REWARD_COST)]
Award = Annotated[int, Field(ge=0, le=limits.MAX_POINTS_PER_AWARD)]  # points a setting gives at once
Count = Annotated[int, Field(ge=1, le=1_000_000)]
Days = Annotated[int, Field(ge=1, le=limits.MAX_DAYS)]
Title = Text(255, min_length=1)


def _ascii_digits(value: object) -> object:
    # pydantic's lax int takes " 3", "+3", "3_0" and "3.0" from a query string; only the digits 0-9 name a number here.
    if isinstance(value, str):
        number = limits.ascii_whole(value)
        if number is None:
            raise ValueError("must be written with the digits 0 to 9 only")
        return number
    return value


def QueryWhole(low: int, high: int):  # used like a type: QueryWhole(0, 100)
    """A query string's whole number from `low` to `high`, in ASCII digits (a JSON body keeps plain int)."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_ascii_digits)]


PointsRate = Annotated[Decimal, Field(ge=0, le=10_000, decimal_places=4), AsString]  # points per unit of money spent
Rounding = Literal["down", "nearest", "up"]


class Model(BaseModel):
    """A request's shape: JSON types as they are (no "5" for 5, no true for 1) and no field the endpoint does not know."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Answer(BaseModel):
    """An answer's shape, checked under the tests."""

    model_config = ConfigDict(extra="forbid")
