"""The rewards room's tables: the catalogue and the redemptions made from it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

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
    # The variant's name as the merchant picked it ("House blend - 1 kg"), shown instead of its id.
    variant_title: Mapped[str | None] = mapped_column(String(255))
    minimum_order: Mapped[Decimal | None]
    limit_per_member: Mapped[int | None]
    code_valid_days: Mapped[int | None] = mapped_column(default=30)
    combines_with_order: Mapped[bool] = mapped_column(default=False)
    combines_with_product: Mapped[bool] = mapped_column(default=True)
    combines_with_shipping: Mapped[bool] = mapped_column(default=True)
    min_points: Mapped[int | None] = mapped_column(BigInteger)
    max_points: Mapped[int | None] = mapped_column(BigInteger)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Archived: off the launcher and not redeemable, kept for the codes already issued (which keep working).
    archived_at: Mapped[datetime | None]
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
