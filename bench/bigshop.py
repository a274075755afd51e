"""The big shop of rows 4 and 5: a million members and ten million ledger entries, made inside PostgreSQL.

    python -m bench.bigshop --members 100000 --entries 1000000   # under scripts/with-test-services

Everything is generated server-side with `INSERT ... SELECT` over
`generate_series` (no rows cross the wire; faster here than COPY from
Python, see bench/README.md), from hashes of the member's number and the
entry's place, so a run is reproducible and every quantity can be derived
twice and agree:

- members join over two years; 30 % never buy; the others' entry counts
  are Pareto-distributed (most have a few, some hundreds) and sum to the
  requested total;
- a member's j-th entry is an `earn` of 40-250 points for an order (its row
  in `orders`: eligible amount = points + cents, paid when the entry was
  made), except every 8th, a `redeem` of 100 or 250 points for a reward
  (its row in `redemptions`, a code, used or still open); seven earns of at
  least 40 come before each redemption, so no balance ever goes below zero;
- every idempotency key is the app's own form (`order:<id>:earn`,
  `redemption:<id>:debit`) and unique in the shop; times are aware, spread
  from the member's join until now, in entry order;
- `members.points_balance` is the sum of the member's entries, computed in
  one aggregate pass over the same expressions before the members are
  inserted, and checked against the ledger afterwards;
- the member's tier (Silver 500, Gold 2,000 points earned in the last 12
  months) follows from the same pass; every member has a referral link, 2 %
  have referred a friend, 20 % gave a birthday; the shop has five rewards
  (one disabled), three earn rules, a referral offer, a guest order for
  every twentieth entry.

The dashboard's roll-ups are rebuilt from those facts (the bulk inserts run
with triggers off) and their totals compared with the facts
(`rollups_differing`, empty). Every table written is vacuumed and analysed,
as autovacuum keeps a shop that grew over two years (index-only scans need
the visibility map).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime

BIG_SHOP = "bench-big.myshopify.com"
FIRST_CUSTOMER = 7_500_000_000_000
FIRST_ORDER = 5_000_000_000_000
SEED = 20251128
NEVER_BUY = 0.30
ALPHA = 1.16  # Pareto shape: about 80 % of the entries belong to 20 % of the buyers
MAX_WEIGHT = 400.0  # the heaviest member has about 400 times the entries of the lightest buyer
REDEEM_EVERY = 8
WINDOW_DAYS = 365  # the tier program's rolling 12 months
HISTORY_DAYS = 730
WRITTEN = ("members", "ledger_entries", "orders", "redemptions", "referral_links", "referrals", "member_birthdays", "member_tiers")
ROLLUPS = ("rollup_days", "rollup_buyer_steps")
FIRST_NAMES = ("Ada", "Ben", "Chloe", "Dev", "Emma", "Femi", "Grace", "Hugo", "Ines", "Jonas", "Kai", "Lena", "Mia", "Noah", "Olga", "Pia")

# One member's entries: from big_plan p (n, cnt, joined), entry j in 1..cnt.
# h is a 62-bit hash of (seed, member, entry); the expressions below are the only definition.
_H = "(hashint8extended(p.n::bigint * 1000000 + j, %(seed)s) & 4611686018427387903)"
_POINTS = f"""CASE WHEN j %% {REDEEM_EVERY} = 0 THEN CASE WHEN {_H} %% 3 = 0 THEN -250 ELSE -100 END
                  ELSE 40 + ({_H} %% 211)::int END"""
_AT = f"p.joined + (%(now)s::timestamptz - p.joined) * ((j - 1 + ({_H} >> 20) %% 1000 / 1000.0) / p.cnt)"


def _plan(db, members: int, entries: int, first_member: int, first_redemption: int, now: datetime) -> None:
    """big_plan: member number n, its id, join time, entry count, and where its orders and redemptions are numbered from."""
    db.execute("DROP TABLE IF EXISTS big_plan")
    db.execute(
        f"""
        CREATE TEMP TABLE big_plan AS
        WITH u AS (
            SELECT n,
                   ((hashint8extended(n, %(seed)s) & 2147483647) + 0.5) / 2147483648.0 AS buy,
                   ((hashint8extended(n, %(seed)s + 1) & 2147483647) + 0.5) / 2147483648.0 AS size,
                   ((hashint8extended(n, %(seed)s + 2) & 2147483647) + 0.5) / 2147483648.0 AS age
            FROM generate_series(0, %(members)s - 1) AS n
        ), w AS (
            SELECT n, age,
                   CASE WHEN buy < {NEVER_BUY} THEN 0.0 ELSE least({MAX_WEIGHT}, power(size, -1.0 / {ALPHA})) END AS weight
            FROM u
        ), c AS (
            SELECT n, age, sum(weight) OVER (ORDER BY n) AS upto, sum(weight) OVER () AS total FROM w
        ), k AS (
            SELECT n, age,
                   (floor(%(entries)s * upto / total) - coalesce(floor(%(entries)s * lag(upto) OVER (ORDER BY n) / total), 0))::int AS cnt
            FROM c
        ), t AS (
            SELECT n, cnt, %(now)s::timestamptz - make_interval(secs => age * {HISTORY_DAYS} * 86400) AS joined FROM k
        )
        SELECT n, cnt, joined,
               %(first_member)s + row_number() OVER (ORDER BY joined, n) - 1 AS member_id,
               coalesce(sum(cnt) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS first_entry,
               %(first_redemption)s
                 + coalesce(sum(cnt / {REDEEM_EVERY}) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                 AS first_redemption
        FROM t
        """,
        {
            "seed": SEED,
            "members": members,
            "entries": entries,
            "now": now,
            "first_member": first_member,
            "first_redemption": first_redemption,
        },
    )
    db.execute("ANALYZE big_plan")


def _reserve(db, table: str, count: int) -> int:
    """`count` ids of the table's sequence for this load alone; the first one."""
    sequence = db.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    db.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # nobody else takes ids meanwhile
    first = db.execute("SELECT nextval(%s)", (sequence,)).fetchone()[0]
    db.execute("SELECT setval(%s, %s)", (sequence, first + max(count, 1) - 1))
    return first


@contextmanager
def _bulk(db, *tables: str):
    """A transaction for a bulk load into `tables`: their secondary indexes and unique constraints
    dropped first and built again at the end from their own definitions (a build is several times
    faster than maintaining them row by row), and foreign-key triggers off for this session
    (session_replication_role: the rows reference members and the shop made just before; the
    check afterwards counts orphans). A failure rolls all of it back, indexes included."""
    with db.transaction():
        rebuild = []
        for table in tables:
            for name, definition in db.execute(
                """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                   WHERE c.conrelid = %s::regclass AND c.contype = 'u'""",
                (table,),
            ).fetchall():
                db.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for name, definition in db.execute(
                """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                   WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
                (table,),
            ).fetchall():
                db.execute(f"DROP INDEX {name}")
                rebuild.append(definition)
        db.execute("SET LOCAL session_replication_role = replica")
        yield
        db.execute("SET LOCAL session_replication_role = origin")
        for statement in rebuild:
            db.execute(statement)


def _config(shop_domain: str) -> int:
    """The shop and its small tables, through the ORM (their defaults live there)."""
    from decimal import Decimal

    from sqlalchemy import select

    from shopify_app.core.config import Settings
    from shopify_app.core.db import session_factory
    from shopify_app.core.unit_of_work import UnitOfWork
    from shopify_app.earn.models import EarnRule
    from shopify_app.referrals.models import ReferralProgram
    from shopify_app.rewards.models import Reward
    from shopify_app.shop.models import Shop
    from shopify_app.shop.shops import add_shop
    from shopify_app.tiers.models import Tier, TierProgram

    with UnitOfWork(session_factory(Settings().database_url)) as uow:
        s = uow.session
        if s.scalar(select(Shop).where(Shop.domain == shop_domain)) is not None:
            raise SystemExit(f"bench.bigshop: {shop_domain} already exists; generate into a fresh database")
        shop = add_shop(s, shop_domain, name="Big Shop")
        shop.timezone = "America/New_York"
        for title, kind, cost, value, enabled in (
            ("$5 off", "fixed_amount", 100, 5, True),
            ("$15 off", "fixed_amount", 250, 15, True),
            ("Free shipping", "free_shipping", 400, 0, True),
            ("10% off", "percentage", 600, 10, True),
            ("$50 off (retired)", "fixed_amount", 1000, 50, False),
        ):
            s.add(Reward(shop_id=shop.id, title=title, kind=kind, points_cost=cost, value=Decimal(value), enabled=enabled))
        for action, name, points, period in (("birthday", "Birthday", 100, "year"), ("social_follow", "Follow us", 50, "ever"),
                                             ("newsletter", "Newsletter", 100, "ever")):  # fmt: skip
            s.add(EarnRule(shop_id=shop.id, action=action, name=name, points=points, limit_period=period))
        # add_shop made the tier and referral settings with their defaults; the big shop's differ.
        tier_program = s.scalars(select(TierProgram).where(TierProgram.shop_id == shop.id)).one()
        tier_program.basis, tier_program.period = "points", "rolling_12_months"
        s.add(Tier(shop_id=shop.id, name="Silver", threshold=Decimal(500), multiplier=Decimal("1.25"), perks="Free shipping over $30"))
        s.add(Tier(shop_id=shop.id, name="Gold", threshold=Decimal(2000), multiplier=Decimal("1.5"), perks="Free shipping\nEarly access"))
        referral_program = s.scalars(select(ReferralProgram).where(ReferralProgram.shop_id == shop.id)).one()
        referral_program.referrer_points, referral_program.friend_reward_value = 500, Decimal(10)
        uow.commit()
        return shop.id


def generate(members: int, entries: int, *, shop_domain: str = BIG_SHOP, now: datetime | None = None, log=None) -> dict:
    """Make the shop; its facts and the seconds each step took."""
    import psycopg

    now = now or datetime.now(UTC)
    steps: dict[str, float] = {}
    began = time.perf_counter()

    def step(name: str) -> None:
        nonlocal began
        steps[name] = round(time.perf_counter() - began, 2)
        if log:
            log(f"{name}: {steps[name]} s")
        began = time.perf_counter()

    shop_id = _config(shop_domain)
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as db:
        db.execute("SET work_mem = '256MB'")
        db.execute("SET maintenance_work_mem = '512MB'")
        rewards = dict(
            db.execute("SELECT points_cost, id FROM rewards WHERE shop_id = %s AND enabled AND kind = 'fixed_amount'", (shop_id,))
        )
        tiers = dict(db.execute("SELECT name, id FROM tiers WHERE shop_id = %s", (shop_id,)))
        with db.transaction():
            first_member = _reserve(db, "members", members)
            # An upper bound of the redemptions (cnt / 8 summed is at most entries / 8).
            first_redemption = _reserve(db, "redemptions", entries // REDEEM_EVERY + 1)
        _plan(db, members, entries, first_member, first_redemption, now)
        step("plan")
        values = {"seed": SEED, "now": now, "shop": shop_id, "window": f"{WINDOW_DAYS} days"}

        # The one pass: each member's balance and points earned in the tier window, from the entries' own expressions.
        db.execute(
            f"""
            CREATE TEMP TABLE big_totals AS
            SELECT p.n, sum(e.points) AS balance,
                   coalesce(sum(e.points) FILTER (WHERE e.points > 0 AND e.at >= %(now)s::timestamptz - %(window)s::interval), 0) AS earned
            FROM big_plan p CROSS JOIN LATERAL (
                SELECT {_POINTS} AS points, {_AT} AS at FROM generate_series(1, p.cnt) AS j
            ) e
            GROUP BY p.n
            """,
            values,
        )
        step("balances")
        names = "ARRAY[" + ",".join(f"'{name}'" for name in FIRST_NAMES) + "]"
        db.execute(
            f"""
            INSERT INTO members (id, shop_id, customer_id, email, first_name, last_name, points_balance, created_at)
            SELECT p.member_id, %(shop)s, {FIRST_CUSTOMER} + p.n, 'shopper' || p.n || '@example.com',
                   ({names})[1 + p.n %% {len(FIRST_NAMES)}], 'Big', coalesce(t.balance, 0), p.joined
            FROM big_plan p LEFT JOIN big_totals t USING (n)
            ORDER BY p.member_id
            """,
            values,
        )
        step("members")
        # The ledger in time order, as a live shop writes it (a member's entries are spread over the table).
        with _bulk(db, "ledger_entries"):
            db.execute(
                f"""
                INSERT INTO ledger_entries (shop_id, member_id, points, kind, idempotency_key, reason, order_id, created_at)
                SELECT %(shop)s, p.member_id, e.points,
                       CASE WHEN e.redeem THEN 'redeem' ELSE 'earn' END,
                       CASE WHEN e.redeem THEN 'redemption:' || (p.first_redemption + j / {REDEEM_EVERY} - 1) || ':debit'
                            ELSE 'order:' || ({FIRST_ORDER} + p.first_entry + j) || ':earn' END,
                       CASE WHEN e.redeem THEN CASE WHEN e.points = -250 THEN 'Redeemed $15 off' ELSE 'Redeemed $5 off' END
                            ELSE 'Order #' || (1001 + p.first_entry + j) END,
                       CASE WHEN e.redeem THEN NULL ELSE {FIRST_ORDER} + p.first_entry + j END,
                       e.at
                FROM big_plan p CROSS JOIN LATERAL (
                    SELECT j, {_POINTS} AS points, {_AT} AS at, j %% {REDEEM_EVERY} = 0 AS redeem FROM generate_series(1, p.cnt) AS j
                ) e
                ORDER BY e.at
                """,
                values,
            )
        step("ledger")
        with _bulk(db, "orders"):
            db.execute(
                f"""
                INSERT INTO orders (shop_id, order_id, member_id, name, eligible_amount, points_earned, points_reversed,
                                    taxes_included, paid_at)
                SELECT %(shop)s, {FIRST_ORDER} + p.first_entry + j, p.member_id, '#' || (1001 + p.first_entry + j),
                       e.points + ({_H} >> 40) %% 100 / 100.0, e.points, 0, false, e.at
                FROM big_plan p CROSS JOIN LATERAL (
                    SELECT j, {_POINTS} AS points, {_AT} AS at FROM generate_series(1, p.cnt) AS j WHERE j %% {REDEEM_EVERY} <> 0
                ) e
                ORDER BY e.at
                """,
                values,
            )
            guests = entries // 20
            db.execute(
                f"""
                INSERT INTO orders (shop_id, order_id, member_id, name, eligible_amount, points_earned, points_reversed,
                                    taxes_included, paid_at)
                SELECT %(shop)s, {FIRST_ORDER} + %(entries)s + g, NULL, 'G' || g,
                       20 + (hashint8extended(g, %(seed)s) & 65535) %% 9000 / 100.0,
                       0, 0, false, %(now)s::timestamptz - make_interval(secs => g::float8 / %(guests)s * {HISTORY_DAYS} * 86400)
                FROM generate_series(1, %(guests)s) AS g
                """,
                values | {"entries": entries, "guests": guests},
            )
        step("orders")
        with _bulk(db, "redemptions"):
            db.execute(
                f"""
                INSERT INTO redemptions (id, shop_id, member_id, reward_id, request_key, points, value, code, shopify_id, state,
                                         created_at, expires_at, used_at)
                SELECT p.first_redemption + j / {REDEEM_EVERY} - 1, %(shop)s, p.member_id,
                       CASE WHEN e.points = -250 THEN %(r250)s ELSE %(r100)s END,
                       ({FIRST_CUSTOMER} + p.n) || ':bench-' || j, -e.points, CASE WHEN e.points = -250 THEN 15 ELSE 5 END,
                       'PERKS-' || upper(to_hex(p.first_redemption + j / {REDEEM_EVERY} - 1)),
                       'gid://shopify/DiscountCodeNode/' || (p.first_redemption + j / {REDEEM_EVERY} - 1),
                       CASE WHEN e.at > %(now)s::timestamptz - interval '30 days' THEN 'issued' ELSE 'used' END,
                       e.at, e.at + interval '30 days',
                       CASE WHEN e.at > %(now)s::timestamptz - interval '30 days' THEN NULL ELSE e.at + interval '3 days' END
                FROM big_plan p CROSS JOIN LATERAL (
                    SELECT j, {_POINTS} AS points, {_AT} AS at FROM generate_series({REDEEM_EVERY}, p.cnt, {REDEEM_EVERY}) AS j
                ) e
                """,
                values | {"r100": rewards[100], "r250": rewards[250]},
            )
        db.execute("SELECT setval(pg_get_serial_sequence('redemptions', 'id'), (SELECT max(id) FROM redemptions))")
        step("redemptions")
        # Referral links: 10 letters of the app's alphabet from a bijection of the member id (so unique).
        alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
        code = " || ".join(f"substr('{alphabet}', ((x / {31**k}) %% 31)::int + 1, 1)" for k in range(10))
        db.execute(
            f"""
            INSERT INTO referral_links (shop_id, member_id, code, created_at)
            SELECT %(shop)s, member_id, {code}, joined
            FROM (SELECT member_id, joined, (member_id * 2654435761) %% {31**10} AS x FROM big_plan) AS b
            """,
            values,
        )
        db.execute(
            """
            INSERT INTO referrals (shop_id, referrer_id, friend_id, friend_customer_id, state, points, created_at)
            SELECT %(shop)s, a.member_id, b.member_id, b.n + %(first_customer)s,
                   CASE WHEN a.n %% 3 = 0 THEN 'qualified' ELSE 'pending' END, 0, greatest(a.joined, b.joined)
            FROM big_plan a JOIN big_plan b ON b.n = a.n + 1
            WHERE a.n %% 50 = 0
            """,
            values | {"first_customer": FIRST_CUSTOMER},
        )
        db.execute(
            """
            INSERT INTO member_birthdays (member_id, shop_id, month, day, year, given_at)
            SELECT member_id, %(shop)s, 1 + n %% 12, 1 + n %% 28, NULL, joined FROM big_plan WHERE n %% 5 = 0
            """,
            values,
        )
        db.execute(
            """
            INSERT INTO member_tiers (member_id, shop_id, tier_id, achieved_at, held_until, version, synced)
            SELECT p.member_id, %(shop)s, CASE WHEN t.earned >= 2000 THEN %(gold)s ELSE %(silver)s END,
                   %(now)s::timestamptz - interval '30 days', %(now)s::timestamptz + interval '335 days', 1, true
            FROM big_plan p JOIN big_totals t USING (n)
            WHERE t.earned >= 500
            """,
            values | {"gold": tiers["Gold"], "silver": tiers["Silver"]},
        )
        step("links, referrals, birthdays, tiers")
        # The rows above went in with triggers off (session_replication_role = replica): the roll-ups the
        # dashboard reads are recomputed from them, as `perks rollups --rebuild` does.
        db.execute("SELECT rollup_rebuild(%s)", (shop_id,))
        step("roll-ups")
        for table in WRITTEN + ROLLUPS:
            db.execute(f"VACUUM (ANALYZE) {table}")
        step("vacuum")
        facts = _facts(db, shop_id) | {"rollups_differing": _rollups_differing(db, shop_id)}
        step("check")
    facts |= {"shop_id": shop_id, "shop": shop_domain, "steps": steps, "seconds": round(sum(steps.values()), 1)}
    return facts


def _rollups_differing(db, shop_id: int) -> list[str]:
    """The roll-ups' totals that differ from the same totals counted on the facts (none): members, net points,
    counted orders and revenue, buyers (first steps). The rebuild made them from the facts with
    rollup_*_from_facts, so this counts the facts the other way, row by row, rather than through those functions."""
    kept = db.execute(
        """SELECT (SELECT sum(new_members) FROM rollup_days WHERE shop_id = %(shop)s),
                  (SELECT sum(points_net) FROM rollup_days WHERE shop_id = %(shop)s),
                  (SELECT sum(member_orders + guest_orders) FROM rollup_days WHERE shop_id = %(shop)s),
                  (SELECT sum(member_revenue + guest_revenue) FROM rollup_days WHERE shop_id = %(shop)s),
                  (SELECT sum(steps) FROM rollup_buyer_steps WHERE shop_id = %(shop)s AND from_day = '-infinity')""",
        {"shop": shop_id},
    ).fetchone()
    counted = db.execute(
        """SELECT (SELECT count(*) FROM members WHERE shop_id = %(shop)s AND merged_into_id IS NULL),
                  (SELECT sum(points) FROM ledger_entries WHERE shop_id = %(shop)s),
                  count(*), sum(eligible_amount), count(DISTINCT member_id)
           FROM orders WHERE shop_id = %(shop)s AND paid_at IS NOT NULL AND cancelled_at IS NULL AND eligible_amount IS NOT NULL""",
        {"shop": shop_id},
    ).fetchone()
    names = ("members", "points", "orders", "revenue", "buyers")
    return [f"{name}: kept {k}, facts {c}" for name, k, c in zip(names, kept, counted, strict=True) if k != c]


def _facts(db, shop_id: int) -> dict:
    """What was made, and the balance invariant checked against the ledger."""
    entries, points = db.execute("SELECT count(*), coalesce(sum(points), 0) FROM ledger_entries WHERE shop_id = %s", (shop_id,)).fetchone()
    members, balances, buyers = db.execute(
        "SELECT count(*), coalesce(sum(points_balance), 0), count(*) FILTER (WHERE points_balance <> 0) FROM members WHERE shop_id = %s",
        (shop_id,),
    ).fetchone()
    drifted, orphans = db.execute(
        """
        SELECT count(*) FILTER (WHERE m.id IS NOT NULL AND m.points_balance <> coalesce(l.total, 0)),
               count(*) FILTER (WHERE m.id IS NULL)
        FROM (SELECT id, points_balance FROM members WHERE shop_id = %(shop)s) AS m
        FULL JOIN (SELECT member_id, sum(points) AS total FROM ledger_entries WHERE shop_id = %(shop)s GROUP BY member_id) AS l
               ON l.member_id = m.id
        """,
        {"shop": shop_id},
    ).fetchone()
    most = db.execute(
        "SELECT max(c) FROM (SELECT count(*) AS c FROM ledger_entries WHERE shop_id = %s GROUP BY member_id) AS x", (shop_id,)
    ).fetchone()[0]
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table} WHERE shop_id = %s", (shop_id,)).fetchone()[0]
        for table in ("orders", "redemptions", "referral_links", "referrals", "member_tiers")
    }
    return {
        "members": members,
        "entries": entries,
        "points": int(points),
        "balances_sum": int(balances),
        "balances_drifted": drifted,
        "entries_without_member": orphans,
        "members_with_points": buyers,
        "most_entries": most,
    } | counts


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--shop", default=BIG_SHOP)
    args = parser.parse_args(argv)
    made = generate(args.members, args.entries, shop_domain=args.shop, log=lambda m: print(f"bigshop: {m}", file=sys.stderr, flush=True))
    print(json.dumps(made, indent=1, default=str))


if __name__ == "__main__":
    main()
