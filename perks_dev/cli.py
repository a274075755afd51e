"""`python -m perks_dev ...`: the commands that run Perks on one machine, beside the product's `perks` group."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.group(help="Perks on this machine: the demo, and the stand-ins for Shopify and a mail server.")
def dev_commands() -> None:
    pass


@dev_commands.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", 8000)), show_default="8000 or $PORT")
def dev(host: str, port: int) -> None:
    """Run web, worker, cron, an embedded PostgreSQL and an embedded Redis, with a demo shop."""
    from perks_dev.devserver import serve

    serve(host, port)


@dev_commands.command("demo-order")
@click.option("--url", default=lambda: f"http://127.0.0.1:{os.environ.get('PORT', 8000)}", show_default="the `make run` server")
@click.option("--amount", default="42.50", show_default=True, help="What the order's one line costs.")
def demo_order(url: str, amount: str) -> None:
    """Send a signed, Shopify-shaped orders/paid for the demo customer."""
    from perks_dev.devserver import send_demo_order

    send_demo_order(url, amount)


@dev_commands.command("fake-shopify")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
def fake_shopify(host: str, port: int) -> None:
    """Serve the local fake Admin API (GraphQL validated against Shopify's schema, token exchange)."""
    from perks_dev.fake_admin import serve
    from shopify_app.core.config import load

    settings = load()
    click.echo(f"fake Shopify Admin API on http://{host}:{port} (set SHOPIFY_ADMIN_URL to it)")
    serve(host, port, settings.shopify_api_key, settings.shopify_api_secret)


@dev_commands.command("mail-sink")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=1025, show_default=True)
@click.option("--folder", default="var/mail", show_default=True, help="Where each mail is written as an .eml file.")
def mail_sink(host: str, port: int, folder: str) -> None:
    """A local SMTP server keeping every mail, for the demo (set PERKS_SMTP_URL=smtp://HOST:PORT)."""
    from perks_dev.mail_sink import SmtpSink

    sink = SmtpSink(host, port, Path(folder))
    click.echo(f"SMTP sink on {host}:{sink.port}, mails in {folder}/")
    sink.serve_forever()
