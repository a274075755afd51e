"""Exactly once under faults: a running stack loses a worker mid-batch, Redis (empty) and PostgreSQL, then hears nothing more.

The test starts a stack of its own, as production runs it: PostgreSQL (its
own data folder and port, so it can be crashed with SIGKILL and started again
on the same data), redis-server (restarted empty), gunicorn, two `perks
worker` processes and `perks cron` under a restart loop (a supervisor's).
It sends Shopify-shaped deliveries (members joining, paid orders, refunds and
cancellations, 10% repeated as they were or under new webhook ids, shuffled
so some refunds and cancellations come before their orders), resending what
is not answered 200 as Shopify does; injects the faults while sending; then
sends nothing and waits until every balance equals bench/month.py's
independent recomputation, bounded at five minutes. It prints one line.

Small by default (a few hundred deliveries, for `make test`);
PERKS_CHAOS_FULL=1 (`make chaos`) sends a few thousand.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from bench import load, month
from bench.run import free_port
from perks_dev.local_postgres import LocalPostgres, LocalPostgresError, wheel_bin

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SHOP = "chaos.myshopify.com"
SETTLE_SECONDS = 300
FULL = os.environ.get("PERKS_CHAOS_FULL") == "1"
# (members, paid orders, refunds, cancellations, connections, seconds each connection waits between deliveries)
SIZE = (1000, 2500, 250, 150, 4, 0.02) if FULL else (120, 250, 25, 15, 2, 0.04)


class Supervised:
    """A process kept running as a supervisor would: started again whenever it ends, until stopped."""

    def __init__(self, name: str, command, env: dict, logs: Path):
        self.name, self.command, self.env, self.logs = name, command, env, logs
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopped.is_set():
            self.starts += 1
            with open(self.logs / f"{self.name}.log", "ab") as log:
                self.process = subprocess.Popen(self.command(self.starts), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            self.process.wait()
            self.stopped.wait(0.5)

    def kill(self) -> None:
        """SIGKILL, whatever it is doing (a batch half done, a job half taken)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()

    def stop(self) -> None:
        self.stopped.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.thread.join(timeout=30)


