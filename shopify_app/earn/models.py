"""The earn room's tables: the purchase rule (program), earn rules and their claims, birthdays, multipliers,
the product-collections cache and promotions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_app.core.orm import Base, utcnow


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
    # A reward code that expires unused: False keeps its points spent (the default).
    refund_expired_codes: Mapped[bool] = mapped_column(default=False)
    # Guests' paid orders earn points held against their email until an account appears.
    guest_points: Mapped[bool] = mapped_column(default=True)
    # Points expire after this many days without a purchase or redemption; None: never.
    expire_after_days: Mapped[int | None]
    # The member is reminded this many days before their points expire; 0: no reminder.
    expiry_reminder_days: Mapped[int] = mapped_column(default=14)
    # Members with points who have not earned or spent for this many days get one nudge; None: off.
    nudge_after_days: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EarnRule(Base):
    """A non-purchase action the merchant rewards: its points and its per-member limit.

    The limit is `limit_count` payouts per `limit_period` ("ever", "day",
    "month", "year", counted in the shop's time zone); the ledger's keys hold it.
    """

    __tablename__ = "earn_rules"
    __table_args__ = (
        UniqueConstraint("shop_id", "action", "handle"),
        CheckConstraint("points > 0", name="earn_rule_points_positive"),
        CheckConstraint("limit_count >= 1", name="earn_rule_limit_positive"),
        CheckConstraint("limit_period IN ('ever', 'day', 'month', 'year')", name="earn_rule_period_known"),
        CheckConstraint("url IS NULL OR (url LIKE 'https://%' AND network IS NOT NULL)", name="earn_rule_url_https_with_network"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    # Custom actions are told apart by the merchant's handle; built-in ones have "".
    handle: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    points: Mapped[int] = mapped_column(default=0)
    limit_count: Mapped[int] = mapped_column(default=1)
    limit_period: Mapped[str] = mapped_column(String(8), default="ever")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A social follow's profile (https) and the network it is on, which the launcher links to.
    url: Mapped[str | None] = mapped_column(String(500))
    network: Mapped[str | None] = mapped_column(String(16))


class ActionClaim(Base):
    """One occurrence of an action by a member (this product reviewed, that network
    followed, this custom action id): the database lets it pay at most once."""

    __tablename__ = "action_claims"
    __table_args__ = (UniqueConstraint("shop_id", "rule_id", "member_id", "ref"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("earn_rules.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(100), default="")
    # The ledger entry that paid it.
    ledger_key: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MemberBirthday(Base):
    __tablename__ = "member_birthdays"
    __table_args__ = (Index("ix_member_birthdays_day", "shop_id", "month", "day"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    month: Mapped[int]
    day: Mapped[int]
    year: Mapped[int | None]
    given_at: Mapped[datetime] = mapped_column(default=utcnow)


class EarnMultiplier(Base):
    """Extra earning on a product or on every product of a collection."""

    __tablename__ = "earn_multipliers"
    __table_args__ = (
        UniqueConstraint("shop_id", "target", "target_id"),
        CheckConstraint("target IN ('product', 'collection')", name="multiplier_target_known"),
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigInteger)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    # The product's or collection's title as the merchant picked it: the admin shows names, not ids.
    target_title: Mapped[str | None] = mapped_column(String(255))


class ProductCollectionsCache(Base):
    """Which collections a product was in when the Admin API last said (a cache)."""

    __tablename__ = "product_collections"
    __table_args__ = (UniqueConstraint("shop_id", "product_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(BigInteger)
    collection_ids: Mapped[list] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class Promotion(Base):
    """A time-boxed multiplier ("double points this weekend").

    Start and end are wall-clock times in the shop's time zone, kept naive
    and turned into instants when asked, so an end on the far side of a
    daylight-saving change still falls exactly where the merchant meant.
    """

    __tablename__ = "promotions"
    __table_args__ = (
        CheckConstraint("multiplier > 0", name="promotion_multiplier_positive"),
        CheckConstraint("ends_local > starts_local", name="promotion_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    multiplier: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    starts_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    ends_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    purchases: Mapped[bool] = mapped_column(default=True)
    # The earn actions it also multiplies, by action name ("review", "custom:workshop").
    actions: Mapped[list] = mapped_column(JSON, default=list)
