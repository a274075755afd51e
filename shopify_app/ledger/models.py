"""The ledger room's tables: members, ledger entries, orders with their lines and refunds, guests' pending points,
expiry notices, manual adjustments, imports and the balances they hold for customers who have no account yet."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_app.core.orm import Base, WeightedMoney, utcnow


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
    # [{"row": 3, "message": "...", "cells": [...]}], rows counted as a spreadsheet shows them (header = 1),
    # each with the row's own cells, under the file's header (`refused_header`).
    errors: Mapped[list] = mapped_column(JSON, default=list)
    refused_header: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # A dry run reads and matches the whole file as the import would, in transactions rolled back:
    # its counts say what the import would do, and it writes nothing.
    dry_run: Mapped[bool] = mapped_column(default=False)
    # Of the rows imported (or, in a dry run, that would be): members Perks had, members made for
    # customers it had not met, and balances held for emails no Shopify customer has yet.
    matched_members: Mapped[int] = mapped_column(default=0)
    new_members: Mapped[int] = mapped_column(default=0)
    pending_rows: Mapped[int] = mapped_column(default=0)
    pending_points: Mapped[int] = mapped_column(BigInteger, default=0)
    # Tier names the rows carried that the shop's ladder had no tier of: those rows were imported without their
    # tier; the merchant can make the tiers and import again.
    unknown_tiers: Mapped[list] = mapped_column(JSON, default=list)


class ImportedBalance(Base):
    """One imported row that named a customer: its balance and what the other app's export carried besides
    (lifetime points, tier, birthday, referral count), kept as the member's history from before Perks.

    A row whose email no Shopify customer had at the import is *pending*: it is held until an account
    with that email appears (customers/create, customers/update, or an order with that email), then
    credited once under the key the import would have used (`import:<job>:<row>`), so no path credits
    it twice. The rest are credited at the import itself.
    """

    __tablename__ = "imported_balances"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_imported_balances_pending", "shop_id", "email", postgresql_where="status = 'pending'"),
        Index("ix_imported_balances_job", "job_id", "status"),
        # A member's credited imports: their lifetime points before Perks, read for the launcher and a placement.
        Index("ix_imported_balances_member", "member_id", postgresql_where="status = 'credited'"),
        CheckConstraint("status IN ('pending', 'credited')", name="imported_balance_status_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("import_jobs.id", ondelete="SET NULL"))
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    points: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    # "Imported from Smile.io": the ledger entry's reason.
    reason: Mapped[str] = mapped_column(String(500))
    lifetime_points: Mapped[int | None] = mapped_column(BigInteger)
    tier: Mapped[str | None] = mapped_column(String(255))
    birth_month: Mapped[int | None]
    birth_day: Mapped[int | None]
    birth_year: Mapped[int | None]
    referrals: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    credited_at: Mapped[datetime | None]


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
