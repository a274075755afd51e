"""orders by member: a member's orders found without reading the shop's

Spend-based tiers sum a member's orders in the tier window on every paid
order, and referrals and customer merges look a member's orders up too.
Without an index on member_id each of those read the shop's orders of the
whole window (millions on a big shop) inside a delivery's transaction.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 09:20:00.000000

"""

from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_orders_member_paid", "orders", ["member_id", "paid_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_member_paid", "orders")
