"""notification settings and launcher look: per shop, the channels that are on and the
merchant's own texts; the launcher's colours, corner and texts per language

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 18:50:29.132280

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "launcher_looks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("primary_color", sa.String(length=7), nullable=False),
        sa.Column("background_color", sa.String(length=7), nullable=False),
        sa.Column("text_color", sa.String(length=7), nullable=False),
        sa.Column("position", sa.String(length=16), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("position IN ('bottom-right', 'bottom-left')", name="launcher_position_known"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name="fk_launcher_looks_shop", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_launcher_looks"),
        sa.UniqueConstraint("shop_id", name="uq_launcher_looks_shop"),
    )
    op.create_table(
        "notification_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("metafields", sa.Boolean(), nullable=False),
        sa.Column("flow", sa.Boolean(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name="fk_notification_settings_shop", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_notification_settings"),
        sa.UniqueConstraint("shop_id", name="uq_notification_settings_shop"),
    )


def downgrade() -> None:
    op.drop_table("notification_settings")
    op.drop_table("launcher_looks")
