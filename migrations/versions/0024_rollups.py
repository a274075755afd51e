"""roll-ups: the dashboard's figures per shop and day, kept by triggers in the facts' own transactions

Revision ID: 0024_rollups
Revises: 0022
Create Date: 2026-12-06 09:45:00.000000

Two tables, both keyed by the shop's local day (the dashboard cuts its buckets at the shop's midnight):

- rollup_days: members joined (not merged away), points issued / redeemed / net, orders and revenue
  split member/guest (paid, not cancelled, with an eligible amount);
- rollup_buyer_steps: for every member, the local days of their counted orders in order
  d1 <= d2 <= ... <= dn, as pairs (from_day, to_day): `steps` counts (-infinity, d1), (d1, d2), ...,
  (dn, +infinity) and `skips` counts each order with the day of the order two before it,
  (d(i-2) or -infinity, di). With a period [a, b): the members who bought in it are the steps into it from
  before a; the members with two or more orders in it are the skips into it from before a less those
  (a member with k orders in it has min(k, 2) such skips); the churned are the steps out of the
  previous period to b or later; CLV's buyers are the steps from -infinity before the end. Range sums
  over days, whatever the number of members.

Statement-level AFTER triggers with transition tables fold each statement's changes into both tables, so
every writer (the per-delivery services, set-based batches, imports, merges, redaction, a guest claim,
a cascade) keeps them exact in its own transaction. Each row carries a `slot`, claimed by the writing
transaction at its first roll-up write (an advisory lock no other live transaction holds, see
rollup_slot): concurrent writers of the same day add to different rows and never wait on one another's
until commit; reads sum the slots. A shop's change of time zone rebuilds its roll-ups.
rollup_days_from_facts / rollup_steps_from_facts recompute both from the facts: the rebuild, the
backfill below and `perks rollups --verify` use them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_rollups"
down_revision: str | Sequence[str] | None = "0023_member_view"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOTS = 32
LOCK_SPACE = 23  # pg_advisory_xact_lock(LOCK_SPACE, shop id): the shop's roll-ups (shared: writers; exclusive: a rebuild)
SLOT_SPACE = 24  # pg_try_advisory_xact_lock(SLOT_SPACE, shop id * 64 + slot): a writer's claim on its slot of the shop
# Slot 0 is the rebuild's and the compaction's; writers claim 1.. (see rollup_slot).
SLOT_CLAIM = f"""
CREATE FUNCTION rollup_slot(p_shop integer) RETURNS smallint LANGUAGE plpgsql AS $$
DECLARE
    memo text := current_setting('perks.rollup_slot', true);
    start integer := pg_backend_pid() % {SLOTS};
    s integer;
BEGIN
    IF memo LIKE p_shop || ':%' THEN RETURN split_part(memo, ':', 2)::smallint; END IF;
    -- A slot no other live transaction holds: the transaction's roll-up rows are then its own until commit and
    -- never make it wait (two transactions sharing a row would queue on it, and a wait there joins any lock
    -- cycle the rest of their work makes). Past the {SLOTS} usual slots when every one is taken. A clash of
    -- keys between shops (past 63 slots) only makes a free slot look taken.
    FOR i IN 0..32000 LOOP
        s := CASE WHEN i < {SLOTS} THEN 1 + (start + i) % {SLOTS} ELSE 1 + i END;
        IF pg_try_advisory_xact_lock({SLOT_SPACE}, ((p_shop::bigint * 64 + s) % 2147483648)::integer) THEN
            PERFORM set_config('perks.rollup_slot', p_shop || ':' || s, true);
            RETURN s;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'no free roll-up slot for shop %', p_shop;
