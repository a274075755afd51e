"""api keys: per-shop keys for the custom-actions API, and the log of their uses

The custom-actions API took the app's client secret, which also signs webhooks,
app-proxy calls and session tokens for every shop. A merchant now makes keys in
the admin: each acts on its own shop only and calls only the actions of its
scopes. A key's SHA-256 digest is kept, never the key. Every call made with a
key is logged with its name (api_key_uses); a customer's redaction erases their
id there.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 03:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(100), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_shop", "api_keys", ["shop_id", "id"])
    op.create_index("uq_api_keys_live_name", "api_keys", ["shop_id", "name"], unique=True, postgresql_where=sa.text("revoked_at IS NULL"))
    op.create_table(
        "api_key_uses",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("key_id", sa.BigInteger(), sa.ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key_name", sa.String(60), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("endpoint", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
    )
    op.create_index("ix_api_key_uses_key", "api_key_uses", ["key_id", "id"])
    op.create_index("ix_api_key_uses_customer", "api_key_uses", ["shop_id", "customer_id"])


def downgrade() -> None:
    op.drop_table("api_key_uses")
    op.drop_table("api_keys")
