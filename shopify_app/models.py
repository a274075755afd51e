"""The tables. Every row that belongs to a shop carries shop_id and every
query filters by it; the database enforces what idempotency rests on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
    # Offline tokens, encrypted (see shopify_app/shop/token_vault.py); a
    # plaintext token never reaches the database.
    access_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_token_expires_at: Mapped[datetime | None]
    refresh_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    refresh_token_expires_at: Mapped[datetime | None]
    scopes: Mapped[str | None] = mapped_column(String(1000))
    # Orders updated before this instant have been reconciled with the Admin API.
    reconciled_until: Mapped[datetime | None]
    # The shop's own key for address fingerprints (HMAC-SHA-256), drawn by the database.
    fingerprint_key: Mapped[str] = mapped_column(
        String(64), server_default=text("replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')")
    )


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

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
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
    # The eligible amount with each line at its multiplier (shipping and tax
    # at 1x), fixed when paid: what refunds are weighed against. Money times a
    # 3-place multiplier needs 5 places to stay exact. Null for orders paid
    # before schema 0009: they are taken back in proportion to money.
    weighted_amount: Mapped[Decimal | None] = mapped_column(WeightedMoney)
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


class OrderLine(Base):
    """A paid order's line and the multiplier it earned at: a refund of the line takes back at the same rate.

    Written only for orders with a multiplied line; a line not found here
    counts at its order's average multiplier (1 for an order without any).
    """

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("shop_id", "order_id", "line_id", name="uq_order_lines_line"),
        CheckConstraint("multiplier > 0", name="order_line_multiplier_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigInteger)
    line_id: Mapped[int] = mapped_column(BigInteger)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(8, 3))


class OrderRefundLine(Base):
    """One refunded line of a refund, kept as Shopify reported it, so the refund can be
    weighed by the line's multiplier once the order is known (a refund may come first)."""

    __tablename__ = "order_refund_lines"
    __table_args__ = (
        UniqueConstraint("shop_id", "refund_id", "position", name="uq_order_refund_lines_position"),
        Index("ix_order_refund_lines_order", "shop_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigInteger)
    refund_id: Mapped[int] = mapped_column(BigInteger)
    # The line's place in the refund: with refund_id, what a repeated delivery cannot add twice.
    position: Mapped[int]
    # Shopify's line item id; None when the payload did not say.
    line_id: Mapped[int | None] = mapped_column(BigInteger)
    gross: Mapped[Decimal]
    discount: Mapped[Decimal]
    tax: Mapped[Decimal]


class WebhookDelivery(Base):
    """A delivery as Shopify sent it, kept before it is answered."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("shop_id", "webhook_id"),
        Index("ix_webhook_deliveries_event", "shop_id", "event_id"),
        Index("ix_webhook_deliveries_status", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    webhook_id: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(100))
    api_version: Mapped[str | None] = mapped_column(String(20))
    headers: Mapped[dict] = mapped_column(JSON)
    payload: Mapped[str] = mapped_column(Text)
    # received -> done | duplicate | failed (refused for good; can be replayed). A transient
    # failure stays received, with attempts, last_error and processed_at = when it last ran.
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


# --- the program's rules (issue 6) --------------------------------------------


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


class GuestEmail(Base):
    """A row per guest email that guest orders and new accounts lock, so the two meet once."""

    __tablename__ = "guest_emails"
    __table_args__ = (UniqueConstraint("shop_id", "email"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))


class PendingPoints(Base):
    """A guest order's points, held against its email until an account with it appears."""

    __tablename__ = "pending_points"
    __table_args__ = (
        UniqueConstraint("shop_id", "order_id"),
        Index("ix_pending_points_email", "shop_id", "email", "status"),
        CheckConstraint("status IN ('pending', 'credited', 'expired')", name="pending_status_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(320))
    points: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]


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


class ExpiryNotice(Base):
    """One inactivity period of a member: its reminder, then its expiry, each once."""

    __tablename__ = "expiry_notices"
    __table_args__ = (UniqueConstraint("shop_id", "member_id", "since"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # The last activity the period runs from (ISO instant): a purchase or redemption starts a new one.
    since: Mapped[str] = mapped_column(String(40))
    reminded_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    points_expired: Mapped[int] = mapped_column(BigInteger, default=0)


class MemberEvent(Base):
    """Something the member should hear about, kept in the ledger's transaction
    and delivered afterwards, so a failing channel never holds up points."""

    __tablename__ = "member_events"
    __table_args__ = (
        UniqueConstraint("shop_id", "key"),
        Index("ix_member_events_undelivered", "delivered_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # While a notifier sends the event (outside any transaction), no other takes it up.
    claimed_until: Mapped[datetime | None]


class Unsubscribe(Base):
    __tablename__ = "unsubscribes"
    __table_args__ = (UniqueConstraint("shop_id", "member_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- rewards and redemptions (issue 5) ----------------------------------------

REWARD_KINDS = ("fixed_amount", "percentage", "free_shipping", "free_product", "store_credit", "points_for_money")
RewardKind = Literal[REWARD_KINDS]  # type: ignore[valid-type] # the tuple's values, for request and answer models


class Reward(Base):
    """Something a member can spend points on; the catalogue is per shop."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint(f"kind IN {REWARD_KINDS}", name="reward_kind_known"),
        CheckConstraint("points_cost > 0", name="reward_points_cost_positive"),
        CheckConstraint("value >= 0", name="reward_value_not_negative"),
        Index("ix_rewards_shop", "shop_id", "enabled"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    # Points for the reward; for points-for-money, the points of one step.
    points_cost: Mapped[int] = mapped_column(BigInteger)
    # Money off or credited (per step for points-for-money); a percentage as 0-100.
    value: Mapped[Decimal] = mapped_column(default=Decimal(0))
    variant_id: Mapped[int | None] = mapped_column(BigInteger)
    minimum_order: Mapped[Decimal | None]
    limit_per_member: Mapped[int | None]
    code_valid_days: Mapped[int | None] = mapped_column(default=30)
    combines_with_order: Mapped[bool] = mapped_column(default=False)
    combines_with_product: Mapped[bool] = mapped_column(default=True)
    combines_with_shipping: Mapped[bool] = mapped_column(default=True)
    min_points: Mapped[int | None] = mapped_column(BigInteger)
    max_points: Mapped[int | None] = mapped_column(BigInteger)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Redemption(Base):
    """Points spent on a reward, and what Shopify made of it.

    pending -> issued -> used | expired, or pending -> failed (points refunded).
    """

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("shop_id", "request_key"),
        UniqueConstraint("shop_id", "code"),
        Index("ix_redemptions_member", "member_id", "reward_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"))
    # The shopper's Idempotency-Key, scoped to the customer.
    request_key: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[Decimal]
    code: Mapped[str | None] = mapped_column(String(64))
    shopify_id: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(String(1000))
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]


class Adjustment(Base):
    """A manual change to a member's points: who made it and why."""

    __tablename__ = "adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    staff_user: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- the embedded admin (issue 8) ---------------------------------------------


class ProgramChange(Base):
    """One change to the program made in the admin: who (the session token's
    `sub`, a staff user id), when, and the changed fields before and after."""

    __tablename__ = "program_changes"
    __table_args__ = (Index("ix_program_changes_shop", "shop_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(100))
    # What was changed: "program", "earn_rule:review", "reward:12", ...
    subject: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportJob(Base):
    """A CSV of members and balances being imported, a chunk of rows per transaction; rows
    that cannot be imported are refused with their line and reason, the rest go in.

    The file is kept in the row so any worker on any host can run it (and a stopped
    import can resume); the progress of a running job lives in its rq job's meta.
    """

    __tablename__ = "import_jobs"
    __table_args__ = (
        Index("ix_import_jobs_shop", "shop_id", "id"),
        Index("ix_import_jobs_digest", "shop_id", "digest"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="import_status_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255), default="")
    # smile.io | loyaltylion | yotpo | plain, detected from the header.
    layout: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    # SHA-256 of the file: the same file imported twice would credit its points twice.
    digest: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total_rows: Mapped[int] = mapped_column(default=0)
    imported_rows: Mapped[int] = mapped_column(default=0)
    points_imported: Mapped[int] = mapped_column(BigInteger, default=0)
    # [{"row": 3, "message": "..."}], rows counted as a spreadsheet shows them (header = 1).
    errors: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


# Analytics reads orders by shop and payment time, members by shop and join
# time and the ledger by shop and time; declared here, beside the admin that
# needs them, rather than inside the tables' own classes. The ledger's and the
# orders' also carry every column the period's aggregates read (schema 0012):
# PostgreSQL answers a month of a big shop from a few percent of the index's
# pages, where it used to read the whole table.
Index("ix_orders_shop_paid", Order.shop_id, Order.paid_at, postgresql_include=["member_id", "eligible_amount", "cancelled_at"])
Index("ix_orders_member_paid", Order.member_id, Order.paid_at)
Index("ix_members_shop_created", Member.shop_id, Member.created_at)
Index("ix_ledger_entries_shop_created", LedgerEntry.shop_id, LedgerEntry.created_at, postgresql_include=["points", "kind"])


# --- referrals and VIP tiers (issue 7) ----------------------------------------

FRIEND_REWARD_KINDS = ("fixed_amount", "percentage", "free_shipping")


class ReferralProgram(Base):
    """A shop's referral offer: what the friend gets, what the member gets, and when."""

    __tablename__ = "referral_programs"
    __table_args__ = (
        CheckConstraint(f"friend_reward_kind IN {FRIEND_REWARD_KINDS}", name="referral_friend_kind_known"),
        CheckConstraint("referrer_points >= 0", name="referral_points_not_negative"),
        CheckConstraint("friend_reward_value >= 0", name="referral_friend_value_not_negative"),
        CheckConstraint("minimum_order >= 0", name="referral_minimum_not_negative"),
        CheckConstraint("waiting_days >= 0", name="referral_waiting_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    # The member's reward, in points, for a friend's first qualifying order.
    referrer_points: Mapped[int] = mapped_column(default=500)
    # The friend's welcome code: kind, value (money, or a percentage 0-100), its own minimum and life.
    friend_reward_kind: Mapped[str] = mapped_column(String(32), default="fixed_amount")
    friend_reward_value: Mapped[Decimal] = mapped_column(default=Decimal(10))
    friend_reward_minimum: Mapped[Decimal | None]
    friend_code_valid_days: Mapped[int | None] = mapped_column(default=30)
    # The friend's order must be worth this much (eligible amount) to qualify.
    minimum_order: Mapped[Decimal] = mapped_column(default=Decimal(0))
    # A qualifying order refunded or cancelled within this many days never pays out.
    waiting_days: Mapped[int] = mapped_column(default=14)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReferralLink(Base):
    """A member's referral code: short, random, one per member."""

    __tablename__ = "referral_links"
    __table_args__ = (
        UniqueConstraint("shop_id", "member_id", name="uq_referral_links_member"),
        UniqueConstraint("shop_id", "code", name="uq_referral_links_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


REFERRAL_STATES = ("pending", "qualified", "rewarded", "rejected")


class Referral(Base):
    """A friend brought by a member.

    pending (friend known, welcome code issued) -> qualified (first order
    meeting the minimum paid; the member's reward held for the waiting
    period) -> rewarded, or -> rejected with its reason. A friend is
    referred once per shop: the database refuses a second.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("shop_id", "friend_customer_id", name="uq_referrals_friend"),
        CheckConstraint(f"state IN {REFERRAL_STATES}", name="referral_state_known"),
        Index("ix_referrals_referrer", "shop_id", "referrer_id"),
        Index("ix_referrals_due", "state", "confirm_after"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    referrer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    friend_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    friend_customer_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # Why it was rejected: self_referral, ordered_before, cancelled, refunded.
    reason: Mapped[str | None] = mapped_column(String(32))
    welcome_code: Mapped[str | None] = mapped_column(String(64))
    welcome_shopify_id: Mapped[str | None] = mapped_column(String(255))
    welcome_error: Mapped[str | None] = mapped_column(String(1000))
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    order_amount: Mapped[Decimal | None]
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    qualified_at: Mapped[datetime | None]
    confirm_after: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]


class OrderFingerprint(Base):
    """Digests of what identifies a buyer beyond the account (the shipping address),
    kept per member order so a friend's order can be told apart from the referrer's own."""

    __tablename__ = "order_fingerprints"
    __table_args__ = (
        UniqueConstraint("shop_id", "order_id", "kind", name="uq_order_fingerprints_order"),
        Index("ix_order_fingerprints_member", "shop_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))


TIER_BASES = ("points", "spend")
TIER_WINDOWS = ("lifetime", "calendar_year", "rolling_12_months")


class TierProgram(Base):
    """How a shop's tiers are earned: by points or money, within which window."""

    __tablename__ = "tier_programs"
    __table_args__ = (
        CheckConstraint(f"basis IN {TIER_BASES}", name="tier_basis_known"),
        CheckConstraint(f"period IN {TIER_WINDOWS}", name="tier_period_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    basis: Mapped[str] = mapped_column(String(16), default="points")
    period: Mapped[str] = mapped_column(String(24), default="calendar_year")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Tier(Base):
    __tablename__ = "tiers"
    __table_args__ = (
        UniqueConstraint("shop_id", "name", name="uq_tiers_name"),
        UniqueConstraint("shop_id", "threshold", name="uq_tiers_threshold"),
        CheckConstraint("threshold >= 0", name="tier_threshold_not_negative"),
        CheckConstraint("multiplier > 0", name="tier_multiplier_positive"),
        CheckConstraint("entry_points >= 0", name="tier_entry_points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # Points, or money in the shop's currency, within the window.
    threshold: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    multiplier: Mapped[Decimal] = mapped_column(Numeric(8, 3), default=Decimal(1))
    # One perk per line.
    perks: Mapped[str] = mapped_column(Text, default="")
    # Points given once per tier per window on entering it.
    entry_points: Mapped[int] = mapped_column(default=0)


class MemberTier(Base):
    """A member's tier, the end of the window it is held for, and what Shopify was last told."""

    __tablename__ = "member_tiers"
    __table_args__ = (
        Index("ix_member_tiers_held", "shop_id", "held_until"),
        Index("ix_member_tiers_unsynced", "shop_id", "synced"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="SET NULL"))
    # When the member reached the tier (its window for a rolling program starts here).
    achieved_at: Mapped[datetime | None]
    # The tier can drop only from this instant on (the window's end); None: never (lifetime).
    held_until: Mapped[datetime | None]
    # Bumped on every move; Shopify's tag and metafield follow, outside the ledger's transaction.
    version: Mapped[int] = mapped_column(default=0)
    synced: Mapped[bool] = mapped_column(default=True)


class NotificationSettings(Base):
    """A shop's notification channels (each can be turned off) and its own texts, which
    override the built-in ones per event kind and language: {kind: {lang: {subject, body}}}."""

    __tablename__ = "notification_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    email: Mapped[bool] = mapped_column(default=True)
    metafields: Mapped[bool] = mapped_column(default=True)
    flow: Mapped[bool] = mapped_column(default=True)
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


LAUNCHER_POSITIONS = ("bottom-right", "bottom-left")


class LauncherLook(Base):
    """How the storefront launcher looks, as set in the admin: colours as #rrggbb, its corner,
    and the button label and panel title per language ({lang: {button_label, title}}; empty: the translated default)."""

    __tablename__ = "launcher_looks"
    __table_args__ = (CheckConstraint(f"position IN {LAUNCHER_POSITIONS}", name="launcher_position_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    primary_color: Mapped[str] = mapped_column(String(7), default="#5c6ac4")
    background_color: Mapped[str] = mapped_column(String(7), default="#ffffff")
    text_color: Mapped[str] = mapped_column(String(7), default="#1f2124")
    position: Mapped[str] = mapped_column(String(16), default="bottom-right")
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- API keys for the custom-actions API (issue 18) ------------------------------


class ApiKey(Base):
    """A key a merchant made in the admin for their own apps: it acts on its shop only and
    calls only the actions of its scopes. Only its SHA-256 digest is kept, and the first
    characters to tell it apart in a list; the key itself is shown once, when it is made."""

    __tablename__ = "api_keys"
    __table_args__ = (
        Index("ix_api_keys_shop", "shop_id", "id"),
        # A name tells a live key from the others; a revoked key's name is free again.
        Index("uq_api_keys_live_name", "shop_id", "name", unique=True, postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The actions it may call: "actions:review", ..., "birthday" (loyalty.api_keys.SCOPES).
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    last_used_at: Mapped[datetime | None]


class ApiKeyUse(Base):
    """One call made with a key: which key (by name, as it was then), what it asked, for whom, and the answer's status."""

    __tablename__ = "api_key_uses"
    __table_args__ = (Index("ix_api_key_uses_key", "key_id", "id"), Index("ix_api_key_uses_customer", "shop_id", "customer_id"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    key_name: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    endpoint: Mapped[str] = mapped_column(String(64))
    # The action reported ("review", ..., "birthday"); None when the body could not be read.
    action: Mapped[str | None] = mapped_column(String(32))
    # Erased by a customer's redaction.
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[int]
