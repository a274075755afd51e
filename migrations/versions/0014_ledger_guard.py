"""ledger guard: the database refuses UPDATE, DELETE and TRUNCATE of ledger entries

Invariant 1 (a balance is the sum of its entries) rested on the code alone.
A trigger now refuses any change to a written entry, row by row (so a cascade
from shops or members is refused too), unless the transaction has set
`perks.ledger_rewrite` to 'on' with SET LOCAL / set_config(..., true). Only
deleting a shop's data (shop/redact, privacy.redact_shop through
ledger.allow_rewrite) sets it. TRUNCATE is refused outright.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 01:40:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'TRUNCATE' AND current_setting('perks.ledger_rewrite', true) = 'on' THEN
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'ledger entries are append-only: % of ledger_entries refused', TG_OP
                USING ERRCODE = 'restrict_violation',
                      HINT = 'post a correcting entry; only deleting a shop sets perks.ledger_rewrite';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()"
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_entries_no_truncate ON ledger_entries")
    op.execute("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
    op.execute("DROP FUNCTION ledger_entries_append_only()")
