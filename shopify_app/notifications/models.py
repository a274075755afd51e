"""The notifications room's tables: member events waiting to be told, unsubscribes, the merchant's settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_app.core.orm import Base, utcnow


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
