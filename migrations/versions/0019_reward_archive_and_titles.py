"""rewards archived, and the titles of what rewards and multipliers point at

A reward can be archived: it leaves the launcher and cannot be redeemed, while
the codes already issued for it keep working (their discounts are left alone).
A free-product reward keeps the title of its variant, and a multiplier the title
of its product or collection, as the merchant picked them: the admin shows names,
never Shopify ids.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 06:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rewards", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("rewards", sa.Column("variant_title", sa.String(255), nullable=True))
    op.add_column("earn_multipliers", sa.Column("target_title", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_column("earn_multipliers", "target_title")
    op.drop_column("rewards", "variant_title")
    op.drop_column("rewards", "archived_at")
