"""`make bench`: the targets of ../shared/DESIGN.md measured on the production parts, as a table.

Runs inside scripts/with-test-services (PERKS_DURABLE=1), which starts
PostgreSQL and Redis on loopback and sets DATABASE_URL and REDIS_URL.
This process starts the fake Admin API (perks_dev/fake_admin, its own
process: the redemptions of row 3 have their codes made there), migrates,
installs the bench shops with access tokens it accepts, measures the
machine's limit with pgbench (bench/limit.py), starts gunicorn and the
`perks worker` processes, runs the load generator (bench/load.py, its own
process) per row, and reads the results from the database.
"""

from __future__ import annotations

import argparse
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

from bench import launcher_size, limit

ROOT = Path(__file__).resolve().parent.parent
# Not production: the gunicorn and workers it starts may run on the development secret (see shopify_app/core/config.py).
os.environ.setdefault("PERKS_ENV", "test")
VENV_BIN = Path(sys.executable).parent
SHOPS = {"ingest": "bench-ingest.myshopify.com", "e2e": "bench-e2e.myshopify.com", "month": "bench-month.myshopify.com"}
E2E_MEMBERS = 10_000
MEMORY_TARGET_MB = 200
# Every row stops by this time (monotonic): the run as a whole is bounded.
DEADLINE = float("inf")


def remaining(reserve: float = 5.0) -> float:
    return max(1.0, DEADLINE - time.monotonic() - reserve)


