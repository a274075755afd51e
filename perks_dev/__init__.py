"""Development tooling, never imported by the product (shopify_app, webhooks, admin_ui).

`make run` and the tests use it: the fake Admin API, the demo storefront and the
admin's demo tokens, the mail sink, the embedded PostgreSQL, and Shopify-shaped
payloads. Its commands: `python -m perks_dev --help`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from shopify_app.core.config import Settings


def demo_app(settings: Settings | None = None) -> Flask:
    """The product's app with the demo around it: the demo storefront (a shop and Shopify's app proxy)
    and the admin's demo session tokens. Production builds `create_app()` alone and has neither."""
    # Imported here, not at the top: scripts/with-test-services imports perks_dev.local_postgres
    # before any database exists, and needs none of the app.
    from perks_dev import admin_demo, demo_storefront
    from shopify_app import create_app

    app = create_app(settings)
    app.register_blueprint(admin_demo.bp)  # first: its /demo/ opens the admin, the storefront's goes to the shop
    demo_storefront.register(app)
    return app
