"""`make bench`: the targets of ../shared/DESIGN.md measured on the production parts, as a table.

Runs inside scripts/with-test-services (PERKS_DURABLE=1), which starts
PostgreSQL and Redis on loopback and sets DATABASE_URL and REDIS_URL.
This process migrates, installs the bench shops, starts gunicorn and the
`perks worker` processes, runs the load generator (bench/load.py, its own
process) per row, and reads the results from the database.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not production: the gunicorn and workers it starts may run on the development secret (see shopify_app/core/config.py).
os.environ.setdefault("PERKS_ENV", "test")
VENV_BIN = Path(sys.executable).parent
SHOPS = {"ingest": "bench-ingest.myshopify.com", "e2e": "bench-e2e.myshopify.com", "month": "bench-month.myshopify.com"}
E2E_MEMBERS = 10_000
# Every row stops by this time (monotonic): the run as a whole is bounded.
DEADLINE = float("inf")


def remaining(reserve: float = 5.0) -> float:
    return max(1.0, DEADLINE - time.monotonic() - reserve)


@dataclass
class Row:
    number: int
    name: str
    figure: str
    unit: str
    target: str
    met: bool | None  # None: not built yet (counts as below target)
    scale: str = ""


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"bench: [{time.monotonic() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database():
    import psycopg

    return psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)


class Services:
    """gunicorn and rq worker processes started by this run, stopped by it (by pid)."""

    def __init__(self, workdir: Path, web_workers: int, web_threads: int):
        self.workdir, self.web_workers, self.web_threads = workdir, web_workers, web_threads
        self.port = free_port()
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def _log(self, name: str):
        return open(self.workdir / name, "ab")

    def start_web(self) -> None:
        command = [
            str(VENV_BIN / "gunicorn"),
            "--worker-class", "gthread",
            "--workers", str(self.web_workers),
            "--threads", str(self.web_threads),
            "--bind", f"127.0.0.1:{self.port}",
            "--backlog", "2048",
            "--keep-alive", "30",
            "--log-level", "warning",
            "shopify_app:create_app()",
        ]  # fmt: skip
        self.web = subprocess.Popen(command, cwd=ROOT, stdout=self._log("gunicorn.log"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"gunicorn did not answer; see {self.workdir / 'gunicorn.log'}")

    def start_workers(self, count: int) -> None:
        from redis import Redis
        from rq import Worker

        names = [f"bench-worker-{n}-{os.getpid()}" for n in range(count)]
        for name in names:
            self.workers.append(
                subprocess.Popen(
                    [str(VENV_BIN / "flask"), "--app", "shopify_app", "perks", "worker", "--name", name],
                    cwd=ROOT,
                    stdout=self._log(f"{name}.log"),
                    stderr=subprocess.STDOUT,
                )
            )
        redis = Redis.from_url(os.environ["REDIS_URL"])
        deadline = time.monotonic() + 30
        while {w.name for w in Worker.all(connection=redis)} < set(names):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.workers):
                raise SystemExit(f"rq workers did not start; see {self.workdir}")
            time.sleep(0.05)

    def stop(self) -> None:
        for process in [*self.workers, self.web]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.web]:
            if process is not None:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def load(services: Services, workdir: Path, name: str, *args: str, time_limit: float) -> tuple[dict, float]:
    """Run bench/load.py: build its plan, then start it; its result and when sending began."""
    ready, go, out = workdir / f"{name}.ready", workdir / f"{name}.go", workdir / f"{name}.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.load", "--port", str(services.port), "--ready", str(ready), "--go", str(go),
         "--out", str(out), "--time-limit", str(time_limit), *args],
        cwd=ROOT,
    )  # fmt: skip
    while not ready.exists():
        if process.poll() is not None:
            raise SystemExit(f"load generator failed building its plan ({name})")
        time.sleep(0.05)
    go.touch()
    started = time.time()
    if os.environ.get("BENCH_PROFILE"):
        # py-spy on every gunicorn and rq worker process while this row runs (collapsed stacks).
        for pid in [services.web.pid, *(w.pid for w in services.workers)]:
            subprocess.Popen(
                [str(VENV_BIN / "py-spy"), "record", "--subprocesses", "--nonblocking", "--format", "raw", "--rate", "200", "--duration",
                 os.environ.get("BENCH_PROFILE_SECONDS", "10"), "--pid", str(pid),
                 "--output", f"{os.environ['BENCH_PROFILE']}/{name}-{pid}.txt"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
    return process, out, started


def finish(process, out: Path) -> dict:
    if process.wait() != 0:
        raise SystemExit("load generator failed")
    return json.loads(out.read_text())


def install_shops() -> dict[str, int]:
    from shopify_app.core.config import Settings
    from shopify_app.core.db import session_factory
    from shopify_app.core.unit_of_work import UnitOfWork
    from shopify_app.earn.models import Program
    from shopify_app.shop.shops import add_shop

    ids = {}
    with UnitOfWork(session_factory(Settings().database_url)) as uow:
        for key, domain in SHOPS.items():
            shop = add_shop(uow.session, domain, name=key)
            ids[key] = shop.id
        uow.commit()
        program = uow.session.query(Program).filter_by(shop_id=ids["month"]).one()
        # bench/month.py recomputes balances under the default program; make sure it is the default.
        assert (program.points_per_unit, program.rounding, program.signup_points, program.minimum_order) == (1, "down", 0, 0)
        assert not (program.count_shipping or program.count_tax or program.count_discounts)
    with database() as db:
        db.execute(
            "INSERT INTO members (shop_id, customer_id, points_balance, created_at)"
            " SELECT %s, %s + n, 0, now() FROM generate_series(0, %s - 1) AS n ON CONFLICT DO NOTHING",
            (ids["e2e"], 7_200_000_000_000, E2E_MEMBERS),
        )
    return ids


def empty_queue() -> None:
    from shopify_app.core.config import Settings
    from shopify_app.core.queue import discard_waiting, queue

    settings = Settings()
    discard_waiting(queue(settings.redis_url, settings.queue_name))


def wait_until(check, timeout: float, every: float = 0.05) -> float | None:
    """Poll `check` until true; the wall-clock time it first was, or None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.time()
        time.sleep(every)
    return None


