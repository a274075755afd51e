"""The shop room's tables: the installed shop, privacy requests, the change log, API keys and their calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_app.core.orm import Base, utcnow


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
