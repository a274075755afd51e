"""The tiers room's tables: the ladder's settings, its tiers and each member's place on it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_app.core.orm import Base, utcnow

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
    # Set when a ladder is saved, cleared when a placement of every member on it finishes: a placement still owed
    # (its job lost with Redis) is queued again by the hourly tier job.
    placement_due_at: Mapped[datetime | None]
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