def row_ingest(services, workdir, shop_ids, count, connections) -> tuple[Row, dict]:
    warm, out, _ = load(services, workdir, "warmup", "--shop", SHOPS["ingest"], "--scenario", "ingest", "--count", "600",
                        "--seed", "9", "--connections", str(connections), time_limit=60)  # fmt: skip
    finish(warm, out)
    process, out, _ = load(services, workdir, "ingest", "--shop", SHOPS["ingest"], "--scenario", "ingest", "--count", str(count),
                           "--seed", "1", "--connections", str(connections), time_limit=120)  # fmt: skip
    result = finish(process, out)
    empty_queue()
    rate, p50, p99 = result["ok_per_second"], result["p50_ms"], result["p99_ms"]
    ok = result["statuses"].get("200", 0)
    return Row(
        1,
        "webhook ingest",
        f"{rate:,.0f}/s; p50 {p50:.1f}; p99 {p99:.1f}",
        "deliveries/s answered 200; ms; ms",
        "≥ 2,000/s; p99 ≤ 50 ms",
        rate >= 2000 and p99 <= 50 and ok == count,
        f"{ok:,} of {count:,} orders/paid answered 200 ({result['statuses']}), {connections} keep-alive connections, rq workers stopped",
    ), result


def row_end_to_end(services, workdir, shop_ids, count, connections) -> tuple[Row, dict]:
    shop_id = shop_ids["e2e"]
    process, out, _started = load(services, workdir, "e2e", "--shop", SHOPS["e2e"], "--scenario", "e2e", "--count", str(count),
                                 "--customers", str(E2E_MEMBERS), "--seed", "2", "--connections", str(connections),
                                 time_limit=min(300, remaining()))  # fmt: skip
    with database() as db:

        def earned() -> bool:
            return db.execute("SELECT count(*) FROM ledger_entries WHERE shop_id = %s AND kind = 'earn'", (shop_id,)).fetchone()[0] >= count

        done_at = wait_until(earned, timeout=remaining())
        entries = db.execute("SELECT count(*) FROM ledger_entries WHERE shop_id = %s AND kind = 'earn'", (shop_id,)).fetchone()[0]
    result = finish(process, out)
    first = result["started_at"]
    seconds = (done_at or time.time()) - first
    rate = entries / seconds
    return Row(
        2,
        "end to end",
        f"{rate:,.0f}/s ({seconds:.1f} s)" + ("" if done_at else f"; unfinished, {entries:,} of {count:,}"),
        "paid orders/s, first request to last points in the ledger",
        "≥ 1,000/s",
        done_at is not None and rate >= 1000,
        f"{count:,} orders/paid for {E2E_MEMBERS:,} members; ingest meanwhile {result['ok_per_second']:,.0f}/s, "
        f"p99 {result['p99_ms']:.1f} ms",
    ), result


