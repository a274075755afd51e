"""The machine's own limit, measured by PostgreSQL's `pgbench` before the rows run.

Two custom scripts, each from `clients` connections for `seconds`, on the
bench's database with its durability settings (fsync and synchronous commit
on under `make bench`):

(a) one `INSERT ... ON CONFLICT DO NOTHING` of a delivery-sized row (a real
    `orders/paid` body of ~9 KB, as `bench/payloads.py` builds it) into a
    table shaped like `webhook_deliveries`, with its unique key: what
    recording a delivery durably costs the database alone;
(b) one transaction of the fewest statements a paid order needs: record the
    delivery, insert the order, insert its ledger entry, move the member's
    cached balance (10,000 members, as row 2 has).

The tables are copies of the real ones (`LIKE ... INCLUDING ALL`: columns,
defaults, checks, unique keys and indexes, each with a sequence of its own)
with the real ones' foreign keys, in a schema of their own, dropped after.
Rows 1 and 2 are then read as a share of (a) and (b): that share is what a
change to the app moves, whatever the machine.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import payloads

MEMBERS = 10_000
TABLES = {"deliveries": "webhook_deliveries", "members": "members", "orders": "orders", "ledger": "ledger_entries"}
# The real tables' foreign keys that a paid order's statements check, on the copies.
FOREIGN_KEYS = {
    "deliveries": [("shop_id", "public.shops")],
    "members": [("shop_id", "public.shops")],
    "orders": [("shop_id", "public.shops"), ("member_id", "{schema}.members")],
    "ledger": [("shop_id", "public.shops"), ("member_id", "{schema}.members")],
}


@dataclass(frozen=True)
class Limit:
    """One pgbench script's result: transactions a second, their mean latency, how long and how many clients."""

    name: str
    per_second: float
    latency_ms: float
    transactions: int
    failed: int
    seconds: int
    clients: int


def pgbench_path() -> Path:
    """pgbench from the bin folder of the PostgreSQL the services started (scripts/with-test-services sets it)."""
    folder = os.environ.get("PERKS_PG_BIN")
    if not folder or not (Path(folder) / "pgbench").exists():
        raise SystemExit(f"bench: no pgbench in PERKS_PG_BIN={folder!r}: run under scripts/with-test-services")
    return Path(folder) / "pgbench"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _delivery_insert(schema: str, shop_id: int, body: str) -> str:
    """The delivery's row as `deliveries.record_for_domains` writes it, under a fresh webhook and event id."""
    headers = json.dumps({"X-Shopify-Shop-Domain": "bench-limit.myshopify.com", "X-Shopify-Triggered-At": "2026-11-27T10:00:00Z"})
    return (
        f"INSERT INTO {schema}.deliveries (shop_id, webhook_id, event_id, topic, api_version, headers, payload, status, attempts,"
        " received_at) VALUES"
        f" ({shop_id}, gen_random_uuid()::text, gen_random_uuid()::text, 'orders/paid', '2025-10', {_literal(headers)},"
        f" {_literal(body)}, 'received', 0, now()) ON CONFLICT DO NOTHING;"
    )


def scripts(schema: str, shop_id: int) -> dict[str, str]:
    """The two pgbench scripts, (a) and (b)."""
    with payloads.fast_builders():
        body = payloads.order_paid_body(5_800_000_000_000, 7_200_000_000_001, (("31.50", 2, "0.00"), ("20.00", 1, "0.00")))
    record = _delivery_insert(schema, shop_id, body.decode())
    order = (
        f"\\set member random(1, {MEMBERS})\n"
        "\\set order random(1, 9000000000000000)\n"
        "\\set points random(20, 180)\n"
        "BEGIN;\n"
        f"{record}\n"
        f"INSERT INTO {schema}.orders (shop_id, order_id, member_id, name, eligible_amount, points_earned, points_reversed,"
        f" taxes_included, paid_at) VALUES ({shop_id}, :order, :member, '#1001', :points, :points, 0, false, now())"
        " ON CONFLICT DO NOTHING;\n"
        f"INSERT INTO {schema}.ledger (shop_id, member_id, points, kind, idempotency_key, reason, order_id, created_at)"
        f" VALUES ({shop_id}, :member, :points, 'earn', 'order:' || :order || ':earn', 'Order #1001', :order, now())"
        " ON CONFLICT DO NOTHING;\n"
        f"UPDATE {schema}.members SET points_balance = points_balance + :points WHERE id = :member;\n"
        "COMMIT;\n"
    )
    return {"a": record + "\n", "b": order}


