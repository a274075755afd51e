"""pytest plugin: the fake Shopify Admin API on a real local port.

Enable with ``pytest_plugins = ["tests.plugins.fake_admin"]`` (or
``pytest -p tests.plugins.fake_admin``). The ``fake_admin`` fixture starts a
fresh fake (own state) per test on 127.0.0.1 and stops it afterwards.
"""

from __future__ import annotations

import secrets
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


@pytest.fixture
def fake_admin() -> Iterator[RunningFakeAdmin]:
    state = FakeState()
    client_id = "perks-test-" + secrets.token_hex(4)
    client_secret = secrets.token_hex(32)  # >= 32 bytes: a realistic HS256 key
    server = FakeServer(create_fake_admin(client_secret, client_id, state), quiet=True).start()
    try:
        yield RunningFakeAdmin(server.url, state, client_id, client_secret, server)
    finally:
        server.stop()
