"""The analytics room's tables: the accounts a shop's liability journal is booked to, and the dashboard's roll-ups."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from shopify_app.core.orm import Base

ACCOUNT_NAME = 120  # characters: long enough for "2410 Deferred revenue - loyalty points (EU entity)"


class LiabilityAccounts(Base):
    """The merchant's names for the three accounts the journal export uses; a shop without a row uses the defaults."""

    __tablename__ = "liability_accounts"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    deferred_revenue: Mapped[str] = mapped_column(String(ACCOUNT_NAME))
    revenue: Mapped[str] = mapped_column(String(ACCOUNT_NAME))
    marketing_expense: Mapped[str] = mapped_column(String(ACCOUNT_NAME))


class RollupDay(Base):
    """A shop's figures on one of its local days (one row per writer's slot; the day's figure is their sum).

    Kept by triggers in the facts' own transactions (migration 0024_rollups); analytics.report reads them."""

    __tablename__ = "rollup_days"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    new_members: Mapped[int] = mapped_column(BigInteger)
    points_issued: Mapped[int] = mapped_column(BigInteger)
    points_redeemed: Mapped[int] = mapped_column(BigInteger)
    points_net: Mapped[int] = mapped_column(BigInteger)
    member_orders: Mapped[int] = mapped_column(BigInteger)
    member_revenue: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    guest_orders: Mapped[int] = mapped_column(BigInteger)
    guest_revenue: Mapped[Decimal] = mapped_column(Numeric(16, 2))


class RollupBuyerStep(Base):
    """Members' consecutive counted orders as (from_day, to_day) pairs of local days: `steps` from each order to
    the next (from -infinity for the first, to +infinity after the last), `skips` from two orders before."""

    __tablename__ = "rollup_buyer_steps"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    to_day: Mapped[date] = mapped_column(primary_key=True)
    from_day: Mapped[date] = mapped_column(primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    steps: Mapped[int] = mapped_column(BigInteger)
    skips: Mapped[int] = mapped_column(BigInteger)
