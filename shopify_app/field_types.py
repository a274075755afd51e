"""The field types request and answer models share, with the bounds of `loyalty.limits` in them.

A refusal names the field and says what it must be; pydantic writes the sentence
from the bound (e.g. "Input should be less than or equal to 10000000").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, PlainSerializer

from shopify_app.loyalty import limits


def _printable(text: str) -> str:
    if limits.has_control_characters(text):
        raise ValueError("must not hold control characters such as NUL")
    return text


def Text(max_length: int, *, min_length: int = 0):  # noqa: N802 - used like a type: Text(60)
    """A string of at most `max_length` characters without control characters."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_printable)]


# Money and rates travel as strings ("5.00") so no float touches them; a number is taken too.
AsString = PlainSerializer(str, return_type=str, when_used="json")
Money = Annotated[Decimal, Field(ge=0, le=limits.MAX_MONEY, decimal_places=2), AsString]
Multiplier = Annotated[Decimal, Field(gt=0, le=limits.MAX_MULTIPLIER, decimal_places=2), AsString]
Id = Annotated[int, Field(ge=1, le=limits.MAX_ID)]
Cost = Annotated[int, Field(ge=1, le=limits.MAX_REWARD_COST)]
Count = Annotated[int, Field(ge=1, le=1_000_000)]
Days = Annotated[int, Field(ge=1, le=limits.MAX_DAYS)]
Title = Text(255, min_length=1)