END $$;
"""
SLOT = "rollup_slot(d.shop_id)"
ZONE = "coalesce(nullif(s.timezone, ''), 'UTC')"  # as the dashboard reads it: `shop.timezone or "UTC"`
# The roll-up's figures as of this revision, written out: a migration never imports the app's modules
# (analytics/rollups.py DAY_FIGURES), which move on after it.
DAY_COLUMNS = (
    "new_members",
    "points_issued",
    "points_redeemed",
    "points_net",
    "member_orders",
    "member_revenue",
    "guest_orders",
    "guest_revenue",
)
TABLES = {
    # table: (the columns the figures read, the time that picks the day, which rows count, figures over signed rows)
    "members": ("id, shop_id, created_at, merged_into_id", "created_at", "e.merged_into_id IS NULL", {"new_members": "sum(e.sign)"}),
    "ledger_entries": (
        "id, shop_id, created_at, points, kind",
        "created_at",
        "true",
        {
            "points_issued": "sum(e.sign * CASE WHEN e.points > 0 AND e.kind NOT IN ('refund', 'merge') THEN e.points ELSE 0 END)",
            "points_redeemed": "sum(e.sign * CASE WHEN e.kind IN ('redeem', 'refund') THEN -e.points ELSE 0 END)",
            "points_net": "sum(e.sign * e.points)",
        },
    ),
    "orders": (
        "id, shop_id, member_id, paid_at, cancelled_at, eligible_amount",
        "paid_at",
        "e.paid_at IS NOT NULL AND e.cancelled_at IS NULL AND e.eligible_amount IS NOT NULL",
        {
            "member_orders": "coalesce(sum(e.sign) FILTER (WHERE e.member_id IS NOT NULL), 0)",
            "member_revenue": "coalesce(sum(e.sign * e.eligible_amount) FILTER (WHERE e.member_id IS NOT NULL), 0)",
            "guest_orders": "coalesce(sum(e.sign) FILTER (WHERE e.member_id IS NULL), 0)",
            "guest_revenue": "coalesce(sum(e.sign * e.eligible_amount) FILTER (WHERE e.member_id IS NULL), 0)",
        },
    ),
}


def _moves(table: str) -> str:
    """An update's rows that change what the roll-ups read (PostgreSQL fires a trigger with transition tables
    on every update of the table: a balance moving on members, points earned noted on an order)."""
    read = [c for c in TABLES[table][0].split(", ") if c != "id"]
    return f"({', '.join('n.' + c for c in read)}) IS DISTINCT FROM ({', '.join('o.' + c for c in read)})"


def _counted(alias: str) -> str:
    return TABLES["orders"][2].replace("e.", alias + ".")


def _days(table: str, source: str) -> str:
    """The day figures of `source` (rows of `table` with a sign: +1 new, -1 old), one row per shop and day."""
    _, time_column, where, figures = TABLES[table]
    return f"""
        SELECT e.shop_id, (e.{time_column} AT TIME ZONE {ZONE})::date AS day, {", ".join(f"{v} AS {k}" for k, v in figures.items())}
        FROM {source} e JOIN shops s ON s.id = e.shop_id
        WHERE {where}
        GROUP BY 1, 2
    """


def _steps(source: str) -> str:
    """Steps and skips of each member's timeline in `source` (rows: sign, shop_id, member_id, day)."""
    return f"""
        WITH q AS (
            SELECT sign, shop_id, day, lag(day, 1) OVER w AS p1, lag(day, 2) OVER w AS p2,
                   row_number() OVER (PARTITION BY sign, member_id ORDER BY day DESC) = 1 AS last
            FROM {source} t
            WINDOW w AS (PARTITION BY sign, member_id ORDER BY day)
        )
        SELECT shop_id, to_day, from_day, sum(sign * steps) AS steps, sum(sign * skips) AS skips
        FROM (
            SELECT sign, shop_id, coalesce(p1, '-infinity'::date) AS from_day, day AS to_day, 1 AS steps, 0 AS skips FROM q
            UNION ALL SELECT sign, shop_id, coalesce(p2, '-infinity'::date), day, 0, 1 FROM q
            UNION ALL SELECT sign, shop_id, day, 'infinity'::date, 1, 0 FROM q WHERE last
        ) pairs
        GROUP BY 1, 2, 3
    """


def _timelines(orders: str) -> str:
    """`orders` (rows: sign, shop_id, member_id, paid_at) as local days."""
    return f"""(
        SELECT t.sign, t.shop_id, t.member_id, (t.paid_at AT TIME ZONE {ZONE})::date AS day
        FROM {orders} t JOIN shops s ON s.id = t.shop_id
    )"""


def _add_days(select: str, columns: list[str]) -> str:
    updates = ", ".join(f"{c} = r.{c} + EXCLUDED.{c}" for c in columns)
    return f"""
        INSERT INTO rollup_days AS r (shop_id, day, slot, {", ".join(columns)})
        SELECT d.shop_id, d.day, {SLOT}, {", ".join("d." + c for c in columns)}
        FROM ({select}) d WHERE {" OR ".join(f"d.{c} <> 0" for c in columns)}
        ORDER BY d.shop_id, d.day
        ON CONFLICT (shop_id, day, slot) DO UPDATE SET {updates};
    """


