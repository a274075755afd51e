"""Perks: a loyalty, referral and VIP-tier app for Shopify."""

from __future__ import annotations

import logging

import click
from flask import Flask, jsonify, request

# Every room's tables, so the metadata is whole whichever module is imported first (joins by foreign key, Alembic).
import shopify_app.analytics.models
import shopify_app.earn.models
import shopify_app.launcher.models
import shopify_app.ledger.models
import shopify_app.notifications.models
import shopify_app.referrals.models
import shopify_app.rewards.models
import shopify_app.shop.models
import shopify_app.tiers.models  # noqa: F401
import webhooks.models  # noqa: F401
from shopify_app.core.config import Settings, load, require_secrets
from shopify_app.core.runtime import Runtime


def create_app(settings: Settings | None = None) -> Flask:
    """The WSGI app, on `settings` or, by default, on the process's environment read once here."""
    settings = settings or load()
    if click.get_current_context(silent=True) is None:
        # The WSGI app (gunicorn): no secrets, no start. The command line checks in `perks worker`/`cron`,
        # so that `perks balance` and `perks demo-order` still work on a newcomer's machine.
        require_secrets(settings)
    app = Flask(__name__, instance_relative_config=True)
    app.extensions["perks"] = Runtime(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin at every import of alembic

    from admin_ui import register as register_admin_ui
    from shopify_app import admin_api
    from shopify_app.cli import perks
    from shopify_app.core import contracts
    from shopify_app.earn import actions_api, flow_api
    from shopify_app.launcher import openapi as proxy_openapi
    from shopify_app.launcher import storefront, storefront_growth, surfaces
    from shopify_app.shop import rate_limits
    from shopify_app.shop import views as platform
    from webhooks import receive

    rate_limits.init(app, settings.redis_url)
    app.register_blueprint(actions_api.bp)
    app.register_blueprint(flow_api.bp)
    app.register_blueprint(platform.bp)
    app.register_blueprint(storefront.bp)
    app.register_blueprint(proxy_openapi.bp)
    app.register_blueprint(storefront_growth.bp)
    admin_api.register(app)
    app.register_blueprint(surfaces.bp)  # after the admin's blueprint: its routes use the `id` converter it records
    register_admin_ui(app)
    app.cli.add_command(perks)
    if settings.environment == "test":  # every answer the tests see is checked against its endpoint's contract
        app.after_request(contracts.check_answer)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def json_for_programs(error):
        """The APIs answer in JSON even where no route matched (an id past its range, a method a path lacks)."""
        if request.path.startswith(contracts.API_PREFIXES):
            return jsonify(error="not_found" if error.code == 404 else "method_not_allowed", message=error.description), error.code
        return error

    # POST /webhooks skips Flask (webhooks/receive.py): whatever serves this app, gunicorn, `make run` or a test client.
    app.wsgi_app = receive.in_front_of(app.wsgi_app, app.extensions["perks"])  # type: ignore[method-assign]

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    return app
