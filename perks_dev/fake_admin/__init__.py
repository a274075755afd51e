"""A local, schema-checked stand-in for Shopify's Admin API (demo and tests)."""

from perks_dev.fake_admin.app import FakeServer, create_fake_admin, serve, session_token
from perks_dev.fake_admin.state import DEFAULT_SHOP, FakeState, ShopState

__all__ = ["DEFAULT_SHOP", "FakeServer", "FakeState", "ShopState", "create_fake_admin", "serve",
           "session_token"]