def _add_steps(select: str) -> str:
    return f"""
        INSERT INTO rollup_buyer_steps AS r (shop_id, to_day, from_day, slot, steps, skips)
        SELECT d.shop_id, d.to_day, d.from_day, {SLOT}, d.steps, d.skips
        FROM ({select}) d WHERE d.steps <> 0 OR d.skips <> 0
        ORDER BY d.shop_id, d.to_day, d.from_day
        ON CONFLICT (shop_id, to_day, from_day, slot) DO UPDATE SET steps = r.steps + EXCLUDED.steps, skips = r.skips + EXCLUDED.skips;
    """


def _signed(columns: str, new: str | None, old: str | None) -> str:
    parts = [f"SELECT 1 AS sign, {columns} FROM {new} n" if new else None, f"SELECT -1 AS sign, {columns} FROM {old} n" if old else None]
    return "(" + " UNION ALL ".join(p for p in parts if p) + ")"


def _trigger_body(table: str, event: str) -> str:
    new = "new_rows" if event in ("INSERT", "UPDATE") else None
    old = "old_rows" if event in ("UPDATE", "DELETE") else None
    columns = TABLES[table][0]
    if event == "UPDATE":
        new = f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {_moves(table)})"
        old = f"(SELECT o.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {_moves(table)})"
    # A rebuild of the shop (its exclusive lock) waits for the writers in flight and holds the next ones back,
    # so each fact is counted once: by the rebuild's recomputation or by its writer's delta.
    shops = " UNION ".join(f"SELECT x.shop_id FROM {side} x" for side in (new, old) if side)
    locked = f"PERFORM pg_advisory_xact_lock_shared({LOCK_SPACE}, x.shop_id) FROM ({shops} ORDER BY 1) x;"
    days = locked + _add_days(_days(table, _signed(columns, new, old)), list(TABLES[table][3]))
    if table != "orders":
        return days
    # The touched members' counted orders after the statement, and before it: after, less the statement's
    # new rows, plus its old rows that counted.
    touched = " UNION ".join(f"SELECT x.member_id FROM {side} x WHERE x.member_id IS NOT NULL" for side in (new, old) if side)
    after = f"SELECT o.id, o.shop_id, o.member_id, o.paid_at FROM orders o WHERE o.member_id IN ({touched}) AND {_counted('o')}"
    before = "SELECT a.* FROM after a" + (f" WHERE a.id NOT IN (SELECT x.id FROM {new} x)" if new else "")
    if old:
        before += (
            f" UNION ALL SELECT x.id, x.shop_id, x.member_id, x.paid_at FROM {old} x WHERE x.member_id IS NOT NULL AND {_counted('x')}"
        )
    # Two transactions adding orders of the same member must not both read the timeline without the
    # other's order: the member's row lock (the one the balance takes) orders them, and the read after it
    # (a new snapshot in READ COMMITTED) sees what the first committed. It adds no new lock order: every path
    # that moves a member's counted order holds the order's row first and takes the member's row next
    # (pay_order and a guest credit in ledger.post's balance update right after, the set-based batch in its
    # members update, a refund or cancellation in take_back), so the trigger takes it a statement earlier with
    # nothing locked in between, or, for an order worth no points, where an order worth some takes it; a member
    # inserted in the transaction (a guest claim) is its own already.
    members = f"PERFORM FROM members m WHERE m.id IN ({touched}) ORDER BY m.id FOR NO KEY UPDATE;"
    both = (
        "(SELECT 1 AS sign, a.shop_id, a.member_id, a.paid_at FROM after a"
        f" UNION ALL SELECT -1, b.shop_id, b.member_id, b.paid_at FROM ({before}) b)"
    )
    steps = _add_steps(_steps(_timelines(both)))
    return days + members + steps.replace("INSERT INTO", f"WITH after AS MATERIALIZED ({after}) INSERT INTO", 1)


