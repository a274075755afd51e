"""member view: a member's credited imports found by the member (their lifetime points on a lifetime ladder)

GET /proxy/member reads a member's points earned before Perks (tiers.measures does too, for a placement);
without this index each read scanned every imported balance of every shop.

Revision ID: 0023_member_view
Revises: 0022
Create Date: 2026-12-06 10:10:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0023_member_view"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_imported_balances_member", "imported_balances", ["member_id"], postgresql_where="status = 'credited'")


def downgrade() -> None:
    op.drop_index("ix_imported_balances_member", table_name="imported_balances")
