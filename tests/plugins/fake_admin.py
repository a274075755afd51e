"""pytest plugin: the fake Shopify Admin API on a real local port.

Enable with ``pytest_plugins = ["tests.plugins.fake_admin"]`` (or
``pytest -p tests.plugins.fake_admin``). The ``fake_admin`` fixture starts a
fresh fake (own state) per test on 127.0.0.1 and stops it afterwards.

Every test's fake answers at one address under one client id and secret for the
whole session (``fake_admin_identity``): the rq worker processes are started once
per session, and this is how they reach the fake a test runs, as `perks worker`
reaches Shopify from its environment (SHOPIFY_ADMIN_URL, SHOPIFY_API_KEY and
SHOPIFY_API_SECRET).
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from perks_dev.fake_admin import (
    DEFAULT_SHOP,
    FakeServer,
    FakeState,
    create_fake_admin,
    session_token,
)
from shopify_app.shopify.admin_client import AdminClient


@dataclass
class RunningFakeAdmin:
    url: str
    state: FakeState
    client_id: str
    client_secret: str
    server: FakeServer = field(repr=False)
    shop: str = DEFAULT_SHOP

    def token(self, shop: str | None = None, expires_in: int | None = None, scope: str | None = None) -> str:
        """An access token the fake accepts for ``shop`` (skipping OAuth), granted
        ``scope`` (comma separated; by default what shopify.app.toml asks for)."""
        return self.state.mint_token(shop or self.shop, expires_in, scope)

    def session_token(self, shop: str | None = None, **claims: Any) -> str:
        """An App Bridge session token for ``shop`` signed with the app's secret."""
        return session_token(shop or self.shop, self.client_id, self.client_secret, **claims)

    def base_url_for(self, shop: str | None = None) -> str:
        """A base_url under which the fake knows which shop is addressed."""
        return f"{self.url}/shops/{shop or self.shop}"

    def client(self, shop: str | None = None, **kwargs: Any) -> AdminClient:
        shop = shop or self.shop
        kwargs.setdefault("base_url", self.url)
        scope = kwargs.pop("scope", None)
        return AdminClient(shop, kwargs.pop("access_token", None) or self.token(shop, scope=scope), **kwargs)

    def control(self, **body: Any) -> None:
        """Flip behaviour switches over HTTP, as a test driving another process would."""
        requests.post(f"{self.url}/_fake/control", json=body, timeout=5).raise_for_status()

    def dump(self, shop: str | None = None) -> dict[str, Any]:
        params = {"shop": shop} if shop else {}
        return requests.get(f"{self.url}/_fake/state", params=params, timeout=5).json()


@dataclass(frozen=True)
class FakeAdminIdentity:
    """Where the fake answers and the app credentials it knows, the same for every test of the session."""

    port: int
    client_id: str
    client_secret: str

    @property
    def environment(self) -> dict[str, str]:
        """The settings a process given them reaches the fake with, as the app in the test process does."""
        return {
            "SHOPIFY_ADMIN_URL": f"http://127.0.0.1:{self.port}/shops/{{shop}}",
            "SHOPIFY_API_KEY": self.client_id,
            "SHOPIFY_API_SECRET": self.client_secret,
        }


@pytest.fixture(scope="session")
def fake_admin_identity() -> FakeAdminIdentity:
    # A port the system hands out and is then released: each test's fake binds it again (SO_REUSEADDR).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The secret is >= 32 bytes: a realistic HS256 key.
    return FakeAdminIdentity(port, "perks-test-" + secrets.token_hex(4), secrets.token_hex(32))


@pytest.fixture
def fake_admin(fake_admin_identity: FakeAdminIdentity) -> Iterator[RunningFakeAdmin]:
    state = FakeState()
    identity = fake_admin_identity
    app = create_fake_admin(identity.client_secret, identity.client_id, state)
    server = FakeServer(app, port=identity.port, quiet=True).start()
    try:
        yield RunningFakeAdmin(server.url, state, identity.client_id, identity.client_secret, server)
    finally:
        server.stop()