def _recomputations() -> str:
    per_table = []
    for table in TABLES:
        figures = TABLES[table][3]
        picks = ", ".join(f"f.{c}" if c in figures else "0" for c in DAY_COLUMNS)
        source = f"(SELECT 1 AS sign, {TABLES[table][0]} FROM {table} WHERE shop_id = p_shop)"
        per_table.append(f"SELECT f.shop_id, f.day, {picks} FROM ({_days(table, source)}) f")
    orders = (
        "(SELECT 1 AS sign, o.shop_id, o.member_id, o.paid_at FROM orders o"
        f" WHERE o.shop_id = p_shop AND o.member_id IS NOT NULL AND {_counted('o')})"
    )
    typed = ", ".join(c + (" numeric" if "revenue" in c else " bigint") for c in DAY_COLUMNS)
    listed = ", ".join(DAY_COLUMNS)
    return f"""
    CREATE FUNCTION rollup_days_from_facts(p_shop integer) RETURNS TABLE (shop_id integer, day date, {typed})
    LANGUAGE sql STABLE AS $$
        SELECT u.shop_id, u.day, {", ".join(f"sum(u.{c})" for c in DAY_COLUMNS)}
        FROM ({" UNION ALL ".join(per_table)}) AS u(shop_id, day, {listed})
        GROUP BY 1, 2
    $$;
    CREATE FUNCTION rollup_steps_from_facts(p_shop integer)
    RETURNS TABLE (shop_id integer, to_day date, from_day date, steps bigint, skips bigint)
    LANGUAGE sql STABLE AS $$ {_steps(_timelines(orders))} $$;
    CREATE FUNCTION rollup_rebuild(p_shop integer) RETURNS void LANGUAGE sql AS $$
        SELECT pg_advisory_xact_lock({LOCK_SPACE}, p_shop);
        DELETE FROM rollup_days WHERE shop_id = p_shop;
        DELETE FROM rollup_buyer_steps WHERE shop_id = p_shop;
        INSERT INTO rollup_days (shop_id, day, slot, {listed}) SELECT shop_id, day, 0, {listed} FROM rollup_days_from_facts(p_shop);
        INSERT INTO rollup_buyer_steps (shop_id, to_day, from_day, slot, steps, skips)
            SELECT shop_id, to_day, from_day, 0, steps, skips FROM rollup_steps_from_facts(p_shop) WHERE steps <> 0 OR skips <> 0;
    $$;
    """


REFERENCING = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def upgrade() -> None:
    op.create_table(
        "rollup_days",
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        *(sa.Column(c, sa.Numeric(16, 2) if "revenue" in c else sa.BigInteger(), nullable=False, server_default="0") for c in DAY_COLUMNS),
        sa.PrimaryKeyConstraint("shop_id", "day", "slot"),
    )
    op.create_table(
        "rollup_buyer_steps",
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("to_day", sa.Date(), nullable=False),
        sa.Column("from_day", sa.Date(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("steps", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("skips", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("shop_id", "to_day", "from_day", "slot"),
    )
    # Churn reads the steps out of a period and CLV the first steps (from -infinity): by from_day.
    op.execute("CREATE INDEX ix_rollup_buyer_steps_from ON rollup_buyer_steps (shop_id, from_day, to_day) INCLUDE (steps)")
    op.execute(SLOT_CLAIM)
    op.execute(_recomputations())
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            function = f"rollup_{table}_{event.lower()}"
            # Most updates move nothing the roll-ups read: they leave after one look at the changed rows.
            unmoved = (
                f"IF NOT EXISTS (SELECT FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {_moves(table)}) THEN RETURN NULL; END IF;"
                if event == "UPDATE"
                else ""
            )
            op.execute(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN {unmoved} {_trigger_body(table, event)} RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {REFERENCING[event]}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    # Days are the shop's local days: a new time zone recuts them.
    op.execute(
        """CREATE FUNCTION rollup_shop_zone() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM rollup_rebuild(n.id) FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.timezone IS DISTINCT FROM o.timezone;
        RETURN NULL; END $$"""
    )
    op.execute(
        "CREATE TRIGGER rollup_shop_zone AFTER UPDATE ON shops REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION rollup_shop_zone()"
    )
    op.execute("SELECT rollup_rebuild(id) FROM shops")


def downgrade() -> None:
    op.execute("DROP TRIGGER rollup_shop_zone ON shops")
    op.execute("DROP FUNCTION rollup_shop_zone()")
    for table in TABLES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER rollup_{table}_{event} ON {table}")
            op.execute(f"DROP FUNCTION rollup_{table}_{event}()")
    for function in ("rollup_rebuild", "rollup_steps_from_facts", "rollup_days_from_facts", "rollup_slot"):
        op.execute(f"DROP FUNCTION {function}(integer)")
    op.drop_table("rollup_buyer_steps")
    op.drop_table("rollup_days")
