"""`make run` as a newcomer meets it: the real entry (`python -m perks_dev dev`), with nothing set in the environment,
its own embedded PostgreSQL and Redis in a fresh var/, then the demo order, Ada in headless Chromium,
and a stop that leaves no process behind. Nothing here uses the test suite's database or Redis."""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from perks_dev.devserver import DEMO_SHOP

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"
# What the suite's harness sets and a newcomer's shell does not.
NOT_A_NEWCOMERS = {"DATABASE_URL", "REDIS_URL", "SHOPIFY_ADMIN_URL", "PERKS_SMTP_URL", "PERKS_DEMO", "PERKS_ENV"}

pytestmark = pytest.mark.browser


def free_port() -> int:
    """A free port below the kernel's ephemeral range: a port the kernel hands out (bind to 0) can be taken again,
    as the local end of some outgoing connection, by the time the run is restarted, and the run then rightly refuses it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(10_000, low), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from 10000 to {low}")


class MakeRun:
    """`python -m perks_dev dev` on free ports, its var/ in a folder of the test's."""

    def __init__(self, var: Path):
        self.var = var
        self.port, fake_admin, mail = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {name: value for name, value in os.environ.items() if name not in NOT_A_NEWCOMERS}
        self.env |= {"PORT": str(self.port), "PERKS_FAKE_ADMIN_PORT": str(fake_admin), "PERKS_MAIL_SINK_PORT": str(mail)}
        self.env |= {"PERKS_VAR": str(var)}
        self.log = var.parent / "make-run.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        """Seconds until the web answers and the demo shop is installed."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "perks_dev", "dev"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        while "Perks is running" not in self.output():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() - started < 90, "make run was not up in 90 s:\n" + self.output()
            time.sleep(0.1)  # another process's log line: nothing to await but the file
        requests.get(f"{self.url}/healthz", timeout=5).raise_for_status()
        return time.monotonic() - started

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def perks(self, *args: str) -> str:
        """A `perks` command run beside it, as the README's second terminal does."""
        return self._beside("-m", "flask", "--app", "shopify_app", "perks", *args)

    def dev(self, *args: str) -> str:
        """A development command run beside it (`make demo-order`)."""
        return self._beside("-m", "perks_dev", *args)

    def _beside(self, *argv: str) -> str:
        done = subprocess.run(
            [sys.executable, *argv],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def family(self) -> set[int]:
        """Every process it started, and theirs (PostgreSQL's backends among them)."""
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError):
                    continue  # gone while we looked
        family, grown = {self.process.pid}, True
        while grown:
            children = {pid for pid, parent in parents.items() if parent in family} - family
            family |= children
            grown = bool(children)
        return family

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


@pytest.fixture
def make_run(tmp_path):
    run = MakeRun(tmp_path / "var")
    yield run
    if run.process and run.process.poll() is None:
        run.process.kill()
        run.process.wait()