@dataclass
class Row:
    number: int | str  # a letter: a line of the machine's limit, not a row with a target
    name: str
    figure: str
    unit: str
    target: str
    met: bool | None  # None: not built yet (counts as below target)
    scale: str = ""

    @property
    def counted(self) -> bool:
        return isinstance(self.number, int)


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
        self.fake_admin: subprocess.Popen | None = None
        self.fake_admin_url = ""

    def _log(self, name: str):
        return open(self.workdir / name, "ab")

    def start_fake_admin(self) -> None:
        """The fake Admin API on a port of its own; gunicorn and the workers started after reach it (SHOPIFY_ADMIN_URL)."""
        port = free_port()
        self.fake_admin = subprocess.Popen(
            [sys.executable, "-m", "perks_dev", "fake-shopify", "--port", str(port)],
            cwd=ROOT,
            stdout=self._log("fake-admin.log"),
            stderr=subprocess.STDOUT,
        )
        self.fake_admin_url = f"http://127.0.0.1:{port}"
        os.environ["SHOPIFY_ADMIN_URL"] = f"{self.fake_admin_url}/shops/{{shop}}"
        self._await(f"{self.fake_admin_url}/_fake/state", self.fake_admin, "the fake Admin API", "fake-admin.log")

    def _await(self, url: str, process: subprocess.Popen, name: str, log_name: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{name} did not answer; see {self.workdir / log_name}")

    def fake_state(self, shop: str) -> dict:
        with urllib.request.urlopen(f"{self.fake_admin_url}/_fake/state?shop={shop}", timeout=60) as answer:
            return json.loads(answer.read())["shops"].get(shop, {})

    def mint_token(self, shop: str) -> str:
        """An access token the fake accepts for `shop`, good for a day (the run is shorter)."""
        request = urllib.request.Request(
            f"{self.fake_admin_url}/_fake/tokens",
            data=json.dumps({"shop": shop, "expires_in": 86_400}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())["access_token"]

    def processes(self) -> dict[str, list[int]]:
        """The pids of the gunicorn workers (the master's children), the rq workers, and their children (rq's scheduler)."""
        children: dict[int, list[int]] = {}
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone since the listing
            children.setdefault(int(fields[1]), []).append(int(status.parent.name))
        workers = [w.pid for w in self.workers if w.poll() is None]
        return {
            "gunicorn": sorted(children.get(self.web.pid, [])) if self.web else [],
            "rq": sorted(workers),
            "rq scheduler": sorted(child for pid in workers for child in children.get(pid, [])),
        }

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
        self._await(f"http://127.0.0.1:{self.port}/healthz", self.web, "gunicorn", "gunicorn.log")

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
        for process in [*self.workers, self.web, self.fake_admin]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.web, self.fake_admin]:
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


def install_shops(services: Services) -> tuple[dict[str, int], dict[int, int]]:
    """The bench shops, each with an access token the fake Admin API accepts; and the month shop's reward for each cost it redeems."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from sqlalchemy import select

    from bench import month
    from shopify_app.core.config import Settings
    from shopify_app.core.db import session_factory
    from shopify_app.core.unit_of_work import UnitOfWork
    from shopify_app.earn.models import Program
    from shopify_app.rewards.models import Reward
    from shopify_app.rewards.rewards import create_reward
    from shopify_app.shop.shops import add_shop
    from shopify_app.shop.token_vault import TokenVault
    from shopify_app.shop.tokens import store
    from shopify_app.shopify.app_config import access_scopes
    from shopify_app.shopify.oauth import AccessToken

    settings = Settings()
    ids = {}
    with UnitOfWork(session_factory(settings.database_url)) as uow:
        for key, domain in SHOPS.items():
            shop = add_shop(uow.session, domain, name=key)
            ids[key] = shop.id
            # As if installed: a token of the fake's, not expiring while the run lasts (so never refreshed).
            granted = AccessToken(services.mint_token(domain), ",".join(access_scopes()))
            store(shop, granted, TokenVault.from_settings(settings), datetime.now(UTC))
        # The month's redemptions cost 200, 300 or 500 points: a discount-code reward for each (500 is the default one).
        costs = dict(uow.session.execute(select(Reward.points_cost, Reward.id).where(Reward.shop_id == ids["month"])).all())
        for cost in month.REWARD_COSTS:
            if cost not in costs:
                fields = {"title": f"{cost // 100} USD off", "kind": "fixed_amount", "points_cost": cost, "value": Decimal(cost // 100)}
                costs[cost] = create_reward(uow.session, ids["month"], fields).id
        rewards = {cost: costs[cost] for cost in month.REWARD_COSTS}
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
    return ids, rewards


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


def row_ingest(services, workdir, shop_ids, count, connections, bare: limit.Limit | None) -> tuple[Row, dict]:
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
        f"{limit.share(rate, bare)}; p50 {p50:.1f}; p99 {p99:.1f}",
        "deliveries/s answered 200 (share of limit a); ms; ms",
        "≥ 2,000/s; p99 ≤ 50 ms",
        rate >= 2000 and p99 <= 50 and ok == count,
        f"{ok:,} of {count:,} orders/paid answered 200 ({result['statuses']}), {connections} keep-alive connections, rq workers stopped",
    ), result


def row_end_to_end(services, workdir, shop_ids, count, connections, bare: limit.Limit | None) -> tuple[Row, dict]:
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
        f"{limit.share(rate, bare)} ({seconds:.1f} s)" + ("" if done_at else f"; unfinished, {entries:,} of {count:,}"),
        "paid orders/s, first request to last points in the ledger (share of limit b)",
        "≥ 1,000/s",
        done_at is not None and rate >= 1000,
        f"{count:,} orders/paid for {E2E_MEMBERS:,} members; ingest meanwhile {result['ok_per_second']:,.0f}/s, "
        f"p99 {result['p99_ms']:.1f} ms",
    ), result


def row_month(services, workdir, shop_ids, rewards, scale, connections) -> tuple[Row, dict]:
    from bench import month

    events = month.generate(round(85_500 * scale), round(42_000 * scale), round(1_100 * scale), seed=2025)
    expected = month.expected_balances(events)
    facts = month.summary(events)
    shop_id = shop_ids["month"]
    process, out, _started = load(services, workdir, "month", "--shop", SHOPS["month"], "--scenario", "month", "--scale", str(scale),
                                 "--seed", "2025", "--connections", str(connections),
                                 "--rewards", ",".join(f"{cost}:{reward}" for cost, reward in rewards.items()),
                                 time_limit=remaining())  # fmt: skip
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
        made = db.execute(
            "SELECT r.code, r.state, r.points, m.customer_id FROM redemptions r JOIN members m ON m.id = r.member_id WHERE r.shop_id = %s",
            (shop_id,),
        ).fetchall()
        last_processed = db.execute(
            "SELECT extract(epoch FROM max(processed_at)) FROM webhook_deliveries WHERE shop_id = %s", (shop_id,)
        ).fetchone()[0]
        spent = db.execute(
            "SELECT count(*), coalesce(-sum(points), 0) FROM ledger_entries WHERE shop_id = %s AND kind = 'redeem'", (shop_id,)
        ).fetchone()
    actual = {customer: ledger_sum for customer, _, ledger_sum in rows}
    drifted = sum(1 for _, cached, ledger_sum in rows if cached != ledger_sum)
    differing = sum(1 for customer in expected.keys() | actual.keys() if expected.get(customer) != actual.get(customer))
    redemptions = result.get("redemptions", {})
    codes = redemption_check(made, tuple(spent), redemptions.get("codes", {}), services.fake_state(SHOPS["month"]), events)
    exact = differing == 0 and drifted == 0 and redemptions.get("unapplied", 1) == 0 and not codes["wrong"]
    verdict = "exact" if exact else ", ".join([f"{differing} differ", *([f"{drifted} cached≠ledger"] if drifted else []), *codes["wrong"]])
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
        f"(ledger issued {issued:,}), {redemptions.get('applied', 0):,}/{facts['redemptions']:,} redemptions through "
        f"POST /proxy/redeem ({codes['summary']}; answers {redemptions.get('answers', {})}; the last answered "
        f"{result.get('redemptions_done_at', result['started_at']) - result['started_at']:.1f} s after the first delivery, "
        f"the last delivery processed {float(last_processed or result['started_at']) - result['started_at']:.1f} s after it), "
        f"{result['requests']:,} deliveries with ~10% duplicates, shuffled; statuses {statuses}; "
        f"ingest {result['ok_per_second']:,.0f}/s p99 {result['p99_ms']:.1f} ms",
    ), result


def redemption_check(made: list[tuple], spent: tuple[int, int], answered: dict[str, str], fake: dict, events) -> dict:
    """Exactly one code per generated redemption, issued at the fake Admin API for its customer, its points spent once.

    `made`: the shop's redemptions (code, state, points, customer id); `spent`: the
    ledger's redeem entries (count, points); `answered`: the codes the app answered,
    by redemption number; `fake`: the fake Admin API's state of the shop.
    """
    from bench import month

    wanted = [e for e in events if isinstance(e, month.Redeem)]
    in_shopify: dict[str, list[str]] = {}
    for discount in fake.get("discounts", []):
        in_shopify.setdefault(discount["code"], []).append(discount)
    ours = {code: customer for code, _, _, customer in made}
    wrong = []
    if len(made) != len(wanted) or len(ours) != len(made):
        wrong.append(f"{len(made)} redemptions with {len(ours)} codes for {len(wanted)} asked")
    if any(state != "issued" for _, state, _, _ in made):
        wrong.append(f"{sum(state != 'issued' for _, state, _, _ in made)} not issued")
    if spent != (len(wanted), sum(e.points for e in wanted)):
        wrong.append(f"{spent[0]} debits of {spent[1]:,} points for {len(wanted)} of {sum(e.points for e in wanted):,}")
    if sorted(answered.values()) != sorted(ours):
        wrong.append("the codes answered are not the codes kept")
    twice = sum(len(found) > 1 for found in in_shopify.values())
    missing = sum(
        code not in in_shopify or in_shopify[code][0]["customer_ids"] != [f"gid://shopify/Customer/{customer}"]
        for code, customer in ours.items()
    )
    if twice or missing or len(in_shopify) != len(ours):
        wrong.append(f"Admin API: {len(in_shopify)} codes, {twice} made twice, {missing} of ours missing or for someone else")
    summary = f"{len(ours):,} codes, each once at the Admin API for its customer; {spent[0]:,} debits, {spent[1]:,} points"
    return {"wrong": wrong, "summary": summary}


def row_memory(services: Services) -> tuple[Row, dict]:
    """Row 7: the resident memory (VmRSS) of each gunicorn worker and each rq worker process, read as row 3 ends."""
    sizes: dict[str, dict[int, float]] = {}
    for kind, pids in services.processes().items():
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue  # ended since it was listed
            kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
            sizes.setdefault(kind, {})[pid] = kb / 1024
    every = [mb for kind in sizes.values() for mb in kind.values()]
    largest = max(every, default=0.0)
    each = "; ".join(f"{kind} " + ", ".join(f"{mb:.0f}" for mb in by_pid.values()) for kind, by_pid in sizes.items())
    return Row(
        7,
        "memory",
        f"max {largest:.0f} MB ({each})",
        "MB resident (VmRSS) of each gunicorn worker and rq worker at the end of row 3",
        f"≤ {MEMORY_TARGET_MB} MB each",
        bool(every) and largest <= MEMORY_TARGET_MB,
        f"{len(sizes.get('gunicorn', {}))} gunicorn workers ({services.web_workers}x{services.web_threads} threads), "
        f"{len(sizes.get('rq', {}))} rq workers and {len(sizes.get('rq scheduler', {}))} scheduler process forked by one, "
        "read from /proc/<pid>/status",
    ), sizes


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
        caller = next((f.function for f in inspect.stack(context=0)[1:] if f.filename == analytics.__file__), "?")
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
    size, detail = launcher_size.measure()
    unit = "gzipped (level 9), as bench/launcher_size.py counts it"
    return Row(6, "launcher size", f"{size:,} B", unit, "≤ 10,240 B", size <= 10 * 1024, detail)


def limit_rows(limits: dict[str, limit.Limit]) -> list[Row]:
    """The machine's limit as lines of the table, lettered: (a) for row 1, (b) for row 2."""
    what = {
        "a": ("limit: durable insert", "INSERT ... ON CONFLICT DO NOTHING of a 9 KB delivery", "row 1's 100 %"),
        "b": ("limit: a paid order", "tx: delivery, order, ledger entry, balance", "row 2's 100 %"),
    }
    return [
        Row(
            name,
            what[name][0],
            f"{result.per_second:,.0f}/s; {result.latency_ms:.1f} ms",
            f"pgbench, {result.clients} clients, {result.seconds} s: {what[name][1]}; mean latency",
            what[name][2],
            None,
            f"{result.transactions:,} transactions, {result.failed} failed (PostgreSQL alone, before the app started)",
        )
        for name, result in limits.items()
    ]


def table(rows: list[Row]) -> str:
    header = ("#", "row", "figure", "unit", "target", "met?")
    met = {True: "yes", False: "no", None: "no (not built yet)"}
    body = [(str(r.number), r.name, r.figure, r.unit, r.target, met[r.met] if r.counted else "") for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(cells):
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    lines = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(fmt, body)]
    lines.append("")
    lines += [f"{r.number}. {r.scale}" for r in rows if r.scale]
    return "\n".join(lines)


def summary(rows: list[Row]) -> str:
    """The run's last line: the numbered rows and how many of them are below target (the limit's lines are not rows)."""
    counted = [r for r in rows if r.counted]
    return f"bench: {len(counted)} rows, {sum(1 for r in counted if not r.met)} below target"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    # A web and a worker process per core: on two cores, three of each gave the month 128 s against 111 s with
    # two (each the full month, one after the other), and twelve threads give a gunicorn worker's group commit
    # its batches.
    cores = os.cpu_count() or 1
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("BENCH_WEB_WORKERS", cores)))
    parser.add_argument("--web-threads", type=int, default=int(os.environ.get("BENCH_WEB_THREADS", 12)))
    parser.add_argument("--rq-workers", type=int, default=int(os.environ.get("BENCH_RQ_WORKERS", cores)))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", 32)))
    parser.add_argument(
        "--limit-seconds",
        type=int,
        default=int(os.environ["BENCH_LIMIT_SECONDS"]) if os.environ.get("BENCH_LIMIT_SECONDS") else None,
        help="pgbench's duration for each of the limit's scripts (default 10, quick 4; 0: not measured)",
    )
    parser.add_argument("--rows", default="1,2,3,4,5,6,7")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql") or not os.environ.get("REDIS_URL"):
        raise SystemExit("bench: run under scripts/with-test-services (make bench): DATABASE_URL and REDIS_URL must be set")
    wanted = {int(n) for n in args.rows.split(",")}
    scale = 0.1 if args.quick else 1.0
    limit_seconds = args.limit_seconds if args.limit_seconds is not None else (4 if args.quick else 10)
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
        f"{args.connections} connections; {os.cpu_count()} cores; load average {Path('/proc/loadavg').read_text().split()[:3]}"
    )
    rows: list[Row] = []
    results: dict = {}
    limits: dict[str, limit.Limit] = {}
    with tempfile.TemporaryDirectory(prefix="perks-bench-") as tmp:
        workdir = Path(tmp)
        services = Services(workdir, args.web_workers, args.web_threads)
        try:
            services.start_fake_admin()
            shop_ids, rewards = install_shops(services)
            if wanted & {1, 2} and limit_seconds:
                log(f"the limit: pgbench, 32 clients, {limit_seconds} s each for (a) and (b), before the app starts")
                limits = limit.measure(os.environ["DATABASE_URL"], shop_ids["ingest"], seconds=limit_seconds)
                rows += limit_rows(limits)
                log("the limit: " + "; ".join(f"({name}) {result.per_second:,.0f}/s" for name, result in limits.items()))
                results["limit"] = {name: result.__dict__ for name, result in limits.items()}
            services.start_web()
            if 1 in wanted:
                log("row 1: webhook ingest")
                row, results["ingest"] = row_ingest(services, workdir, shop_ids, round(20_000 * scale), args.connections, limits.get("a"))
                rows.append(row)
            if wanted & {2, 3, 7}:
                services.start_workers(args.rq_workers)
            if 2 in wanted:
                log("row 2: end to end")
                row, results["e2e"] = row_end_to_end(services, workdir, shop_ids, round(20_000 * scale), args.connections, limits.get("b"))
                rows.append(row)
            if 3 in wanted:
                log("row 3: month replay")
                row, results["month"] = row_month(services, workdir, shop_ids, rewards, scale, args.connections)
                rows.append(row)
            if 7 in wanted:
                if 3 in wanted:
                    row, results["memory"] = row_memory(services)
                else:
                    row = Row(7, "memory", "not measured: row 3 did not run", "", f"≤ {MEMORY_TARGET_MB} MB each", None)
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
    rows.sort(key=lambda r: (r.counted, r.number))
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": [r.__dict__ for r in rows], "results": results}, indent=1, default=str))
    print(f"(took {time.monotonic() - began:.0f} s; load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])})")
    print(summary(rows))


if __name__ == "__main__":
    main()
