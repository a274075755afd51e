"""import migration: dry runs, the counts of an import, and balances held for customers with no account yet

An import from another loyalty app names customers Perks has not met; those
Shopify knows become members, the rest have their balance held against their
email (imported_balances, status pending) until an account with that email
appears. Every imported row also keeps what the other app knew besides the
balance (lifetime points, tier, birthday, referral count). A dry run is an
import job that writes nothing: its counts say what the import would do.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 06:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("import_jobs", sa.Column("dry_run", sa.Boolean(), nullable=False, server_default=sa.false()))
    for name in ("matched_members", "new_members", "pending_rows"):
        op.add_column("import_jobs", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("import_jobs", sa.Column("pending_points", sa.BigInteger(), nullable=False, server_default="0"))
    # The refused rows are downloadable with their own cells, under the file's header.
    op.add_column("import_jobs", sa.Column("refused_header", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "imported_balances",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("job_id", sa.BigInteger(), sa.ForeignKey("import_jobs.id", ondelete="SET NULL"), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("first_name", sa.String(255), nullable=True),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("lifetime_points", sa.BigInteger(), nullable=True),
        sa.Column("tier", sa.String(255), nullable=True),
        sa.Column("birth_month", sa.Integer(), nullable=True),
        sa.Column("birth_day", sa.Integer(), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("referrals", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credited_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("shop_id", "idempotency_key"),
        sa.CheckConstraint("status IN ('pending', 'credited')", name="imported_balance_status_known"),
    )
    op.create_index(
        "ix_imported_balances_pending", "imported_balances", ["shop_id", "email"], postgresql_where=sa.text("status = 'pending'")
    )
    op.create_index("ix_imported_balances_job", "imported_balances", ["job_id", "status"])


def downgrade() -> None:
    op.drop_table("imported_balances")
    for name in ("refused_header", "pending_points", "pending_rows", "new_members", "matched_members", "dry_run"):
        op.drop_column("import_jobs", name)
