"""`flask --app shopify_app perks ...`: run workers, install shops, inspect and repair."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup
from rq import SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import select

from . import jobs
from .loyalty import ledger
from .loyalty.errors import LoyaltyError
from .loyalty.members import find_member
from .loyalty.shops import add_shop, installed_shop
from .models import WebhookDelivery
from .queue import connection
from .runtime import perks as runtime
from .unit_of_work import UnitOfWork

perks = AppGroup("perks", help="Perks operations.")


@perks.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--name", default=None, help="Worker name (unique per Redis).")
def worker(burst: bool, name: str | None) -> None:
    """An rq worker with its scheduler (which rq's Retry intervals need)."""
    settings = runtime().settings
    # SimpleWorker runs jobs in this process: no fork per job, and the
    # SQLAlchemy pool is never shared across a fork.
    SimpleWorker([settings.queue_name], connection=connection(settings.redis_url), name=name).work(burst=burst, with_scheduler=True)


@perks.command("cron")
@click.option("--sweep-every", default=60, show_default=True, help="Seconds between sweeps.")
def cron(sweep_every: int) -> None:
    """rq's cron scheduler: enqueues the periodic jobs (the sweeper)."""
    settings = runtime().settings
    scheduler = CronScheduler(connection=connection(settings.redis_url), name="perks-cron")
    scheduler.register(jobs.sweep, settings.queue_name, interval=sweep_every)
    scheduler.start()


@perks.command("shop-add")
@click.argument("domain")
@click.option("--name", default="", help="The shop's name.")
@click.option("--currency", default="USD", show_default=True)
def shop_add(domain: str, name: str, currency: str) -> None:
    """Install DOMAIN with the default program."""
    with UnitOfWork(runtime().sessions) as uow:
        try:
            shop = add_shop(uow.session, domain, name=name, currency=currency)
        except LoyaltyError as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
        click.echo(f"installed {shop.domain} (shop {shop.id})")


@perks.command("balance")
@click.option("--shop", "shop_domain", required=True)
@click.option("--customer", "customer_id", required=True, type=int, help="Shopify customer id.")
def balance(shop_domain: str, customer_id: int) -> None:
    """Print the member's balance: the sum of their ledger entries."""
    with UnitOfWork(runtime().sessions) as uow:
        try:
            shop = installed_shop(uow.session, shop_domain)
        except LoyaltyError as error:
            raise click.ClickException(str(error)) from error
        member = find_member(uow.session, shop.id, customer_id)
        if member is None:
            raise click.ClickException(f"customer {customer_id} is not a member of {shop_domain}")
        click.echo(ledger.balance(uow.session, shop.id, member.id))


@perks.command("sweep")
@click.option("--older-than", default=60, show_default=True, help="Only deliveries recorded at least this many seconds ago.")
def sweep(older_than: int) -> None:
    """Enqueue recorded deliveries that never reached the queue."""
    click.echo(f"enqueued {jobs.sweep_with(runtime().settings, older_than)} deliveries")


@perks.command("failed")
def failed() -> None:
    """List deliveries that failed for good, newest first."""
    from webhooks import deliveries

    with UnitOfWork(runtime().sessions) as uow:
        for delivery in deliveries.failed(uow.session):
            click.echo(f"{delivery.id}\t{delivery.topic}\t{delivery.attempts} attempts\t{delivery.last_error}")


@perks.command("replay")
@click.argument("delivery_id", type=int)
def replay(delivery_id: int) -> None:
    """Process a recorded delivery again, here and now, and print its outcome."""
    from webhooks import deliveries

    sessions = runtime().sessions
    with UnitOfWork(sessions) as uow:
        if uow.session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.id == delivery_id)) is None:
            raise click.ClickException(f"no delivery {delivery_id}")
        deliveries.reopen(uow.session, delivery_id)
        uow.commit()
    status = deliveries.process(sessions, delivery_id)
    click.echo(f"delivery {delivery_id}: {status}")
    if status == "failed":
        raise SystemExit(1)


@perks.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", 8000)), show_default="8000 or $PORT")
def dev(host: str, port: int) -> None:
    """Run web, worker, cron and an embedded Redis on SQLite, with a demo shop."""
    from .devserver import serve

    serve(host, port)


@perks.command("demo-order")
@click.option("--url", default=lambda: f"http://127.0.0.1:{os.environ.get('PORT', 8000)}", show_default="the `make run` server")
@click.option("--amount", default="42.50", show_default=True, help="What the order's one line costs.")
def demo_order(url: str, amount: str) -> None:
    """Send a signed, Shopify-shaped orders/paid for the demo customer."""
    from .devserver import send_demo_order

    send_demo_order(url, amount)
