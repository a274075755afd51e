"""The tables. Every row that belongs to a shop carries shop_id and every
query filters by it; the database enforces what idempotency rests on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out, on PostgreSQL and on SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; Perks stores aware UTC times only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


Money = Numeric(14, 2, asdecimal=True)
# SQLite only autoincrements a column declared INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money}


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    email: Mapped[str | None] = mapped_column(String(320))
    plan: Mapped[str | None] = mapped_column(String(64))
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    uninstalled_at: Mapped[datetime | None]
    # Offline tokens, encrypted (see shopify_app/platform/token_vault.py); a
    # plaintext token never reaches the database.
    access_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_token_expires_at: Mapped[datetime | None]
    refresh_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    refresh_token_expires_at: Mapped[datetime | None]
    scopes: Mapped[str | None] = mapped_column(String(1000))
    # Orders updated before this instant have been reconciled with the Admin API.
    reconciled_until: Mapped[datetime | None]


class Program(Base):
    """A shop's earning rules. One per shop."""

    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("points_per_unit >= 0", name="points_per_unit_not_negative"),
        CheckConstraint("rounding IN ('down', 'nearest', 'up')", name="rounding_known"),
        CheckConstraint("minimum_order >= 0", name="minimum_order_not_negative"),
        CheckConstraint("signup_points >= 0", name="signup_points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    points_per_unit: Mapped[Decimal] = mapped_column(Numeric(10, 4), default=Decimal(1))
    rounding: Mapped[str] = mapped_column(String(8), default="down")
    minimum_order: Mapped[Decimal] = mapped_column(default=Decimal(0))
    count_shipping: Mapped[bool] = mapped_column(default=False)
    count_tax: Mapped[bool] = mapped_column(default=False)
    # False: points are earned on what the shopper paid after discounts.
    count_discounts: Mapped[bool] = mapped_column(default=False)
    signup_points: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Member(Base):
    """A Shopify customer of one shop, as far as the program knows them."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("shop_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    # A cache of SUM(ledger_entries.points), only ever changed in the same
    # transaction as the entry that changes it.
    points_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # Shopify's own updated_at of the newest profile applied, so a late
    # customers/update cannot overwrite a newer one.
    profile_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # After customers/merge the member's points live on with the kept customer.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None]
    redacted_at: Mapped[datetime | None]


class LedgerEntry(Base):
    """One movement of points. Entries are never updated or deleted."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        CheckConstraint("points <> 0", name="points_not_zero"),
        Index("ix_ledger_entries_member", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500), default="")
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(Base):
    """What the program knows of one Shopify order: the facts its points follow from.

    Facts arrive in any order (a refund before its payment, a cancellation
    twice); the row holds them so whichever event comes last can settle.
    """

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(64), default="")
    eligible_amount: Mapped[Decimal | None]
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    points_reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    taxes_included: Mapped[bool] = mapped_column(default=False)
    paid_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class OrderRefund(Base):
    __tablename__ = "order_refunds"
    __table_args__ = (UniqueConstraint("shop_id", "refund_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigInteger)
    refund_id: Mapped[int] = mapped_column(BigInteger)
    # The refund's money as Shopify reported it; what of it counts is decided
    # when the order is known, since only the order says if taxes are included.
    gross: Mapped[Decimal]
    discounts: Mapped[Decimal]
    tax: Mapped[Decimal]
    shipping: Mapped[Decimal]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """A delivery as Shopify sent it, kept before it is answered."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("shop_id", "webhook_id"),
        Index("ix_webhook_deliveries_event", "shop_id", "event_id"),
        Index("ix_webhook_deliveries_status", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    webhook_id: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(100))
    api_version: Mapped[str | None] = mapped_column(String(20))
    headers: Mapped[dict] = mapped_column(JSON)
    payload: Mapped[str] = mapped_column(Text)
    # received -> done | duplicate | failed (failed ones can be replayed)
    status: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class DataRequest(Base):
    """A customers/data_request: what was asked, and the member's data assembled for the merchant."""

    __tablename__ = "data_requests"
    __table_args__ = (UniqueConstraint("shop_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    export: Mapped[dict] = mapped_column(JSON)
