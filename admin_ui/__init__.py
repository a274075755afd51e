"""The embedded admin: the page Shopify admin frames at the app URL, and its static files.

The page is a shell: App Bridge from Shopify's CDN (the first script, neither
async nor deferred, or App Bridge refuses to start), our own Polaris-like CSS
and a small script that renders each section from the JSON API under /api,
every call with a session token. The bounce page is App Bridge alone: it
brings a page opened without a fresh session token back with one.
"""

from __future__ import annotations

from importlib import import_module

from flask import Blueprint, Flask, current_app, render_template, url_for

bp = Blueprint("admin_ui", __name__, template_folder="templates", static_folder="static", static_url_path="/admin-static")



def register(app: Flask) -> None:
    import_module("admin_ui.launcher_preview")  # its routes, on bp
    app.register_blueprint(bp)


def demo_mode() -> bool:
    """Whether this app mints its own session tokens: the demo's does (perks_dev.demo_app() registers
    admin_demo); the product's app never does, Shopify mints them."""
    return "admin_demo" in current_app.blueprints


def shell(shop_domain: str, shop_name: str, id_token: str, api_key: str) -> str:
    """The admin page for a shop, carrying the session token Shopify opened it with."""
    return render_template(
        "admin_ui/shell.html", shop=shop_domain, shop_name=shop_name, id_token=id_token, api_key=api_key, demo=demo_mode()
    )


def bounce_page(api_key: str, shop_domain: str) -> str:
    """App Bridge alone, to come back with a session token; in the demo, the demo's token stands in for it."""
    demo_token_url = url_for("admin_demo.session_token", shop=shop_domain) if demo_mode() else None
    return render_template("admin_ui/bounce.html", api_key=api_key, demo_token_url=demo_token_url)
