"""The referrals room's tables: the shop's offer, members' links, referrals and the order fingerprints that spot self-referrals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_app.core.orm import Base, utcnow

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
        Index("ix_referrals_friend", "shop_id", "friend_id"),
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
