"""The test suite runs on real PostgreSQL and real Redis with real rq worker processes.

`make test` starts both on loopback and sets DATABASE_URL and REDIS_URL;
anything else is refused rather than quietly tested against something else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from redis import Redis
from rq import Worker
from sqlalchemy import text

from perks_dev import shopify_payloads as shopify_webhooks
from shopify_app import create_app
from shopify_app.core.config import Settings
from shopify_app.core.db import session_factory
from shopify_app.core.queue import await_outcome
from shopify_app.core.runtime import Runtime, install
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import ledger
from shopify_app.ledger.members import find_member
from shopify_app.shop.shops import add_shop, installed_shop
from tests.fixtures.app_proxy import signed_query

pytest_plugins = ["tests.plugins.environment", "tests.plugins.fake_admin", "tests.plugins.chromium", "tests.plugins.fuzz_report"]

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings()


def pytest_configure(config):
    if not SETTINGS.database_url.startswith("postgresql") or not os.environ.get("REDIS_URL"):
        raise pytest.UsageError(
            "the tests need PostgreSQL and Redis: run `make test`, which starts both "
            "(DATABASE_URL must be postgresql://..., REDIS_URL must be set)"
        )


def backends() -> str:
    with session_factory(SETTINGS.database_url)() as session:
        pg = session.scalar(text("SHOW server_version"))
    redis_version = Redis.from_url(SETTINGS.redis_url).info("server")["redis_version"]
    binaries = os.environ.get("PERKS_PG_BIN", "binaries unknown: not started by scripts/with-test-services")
    return (
        f"backends: PostgreSQL {pg} ({SETTINGS.database_url}, {binaries}), "
        f"Redis {redis_version} ({SETTINGS.redis_url}), rq worker processes"
    )


def pytest_report_header(config):
    return backends()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(backends())


@pytest.fixture(scope="session", autouse=True)
def schema():
    """The schema exactly as `alembic upgrade head` makes it."""
    alembic_config = Config(str(ROOT / "alembic.ini"))
    command.upgrade(alembic_config, "head")


@pytest.fixture(scope="session", autouse=True)
def process_runtime():
    """The test process runs job entry points directly, as `perks worker` does on the runtime it installs."""
    install(Runtime(SETTINGS))
    yield
    install(None)


@pytest.fixture
def app():
    return create_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def sessions():
    return session_factory(SETTINGS.database_url)


@pytest.fixture
def shop(sessions) -> str:
    """A freshly installed shop per test: every query is scoped by shop, so tests cannot see each other."""
    domain = f"t{uuid.uuid4().hex[:12]}.myshopify.com"
    with UnitOfWork(sessions) as uow:
        add_shop(uow.session, domain, name="Test shop")
        uow.commit()
    return domain


@pytest.fixture(scope="session")
def redis() -> Redis:
    return Redis.from_url(SETTINGS.redis_url)


@pytest.fixture(scope="session")
def workers(redis, fake_admin_identity):
    """Two real `perks worker` processes, as production runs them, reaching each test's fake Admin API."""
    names = [f"test-worker-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "shopify_app", "perks", "worker", "--name", name],
            cwd=ROOT,
            env=os.environ | fake_admin_identity.environment,
        )
        for name in names
    ]
    deadline = time.monotonic() + 30
    while {w.name for w in Worker.all(connection=redis)} < set(names):
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            pytest.fail("rq workers did not start")
        time.sleep(0.05)
    yield names
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


class Webhooks:
    """Sends signed, Shopify-shaped deliveries to the app and waits for the workers."""

    def __init__(self, client, shop: str, redis: Redis):
        self.client, self.shop, self.redis = client, shop, redis

    def send(self, topic: str, payload, *, webhook_id=None, event_id=None, secret=SETTINGS.shopify_api_secret, headers=None):
        body, signed = shopify_webhooks.delivery(topic, payload, shop=self.shop, secret=secret, webhook_id=webhook_id, event_id=event_id)
        signed.update(headers or {})
        return self.client.post("/webhooks", data=body, headers=signed)

    def processed(self, response, timeout: int = 30) -> str:
        """Wait for the delivery a response recorded to be processed; its final status."""
        assert response.status_code == 200, response.get_json()
        delivery_id = response.get_json()["delivery"]
        return self.wait_for(delivery_id, timeout)

    def wait_for(self, delivery_id: int, timeout: int = 30) -> str:
        status = await_outcome(self.redis, delivery_id, timeout)
        assert status is not None, f"delivery {delivery_id} was not processed within {timeout}s"
        return status


@pytest.fixture
def webhooks(client, shop, redis, workers) -> Webhooks:
    return Webhooks(client, shop, redis)


@pytest.fixture
def balance(sessions, shop):
    """The member's balance, checked two ways: the sum of entries and the cached balance."""

    def read(customer_id: int) -> int:
        with UnitOfWork(sessions) as uow:
            member = find_member(uow.session, installed_shop(uow.session, shop).id, customer_id)
            if member is None:
                return 0
            total = ledger.balance(uow.session, member.shop_id, member.id)
            assert member.points_balance == total, "cached balance drifted from the ledger"
            return total

    return read


class Platform:
    """The app wired to the fake Admin API under the fake's own client id and secret."""

    def __init__(self, fake_admin, sessions):
        self.fake = fake_admin
        self.sessions = sessions
        self.app = create_app(
            Settings(
                shopify_api_key=fake_admin.client_id,
                shopify_api_secret=fake_admin.client_secret,
                shopify_admin_url=f"{fake_admin.url}/shops/{{shop}}",
            )
        )
        self.settings = self.app.extensions["perks"].settings
        self.client = self.app.test_client()
        self.shop = f"i{uuid.uuid4().hex[:12]}.myshopify.com"

    def proxy(self, method: str, path: str, customer: int | None, **kwargs):
        """A request through Shopify's app proxy, signed, for the logged-in `customer`."""
        query = signed_query(self.shop, customer, self.fake.client_secret)
        return self.client.open(f"/proxy{path}", method=method, query_string=query, **kwargs)

    def install(self, shop: str | None = None):
        response = self.client.get("/", query_string={"shop": shop or self.shop, "id_token": self.fake.session_token(shop or self.shop)})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response


@pytest.fixture
def platform(fake_admin, sessions) -> Platform:
    return Platform(fake_admin, sessions)
