"""embedded admin: program change log, import jobs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "program_changes",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_program_changes_shop", "program_changes", ["shop_id", "id"])
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("layout", sa.String(32), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("imported_rows", sa.Integer(), nullable=False),
        sa.Column("points_imported", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="import_status_known"),
    )
    op.create_index("ix_import_jobs_shop", "import_jobs", ["shop_id", "id"])
    op.create_index("ix_import_jobs_digest", "import_jobs", ["shop_id", "digest"])
    # Analytics reads orders by shop and payment time, and members by shop and join time.
    op.create_index("ix_orders_shop_paid", "orders", ["shop_id", "paid_at"])
    op.create_index("ix_members_shop_created", "members", ["shop_id", "created_at"])
    op.create_index("ix_ledger_entries_shop_created", "ledger_entries", ["shop_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_shop_created", "ledger_entries")
    op.drop_index("ix_members_shop_created", "members")
    op.drop_index("ix_orders_shop_paid", "orders")
    op.drop_table("import_jobs")
    op.drop_table("program_changes")
