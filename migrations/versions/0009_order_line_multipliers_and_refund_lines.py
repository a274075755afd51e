"""order line multipliers and refund lines: a refund of a multiplied line takes back
what that line earned, not a money share of the whole order

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:04:01.189727

Orders paid before this revision keep a null weighted_amount, and refunds
recorded before it have no lines: both are taken back in proportion to money,
as they were. No backfill: a multiplied order's weighted amount cannot be
rebuilt (its line multipliers were never recorded and the merchant's may have
changed since), and a weighted amount backfilled as the plain amount would
say "no multipliers" where there were some.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "order_lines",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("multiplier", sa.Numeric(precision=8, scale=3), nullable=False),
        sa.CheckConstraint("multiplier > 0", name="order_line_multiplier_positive"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name="fk_order_lines_shop", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_order_lines"),
        sa.UniqueConstraint("shop_id", "order_id", "line_id", name="uq_order_lines_line"),
    )
    op.create_table(
        "order_refund_lines",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("refund_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=True),
        sa.Column("gross", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name="fk_order_refund_lines_shop", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_order_refund_lines"),
        sa.UniqueConstraint("shop_id", "refund_id", "position", name="uq_order_refund_lines_position"),
    )
    with op.batch_alter_table("order_refund_lines", schema=None) as batch_op:
        batch_op.create_index("ix_order_refund_lines_order", ["shop_id", "order_id"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        # Nullable on purpose, see above: null means "paid before 0009, weigh by money".
        batch_op.add_column(sa.Column("weighted_amount", sa.Numeric(precision=19, scale=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("weighted_amount")

    with op.batch_alter_table("order_refund_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_refund_lines_order")

    op.drop_table("order_refund_lines")
    op.drop_table("order_lines")
