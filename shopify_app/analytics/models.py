"""The analytics room's table: the accounts a shop's liability journal is booked to."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
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
