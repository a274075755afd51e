"""The tables' common ground: the declarative base, aware UTC times, money columns.

Every row that belongs to a shop carries shop_id and every query filters by it; the database
enforces what idempotency rests on. Each room keeps its own tables in its models.py."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    DateTime,
    Numeric,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out: a naive time is refused rather than guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; Perks stores aware UTC times only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        # PostgreSQL answers in its session's TimeZone; Perks reads UTC whatever the server's zone.
        return value.astimezone(UTC) if value is not None else None


Money = Numeric(14, 2, asdecimal=True)


# Money times a multiplier (Numeric(8, 3)): exact to 5 places.
WeightedMoney = Numeric(19, 5, asdecimal=True)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money}