class Redis:
    def __init__(self, workdir: Path):
        self.port, self.workdir = free_port(), workdir
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with open(self.workdir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(command, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() != b"PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def restart_empty(self) -> None:
        self.process.kill()
        self.process.wait()
        self.start()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def crash_and_restart(server: LocalPostgres, down_seconds: float) -> None:
    """SIGKILL to the postmaster and its backends at once, as a crash; then started again on the same data."""
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
    time.sleep(down_seconds)
    deadline = time.monotonic() + 60
    while True:
        try:
            server.start(notice=lambda _: None)
            return
        except LocalPostgresError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def balances(url: str) -> tuple[dict[int, int], int] | None:
    """Every member's ledger sum by customer id, and how many cached balances differ from theirs; None while the database is away."""
    try:
        with psycopg.connect(url, connect_timeout=2) as db:
            rows = db.execute(
                "SELECT m.customer_id, m.points_balance, coalesce(sum(l.points), 0) FROM members m"
                " JOIN shops s ON s.id = m.shop_id AND s.domain = %s"
                " LEFT JOIN ledger_entries l ON l.member_id = m.id AND l.shop_id = m.shop_id GROUP BY m.id",
                (SHOP,),
            ).fetchall()
    except psycopg.OperationalError:
        return None
    return {customer: total for customer, _, total in rows}, sum(1 for _, cached, total in rows if cached != total)


def statuses(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        return dict(db.execute("SELECT status, count(*) FROM webhook_deliveries GROUP BY status").fetchall())


def wrong(expected: dict[int, int], actual: dict[int, int]) -> int:
    return sum(1 for customer in expected.keys() | actual.keys() if expected.get(customer) != actual.get(customer))


@pytest.fixture
def stack(tmp_path):
    """PostgreSQL, Redis, gunicorn, two supervised workers and a supervised `perks cron` sweeping every 2 s."""
    pg_bin = Path(os.environ["PERKS_PG_BIN"]) if os.environ.get("PERKS_PG_BIN") else wheel_bin()
    server = LocalPostgres(tmp_path / "pg", pg_bin, port=free_port(), options=("-c", "fsync=off", "-c", "max_connections=200"))
    server.start(notice=lambda _: None)
    redis = Redis(tmp_path)
    env = {**os.environ, "DATABASE_URL": server.url, "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0", "PERKS_QUEUE": "chaos"}
    subprocess.run([str(BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True)
    flask = [str(BIN / "flask"), "--app", "shopify_app", "perks"]
    subprocess.run([*flask, "shop-add", SHOP], cwd=ROOT, env=env, check=True, capture_output=True)
    web_port = free_port()
    with open(tmp_path / "gunicorn.log", "ab") as log:
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "--worker-class", "gthread", "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{web_port}",
             "--log-level", "warning", "shopify_app:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    workers = [
        Supervised(f"worker-{n}", lambda start, n=n: [*flask, "worker", "--name", f"chaos-{n}-{start}-{os.getpid()}"], env, tmp_path)
        for n in range(2)
    ]
    cron = Supervised("cron", lambda _: [*flask, "cron", "--sweep-every", "2", "--sweep-older-than", "5"], env, tmp_path)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=1):
                break
        except OSError:
            assert time.monotonic() < deadline, f"gunicorn did not answer; see {tmp_path / 'gunicorn.log'}"
            time.sleep(0.1)
    try:
        yield {"server": server, "redis": redis, "web_port": web_port, "workers": workers, "logs": tmp_path}
    finally:
        for process in [*workers, cron]:
            process.stop()
        web.terminate()
        web.wait(timeout=30)
        redis.stop()
        server.stop()


def test_every_balance_settles_exactly_with_no_new_traffic_after_workers_redis_and_postgresql_fail(stack):
    members, orders, refunds, cancellations, connections, pace = SIZE
    events = month.unwound(month.generate(members, orders, 0, seed=17), refunds, cancellations, seed=17)
    expected = month.expected_balances(events)
    plan, _ = load.shuffled_deliveries(f"127.0.0.1:{stack['web_port']}", SHOP, events, seed=17)
    sender = load.Sender(stack["web_port"], plan, connections, SETTLE_SECONDS, None, resend=True, pace=pace)
    sending = threading.Thread(target=sender.run)
    sending.start()

    server, redis, workers = stack["server"], stack["redis"], stack["workers"]
    faults = [
        (0.2, "a worker SIGKILLed", lambda: workers[0].kill()),
        (0.4, "Redis restarted empty", redis.restart_empty),
        (0.6, "PostgreSQL crashed and restarted", lambda: crash_and_restart(server, 1.0)),
        (0.75, "both workers SIGKILLed", lambda: [worker.kill() for worker in workers]),
    ]
    injected = 0
    for share, _name, inject in faults:
        while sender.answered < share * len(plan) and sending.is_alive():
            time.sleep(0.02)
        inject()
        injected += 1
    sending.join()
    quiet_from = time.monotonic()

    url, actual, drifted = server.url, {}, 0
    while time.monotonic() - quiet_from < SETTLE_SECONDS:
        read = balances(url)
        if read is not None:
            actual, drifted = read
            if wrong(expected, actual) == 0 and drifted == 0:
                break
        time.sleep(1)
    seconds = time.monotonic() - quiet_from
    wrong_count = wrong(expected, actual) + drifted
    print(
        f"\nchaos: {len(plan):,} deliveries sent, {injected} faults injected, {wrong_count} balances wrong, "
        f"{seconds:.0f} seconds to settle"
    )
    assert not sender.errors, sender.errors
    assert wrong_count == 0, f"{wrong_count} balances wrong after {seconds:.0f} s; deliveries {statuses(url)}; logs in {stack['logs']}"
    assert seconds < SETTLE_SECONDS
