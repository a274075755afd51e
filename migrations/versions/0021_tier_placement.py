"""tier placement: when a saved ladder still waits for its members to be placed

Saving a ladder queues a job that places every member on it. When Redis cannot
take that job the ladder is saved all the same, and `placement_due_at` says a
placement is owed: the hourly tier job queues it again, and a finished
placement clears it (unless the ladder was saved again meanwhile).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 06:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tier_programs", sa.Column("placement_due_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("tier_programs", "placement_due_at")