def row_month(services, workdir, shop_ids, scale, connections) -> tuple[Row, dict]:
    from bench import month

    events = month.generate(round(85_500 * scale), round(42_000 * scale), round(1_100 * scale), seed=2025)
    expected = month.expected_balances(events)
    facts = month.summary(events)
    shop_id = shop_ids["month"]
    process, out, _started = load(services, workdir, "month", "--shop", SHOPS["month"], "--scenario", "month", "--scale", str(scale),
                                 "--seed", "2025", "--connections", str(connections), time_limit=remaining())  # fmt: skip
    result = finish(process, out)
    with database() as db:

        def settled() -> bool:
            return (
                db.execute("SELECT count(*) FROM webhook_deliveries WHERE shop_id = %s AND status = 'received'", (shop_id,)).fetchone()[0]
                == 0
            )

        done_at = wait_until(settled, timeout=remaining(), every=0.1)
        seconds = (done_at or time.time()) - result["started_at"]
        statuses = dict(
            db.execute("SELECT status, count(*) FROM webhook_deliveries WHERE shop_id = %s GROUP BY status", (shop_id,)).fetchall()
        )
        rows = db.execute(
            "SELECT m.customer_id, m.points_balance, coalesce(sum(l.points), 0) FROM members m"
            " LEFT JOIN ledger_entries l ON l.member_id = m.id AND l.shop_id = m.shop_id"
            " WHERE m.shop_id = %s GROUP BY m.id",
            (shop_id,),
        ).fetchall()
        issued = db.execute("SELECT coalesce(sum(points), 0) FROM ledger_entries WHERE shop_id = %s AND points > 0", (shop_id,)).fetchone()[
            0
        ]
    actual = {customer: ledger_sum for customer, _, ledger_sum in rows}
    drifted = sum(1 for _, cached, ledger_sum in rows if cached != ledger_sum)
    differing = sum(1 for customer in expected.keys() | actual.keys() if expected.get(customer) != actual.get(customer))
    redemptions = result.get("redemptions", {})
    exact = differing == 0 and drifted == 0 and redemptions.get("unapplied", 1) == 0
    verdict = "exact" if exact else f"{differing} differ" + (f", {drifted} cached≠ledger" if drifted else "")
    if done_at is None:
        processed = sum(count for status, count in statuses.items() if status != "received")
        verdict = f"unfinished: {processed:,} of {sum(statuses.values()):,} deliveries processed, balances not compared"
    met = exact and done_at is not None and seconds < 120 * scale  # the target is for the whole month
    return Row(
        3,
        "month replay",
        f"{seconds:.1f} s; {verdict}",
        "s from first delivery to last processed; balances vs recomputation",
        f"< {120 * scale:.0f} s; exact",
        met,
        f"{facts['members']:,} joins, {facts['orders']:,} paid orders worth {facts['points']:,} points "
        f"(ledger issued {issued:,}), {redemptions.get('applied', 0):,}/{facts['redemptions']:,} redemptions, "
        f"{result['requests']:,} deliveries with ~10% duplicates, shuffled; statuses {statuses}; "
        f"ingest {result['ok_per_second']:,.0f}/s p99 {result['p99_ms']:.1f} ms",
    ), result


