"""referrals by friend: a member's pending referral found by the member

A batch's paid orders ask whether each buyer is a friend with a pending
referral (ledger/batch.py _PAYABLE), and referrals.order_paid asks it of
every order paid one by one; without this index each question read every
referral of the shop.

Revision ID: 0025_referrals_by_friend
Revises: 0024_rollups
Create Date: 2026-12-06 14:05:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0025_referrals_by_friend"
down_revision: str | Sequence[str] | None = "0024_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_referrals_friend", "referrals", ["shop_id", "friend_id"])


def downgrade() -> None:
    op.drop_index("ix_referrals_friend", table_name="referrals")