def test_a_newcomer_runs_the_demo_end_to_end_and_nothing_is_left_running(make_run, browser):
    up = make_run.start()
    assert up < 90
    out = make_run.output()
    assert f"postgresql://perks@/perks?host={make_run.var / 'postgres'}" in out  # the embedded PostgreSQL, in var/
    assert "(embedded)" in out

    # make demo-order, then the README's balance command: each finds the embedded database on its own.
    sent = make_run.dev("demo-order", "--url", make_run.url, "--amount", "642.50")
    assert "+642 points for Ada; balance now 642" in sent
    assert make_run.perks("balance", "--shop", DEMO_SHOP, "--customer", "7012345678901").strip() == "642"

    context = browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{make_run.url}/demo/shop")
        with page.expect_navigation():
            page.get_by_role("button", name="Log in as Ada").click()

        opened = time.monotonic()
        page.click(".perks-fab")
        panel = page.locator("#perks-panel")
        panel.get_by_text("642 points").first.wait_for(timeout=5000)
        link = panel.get_by_label("Your referral link")
        link.wait_for(timeout=5000)
        shown_in = time.monotonic() - opened
        assert shown_in < 1, f"the launcher took {shown_in:.2f} s to show Ada's points and link"
        assert re.fullmatch(rf"https://{DEMO_SHOP}/apps/perks/r/\S+", link.input_value())
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "make-run-ada-launcher.png"))

        row = panel.locator(".perks-row", has_text="5 USD off")
        row.get_by_role("button", name="Redeem").click()
        row.get_by_role("button", name="Confirm").click()
        code = panel.locator(".perks-card .perks-code")
        code.wait_for(timeout=10000)
        assert code.inner_text().startswith("PERKS-")  # a real code, made in `make run`'s fake Admin API
        panel.get_by_text("142 points").first.wait_for(timeout=5000)
        page.screenshot(path=str(SCREENSHOTS / "make-run-ada-redeemed.png"))
        assert errors == []
    finally:
        context.close()

    family = make_run.family()
    assert len(family) > 6  # web, fake Admin API, mail sink, worker, cron, Redis, PostgreSQL and its own
    assert make_run.stop(signal.SIGINT) == 0  # Ctrl-C
    assert [pid for pid in family if alive(pid)] == []
    assert not (make_run.var / "postgres" / "postmaster.pid").exists()


def test_kill_stops_everything_and_the_next_run_finds_the_data(make_run):
    make_run.start()
    make_run.dev("demo-order", "--url", make_run.url, "--amount", "10.00")
    family = make_run.family()
    assert make_run.stop(signal.SIGTERM) == 0  # `kill PID`
    assert [pid for pid in family if alive(pid)] == []

    make_run.start()
    assert make_run.perks("balance", "--shop", DEMO_SHOP, "--customer", "7012345678901").strip() == "10"


def test_kill_9_leaves_nothing_running_and_a_stale_pid_file_is_cleared(make_run):
    make_run.start()
    make_run.dev("demo-order", "--url", make_run.url, "--amount", "7.00")
    family = make_run.family()
    postmaster = int((make_run.var / "postgres" / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)  # a crash: PostgreSQL leaves its postmaster.pid behind
    make_run.process.kill()
    make_run.process.wait()
    deadline = time.monotonic() + 30
    while [pid for pid in family if alive(pid)]:
        assert time.monotonic() < deadline, [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in family if alive(pid)]
        time.sleep(0.1)  # orphans are sent their signal by the kernel; their ends cannot be awaited from here
    assert (make_run.var / "postgres" / "postmaster.pid").exists()

    make_run.start()
    assert f"removing {make_run.var / 'postgres' / 'postmaster.pid'}: its server (pid {postmaster}) is gone" in make_run.output()
    assert make_run.perks("balance", "--shop", DEMO_SHOP, "--customer", "7012345678901").strip() == "7"  # recovered from the WAL


def another_make_run(env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "perks_dev", "dev"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_a_second_run_in_the_same_checkout_and_a_taken_port_each_get_one_line(make_run, tmp_path):
    make_run.start()
    second = another_make_run(make_run.env)
    assert second.returncode == 1
    assert second.stderr.strip().splitlines()[-1] == (
        f"Error: Perks is already running from this checkout (pid {make_run.process.pid}): "
        f"use it, or stop it (Ctrl-C there, or `kill {make_run.process.pid}`) first"
    )

    taken = another_make_run({**make_run.env, "PERKS_VAR": str(tmp_path / "other-var")})
    assert taken.returncode == 1
    assert taken.stderr.strip().splitlines()[-1] == (
        f"Error: port {make_run.port} on 127.0.0.1 is taken by another program: "
        f"stop it, or choose another, e.g. `PORT={make_run.port + 10} make run`"
    )
    assert not (tmp_path / "other-var" / "postgres").exists()  # nothing was started for it
    assert make_run.stop(signal.SIGTERM) == 0
