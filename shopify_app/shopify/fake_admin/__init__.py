"""A local, schema-checked stand-in for Shopify's Admin API (demo and tests)."""

from shopify_app.shopify.fake_admin.app import FakeServer, create_fake_admin, serve, session_token
from shopify_app.shopify.fake_admin.state import DEFAULT_SHOP, FakeState, ShopState

__all__ = ["DEFAULT_SHOP", "FakeServer", "FakeState", "ShopState", "create_fake_admin", "serve",
           "session_token"]
