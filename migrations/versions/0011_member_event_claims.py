"""member event claims: a notifier claims the events it sends for a while, so no transaction stays open while it talks to SMTP and Shopify

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 08:00:00.000000

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("member_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member_events", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
