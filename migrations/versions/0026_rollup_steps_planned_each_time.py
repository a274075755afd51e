"""roll-up steps planned each time: the orders triggers' reads of members and orders run by EXECUTE

PL/pgSQL keeps one plan per statement for the connection's life, and a statement without parameters
is never planned again until its tables are analyzed. The orders triggers' two statements that read
big tables (the touched members' rows locked, their counted orders read for the buyer steps) were
planned while a new shop's tables were nearly empty, then scanned every member and order for each
statement once they had grown: on the month replay a batch's orders insert took 20-150 ms in its
trigger. Run by EXECUTE, they are planned for the tables as they are, at each statement (about a
millisecond of planning). The functions are rewritten from their own source, so they stay exactly
what 0024_rollups made them, but for how those two statements run.

Revision ID: 0026_rollup_steps_planned
Revises: 0025_referrals_by_friend
Create Date: 2026-12-06 13:30:00.000000

"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0026_rollup_steps_planned"
down_revision: str | Sequence[str] | None = "0025_referrals_by_friend"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = ("rollup_orders_insert", "rollup_orders_update", "rollup_orders_delete")
LOCK_MEMBERS = "PERFORM FROM members m"
END = " RETURN NULL; END"


def _planned_each_time(source: str) -> str:
    """The members lock and the steps statement (everything after it) of a 0024 orders trigger, as EXECUTE."""
    start = source.index(LOCK_MEMBERS)
    locked = source.index(";", start)
    end = source.rindex(END)
    steps = source[locked + 1 : end].strip().removesuffix(";")
    run_lock = "EXECUTE $run$SELECT" + source[start + len("PERFORM") : locked] + "$run$;"
    return source[:start] + run_lock + " EXECUTE $run$" + steps + "$run$;" + source[end:]


def _planned_once(source: str) -> str:
    """0024's own form back: the two statements run in place."""
    start = source.index("EXECUTE $run$SELECT")
    locked = source.index("$run$;", start)
    end = source.rindex("$run$;")
    lock = "PERFORM" + source[start + len("EXECUTE $run$SELECT") : locked] + ";"
    steps = source[locked + len("$run$; EXECUTE $run$") : end] + ";"
    return source[:start] + lock + " " + steps + source[end + len("$run$;") :]


def _rewrite(change) -> None:
    connection = op.get_bind()
    for function in FUNCTIONS:
        source = connection.execute(text("SELECT prosrc FROM pg_proc WHERE proname = :f"), {"f": function}).scalar_one()
        # The driver's own call: the source's `::date` casts are not bind parameters.
        connection.exec_driver_sql(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $fn${change(source)}$fn$")


def upgrade() -> None:
    _rewrite(_planned_each_time)


def downgrade() -> None:
    _rewrite(_planned_once)
