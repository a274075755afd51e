"""earn rule profile url: a social follow rule's https profile and its network, for the launcher's link

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 10:00:00.000000

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("earn_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("network", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            "earn_rule_url_https_with_network", "url IS NULL OR (url LIKE 'https://%' AND network IS NOT NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("earn_rules", schema=None) as batch_op:
        batch_op.drop_constraint("earn_rule_url_https_with_network", type_="check")
        batch_op.drop_column("network")
        batch_op.drop_column("url")
