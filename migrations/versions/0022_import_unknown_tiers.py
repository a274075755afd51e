"""import unknown tiers: the tier names an import's rows carried that the shop's ladder has none of

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 07:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("import_jobs", sa.Column("unknown_tiers", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("import_jobs", "unknown_tiers")
