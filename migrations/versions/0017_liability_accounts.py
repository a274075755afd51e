"""liability accounts: the names a shop books its loyalty-points journal to

The liability report exports a journal (date, account, debit, credit, memo);
the merchant names the contract-liability, revenue and marketing-expense
accounts of their own chart of accounts. One row per shop; none means the
defaults.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 06:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "liability_accounts",
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("deferred_revenue", sa.String(120), nullable=False),
        sa.Column("revenue", sa.String(120), nullable=False),
        sa.Column("marketing_expense", sa.String(120), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("liability_accounts")