def row_storefront(services, workdir, scale) -> tuple[Row, dict]:
    """The big shop made (timed), then GET /proxy/member for random members of it, from bench/load.py."""
    from bench import bigshop

    members, entries = round(1_000_000 * scale), round(10_000_000 * scale)
    made = bigshop.generate(members, entries, log=lambda message: log(f"row 4: {message}"))
    if made["balances_drifted"] or made["entries_without_member"] or made["rollups_differing"] or made["entries"] != entries:
        raise SystemExit(f"bench: the big shop is not what was asked for: {made}")
    connections = int(os.environ.get("BENCH_STOREFRONT_CONNECTIONS", 4))
    count = round(20_000 * scale)

    def run(name: str, count: int, connections: int, seed: int) -> dict:
        process, out, _ = load(services, workdir, name, "--shop", bigshop.BIG_SHOP, "--scenario", "storefront", "--count", str(count),
                               "--customers", str(members), "--first-customer", str(bigshop.FIRST_CUSTOMER), "--seed", str(seed),
                               "--connections", str(connections), time_limit=min(180, remaining()))  # fmt: skip
        return finish(process, out)

    run("storefront-warmup", max(100, count // 50), connections, 40)
    result = run("storefront", count, connections, 41)
    alone = run("storefront-alone", count // 10, 1, 42)
    ok = result["statuses"].get("200", 0)
    p50, p99 = result["p50_ms"], result["p99_ms"]
    return Row(
        4,
        "storefront GET /proxy/member",
        f"p50 {p50:.1f}; p99 {p99:.1f}; {result['ok_per_second']:,.0f}/s",
        "ms; ms; requests/s answered 200",
        "p99 ≤ 20 ms (1 M members, 10 M entries)",
        p99 <= 20 and ok == count,
        f"{members:,} members, {entries:,} ledger entries ({made['orders']:,} orders, {made['redemptions']:,} redemptions, "
        f"{made['member_tiers']:,} members in a tier; at most {made['most_entries']:,} entries for one member), generated in "
        f"{made['seconds']:.0f} s, every cached balance equal to its ledger sum; {ok:,} of {count:,} answered 200 "
        f"({result['statuses']}) to random members over {connections} keep-alive connections; one connection alone: "
        f"p50 {alone['p50_ms']:.1f}, p99 {alone['p99_ms']:.1f} ms, {alone['ok_per_second']:,.0f}/s",
    ), {"bigshop": made, "load": result, "alone": alone}


def row_analytics(services, shop: dict) -> tuple[Row, dict]:
    """The dashboard on the big shop: each query of analytics.report timed in this process, and the endpoint through gunicorn."""
    import inspect
    import statistics
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    import jwt
    from sqlalchemy import event

    from shopify_app.analytics import analytics
    from shopify_app.core.config import Settings
    from shopify_app.core.db import session_factory
    from shopify_app.core.unit_of_work import UnitOfWork
    from shopify_app.shop.models import Shop

    settings = Settings()
    sessions = session_factory(settings.database_url)
    engine = sessions.kw["bind"]
    spent: dict[str, list[float]] = {}
    started: list[float] = []

    def before(*_):
        started.append(time.perf_counter())

    def after(*_):
        ms = (time.perf_counter() - started.pop()) * 1000
        caller = next((f.function for f in inspect.stack(context=0)[1:] if f.filename.endswith("analytics/analytics.py")), "?")
        spent.setdefault(caller, []).append(ms)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    with UnitOfWork(sessions) as uow:
        big = uow.session.get(Shop, shop["shop_id"])
        today = datetime.now(UTC).astimezone(ZoneInfo(big.timezone)).date()
        periods = {"30 days": today - timedelta(days=29), "12 months": today - timedelta(days=364)}
        queries: dict[str, dict[str, float]] = {}
        for label, first in periods.items():
            runs = []
            for _ in range(3):
                spent.clear()
                analytics.report(uow.session, big, analytics.period(big, first, today))
                runs.append({name: sum(times) for name, times in spent.items()})
            queries[label] = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)

    def token() -> str:
        now = int(time.time())
        claims = {"iss": f"https://{shop['shop']}/admin", "dest": f"https://{shop['shop']}", "aud": settings.shopify_api_key,
                  "sub": "1", "exp": now + 60, "nbf": now - 1, "iat": now, "jti": os.urandom(8).hex(), "sid": "bench"}  # fmt: skip
        return jwt.encode(claims, settings.shopify_api_secret, algorithm="HS256")

    endpoint: dict[str, float] = {}
    for label, first in periods.items():
        times = []
        for _ in range(3):
            request = urllib.request.Request(
                f"http://127.0.0.1:{services.port}/api/analytics?from={first.isoformat()}&to={today.isoformat()}",
                headers={"Authorization": f"Bearer {token()}"},
            )
            began = time.perf_counter()
            with urllib.request.urlopen(request, timeout=120) as answer:  # one load, measured even past the budget
                body = json.loads(answer.read())
            times.append((time.perf_counter() - began) * 1000)
        endpoint[label] = statistics.median(times)
    slowest = {label: max(q.items(), key=lambda kv: kv[1]) for label, q in queries.items()}
    figure = "; ".join(
        f"{label}: {endpoint[label]:,.0f} (slowest {name} {ms:,.0f}, queries {sum(queries[label].values()):,.0f})"
        for label, (name, ms) in slowest.items()
    )
    detail = "; ".join(f"{label}: " + ", ".join(f"{name} {ms:,.1f}" for name, ms in q.items()) for label, q in queries.items())
    return Row(
        5,
        "analytics dashboard",
        figure,
        "ms: GET /api/analytics through gunicorn (slowest query, all queries), median of 3",
        "≤ 1,000 ms (ours; DESIGN.md sets none)",
        max(endpoint.values()) <= 1000,
        f"the row 4 shop ({shop['members']:,} members, {shop['entries']:,} entries, {shop['orders']:,} orders), periods ending today "
        f"in the shop's zone, members_total {body['members_total']:,}; ms per query function of analytics.report, median of 3 "
        f"in this process: {detail}",
    ), {"queries": queries, "endpoint": endpoint}


def row_launcher() -> Row:
    assets = ROOT / "theme_extension" / "assets"
    files = sorted([*assets.glob("*.js"), *assets.glob("*.css")]) if assets.is_dir() else []
    if not files:
        return Row(6, "launcher size", "not built yet", "", "≤ 10 KB gzipped", None)
    size = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
    return Row(
        6, "launcher size", f"{size:,} B", "JS+CSS gzipped (level 9)", "≤ 10,240 B", size <= 10 * 1024, ", ".join(p.name for p in files)
    )


def table(rows: list[Row]) -> str:
    header = ("#", "row", "figure", "unit", "target", "met?")
    body = [
        (str(r.number), r.name, r.figure, r.unit, r.target, {True: "yes", False: "no", None: "no (not built yet)"}[r.met]) for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(cells):
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    lines = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(fmt, body)]
    lines.append("")
    lines += [f"{r.number}. {r.scale}" for r in rows if r.scale]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("BENCH_WEB_WORKERS", 3)))
    parser.add_argument("--web-threads", type=int, default=int(os.environ.get("BENCH_WEB_THREADS", 4)))
    parser.add_argument("--rq-workers", type=int, default=int(os.environ.get("BENCH_RQ_WORKERS", 3)))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", 32)))
    parser.add_argument("--rows", default="1,2,3,4,5,6")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql") or not os.environ.get("REDIS_URL"):
        raise SystemExit("bench: run under scripts/with-test-services (make bench): DATABASE_URL and REDIS_URL must be set")
    wanted = {int(n) for n in args.rows.split(",")}
    scale = 0.1 if args.quick else 1.0
    began = time.monotonic()
    global DEADLINE
    DEADLINE = began + float(os.environ.get("BENCH_BUDGET", 170 if args.quick else 2700))

    subprocess.run([str(VENV_BIN / "alembic"), "upgrade", "head"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with database() as db:
        fsync = db.execute("SHOW fsync").fetchone()[0]
        sync_commit = db.execute("SHOW synchronous_commit").fetchone()[0]
    log(
        f"{'quick' if args.quick else 'full'} run; PostgreSQL fsync={fsync} synchronous_commit={sync_commit}; "
        f"gunicorn gthread {args.web_workers}x{args.web_threads}; {args.rq_workers} perks workers; "
        f"{args.connections} connections; {os.cpu_count()} cores"
    )
    shop_ids = install_shops()
    rows: list[Row] = []
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="perks-bench-") as tmp:
        workdir = Path(tmp)
        services = Services(workdir, args.web_workers, args.web_threads)
        try:
            services.start_web()
            if 1 in wanted:
                log("row 1: webhook ingest")
                row, results["ingest"] = row_ingest(services, workdir, shop_ids, round(20_000 * scale), args.connections)
                rows.append(row)
            if wanted & {2, 3}:
                services.start_workers(args.rq_workers)
            if 2 in wanted:
                log("row 2: end to end")
                row, results["e2e"] = row_end_to_end(services, workdir, shop_ids, round(20_000 * scale), args.connections)
                rows.append(row)
            if 3 in wanted:
                log("row 3: month replay")
                row, results["month"] = row_month(services, workdir, shop_ids, scale, args.connections)
                rows.append(row)
            if wanted & {4, 5}:
                log("row 4: storefront (the big shop first)")
                row, results["storefront"] = row_storefront(services, workdir, scale)
                if 4 in wanted:
                    rows.append(row)
            if 5 in wanted:
                log("row 5: analytics dashboard")
                row, results["analytics"] = row_analytics(services, results["storefront"]["bigshop"])
                rows.append(row)
        finally:
            services.stop()
            if os.environ.get("BENCH_KEEP_LOGS"):
                for path in workdir.glob("*.log"):
                    (Path(os.environ["BENCH_KEEP_LOGS"]) / path.name).write_bytes(path.read_bytes())
    if 6 in wanted:
        rows.append(row_launcher())
    rows.sort(key=lambda r: r.number)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": [r.__dict__ for r in rows], "results": results}, indent=1, default=str))
    print(f"(took {time.monotonic() - began:.0f} s)")
    print(f"bench: {len(rows)} rows, {sum(1 for r in rows if not r.met)} below target")


if __name__ == "__main__":
    main()
