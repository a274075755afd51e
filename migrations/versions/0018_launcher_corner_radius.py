"""launcher corner radius: how round the launcher's button and panel are, as the merchant sets it

The look the merchant saves now reaches the storefront (the app's own metafield, read by
the theme block), and the corner radius is part of it: 0 to 24 px, 12 as the block's own
stylesheet had it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 06:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("launcher_looks", sa.Column("corner_radius", sa.Integer(), nullable=False, server_default="12"))
    op.create_check_constraint("launcher_corner_radius_range", "launcher_looks", "corner_radius BETWEEN 0 AND 24")


def downgrade() -> None:
    op.drop_constraint("launcher_corner_radius_range", "launcher_looks", type_="check")
    op.drop_column("launcher_looks", "corner_radius")