def _make_tables(db: psycopg.Connection, schema: str, shop_id: int) -> None:
    db.execute(f"CREATE SCHEMA {schema}")
    for copy, real in TABLES.items():
        db.execute(f"CREATE TABLE {schema}.{copy} (LIKE public.{real} INCLUDING ALL)")
        # LIKE keeps the real table's sequence as the default: a sequence of its own leaves the real ids alone.
        db.execute(f"CREATE SEQUENCE {schema}.{copy}_id_seq OWNED BY {schema}.{copy}.id")
        db.execute(f"ALTER TABLE {schema}.{copy} ALTER COLUMN id SET DEFAULT nextval('{schema}.{copy}_id_seq')")
    db.execute(
        f"INSERT INTO {schema}.members (shop_id, customer_id, points_balance, created_at)"
        f" SELECT {shop_id}, 7200000000000 + n, 0, now() FROM generate_series(1, {MEMBERS}) AS n"
    )
    for copy, keys in FOREIGN_KEYS.items():
        for column, target in keys:
            db.execute(f"ALTER TABLE {schema}.{copy} ADD FOREIGN KEY ({column}) REFERENCES {target.format(schema=schema)} (id)")
    db.execute(f"ANALYZE {schema}.members")


def _run(pgbench: Path, url: str, script: Path, seconds: int, clients: int, threads: int) -> Limit:
    command = [str(pgbench), "--no-vacuum", "--file", str(script), "--client", str(clients), "--jobs", str(threads),
               "--time", str(seconds), url]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse(script.stem, done.stdout, seconds, clients)


def parse(name: str, output: str, seconds: int, clients: int) -> Limit:
    """pgbench's report read: tps without the initial connection time, mean latency, transactions, failures."""

    def number(pattern: str, default: str | None = None) -> float:
        found = re.search(pattern, output)
        if found is None:
            if default is None:
                raise SystemExit(f"bench: pgbench's report has no {pattern!r}:\n{output}")
            return float(default)
        return float(found.group(1))

    return Limit(
        name,
        per_second=number(r"tps = ([\d.]+) \(without initial connection time\)"),
        latency_ms=number(r"latency average = ([\d.]+) ms"),
        transactions=int(number(r"number of transactions actually processed: (\d+)")),
        failed=int(number(r"number of failed transactions: (\d+)", "0")),
        seconds=seconds,
        clients=clients,
    )


def measure(url: str, shop_id: int, *, seconds: int, clients: int = 32, threads: int = 2) -> dict[str, Limit]:
    """(a) and (b) on the database at `url`, the scratch schema dropped after, whatever happens."""
    pgbench = pgbench_path()
    schema = f"bench_limit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as db:
        try:
            _make_tables(db, schema, shop_id)
            with tempfile.TemporaryDirectory(prefix="perks-limit-") as tmp:
                results = {}
                for name, text in scripts(schema, shop_id).items():
                    script = Path(tmp) / f"{name}.sql"
                    script.write_text(text)
                    results[name] = _run(pgbench, url, script, seconds, clients, threads)
            return results
        finally:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def share(figure: float, limit: Limit | None) -> str:
    """'1,193/s = 13 % of 9,100/s', or the figure alone when the limit was not measured."""
    if limit is None or not limit.per_second:
        return f"{figure:,.0f}/s"
    return f"{figure:,.0f}/s = {100 * figure / limit.per_second:.0f} % of {limit.per_second:,.0f}/s"
