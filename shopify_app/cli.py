"""`flask --app shopify_app perks ...`: run workers, install shops, inspect and repair."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from rq import SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import select

from shopify_app.analytics import rollups
from shopify_app.core.config import require_secrets
from shopify_app.core.errors import LoyaltyError
from shopify_app.core.orm import utcnow
from shopify_app.core.queue import connection
from shopify_app.core.runtime import Runtime, current, install
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks as runtime
from shopify_app.earn import jobs as rule_jobs
from shopify_app.ledger import ledger
from shopify_app.ledger.members import find_member
from shopify_app.notifications import jobs as notification_jobs
from shopify_app.referrals import jobs as referral_jobs
from shopify_app.rewards import jobs as reward_jobs
from shopify_app.shop import privacy_jobs, tokens
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import add_shop, installed_shop
from shopify_app.shop.token_vault import TokenVault
from shopify_app.shopify.oauth import AccessToken
from shopify_app.tiers import jobs as tier_jobs
from webhooks import jobs, reconcile
from webhooks.models import WebhookDelivery

perks = AppGroup("perks", help="Perks operations.")


@perks.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--name", default=None, help="Worker name (unique per Redis).")
def worker(burst: bool, name: str | None) -> None:
    """An rq worker with its scheduler (which rq's Retry intervals need)."""
    settings = started().settings
    # SimpleWorker runs jobs in this process: no fork per job, and the
    # SQLAlchemy pool is never shared across a fork.
    SimpleWorker([settings.queue_name], connection=connection(settings.redis_url), name=name).work(burst=burst, with_scheduler=True)


@perks.command("cron")
@click.option("--sweep-every", default=60, show_default=True, help="Seconds between sweeps.")
@click.option(
    "--sweep-older-than", default=60, show_default=True, help="The sweeper puts back deliveries recorded at least this many seconds ago."
)
@click.option("--reconcile-every", default=900, show_default=True, help="Seconds between reconciliations with the Admin API.")
def cron(sweep_every: int, sweep_older_than: int, reconcile_every: int) -> None:
    """rq's cron scheduler: enqueues the periodic jobs (sweeper, reconciliation)."""
    settings = started().settings
    scheduler = CronScheduler(connection=connection(settings.redis_url), name="perks-cron")
    scheduler.register(jobs.sweep, settings.queue_name, kwargs={"older_than_seconds": sweep_older_than}, interval=sweep_every)
    scheduler.register(rule_jobs.birthdays_and_expiry, settings.queue_name, interval=3600)
    scheduler.register(notification_jobs.deliver_notifications, settings.queue_name, interval=60)
    scheduler.register(reconcile.reconcile_all_job, settings.queue_name, interval=reconcile_every)
    scheduler.register(reward_jobs.expire_codes, settings.queue_name, interval=3600)
    scheduler.register(reward_jobs.recover_redemptions, settings.queue_name, interval=300)
    scheduler.register(referral_jobs.confirm_referrals, settings.queue_name, interval=3600)
    scheduler.register(tier_jobs.review_tiers, settings.queue_name, interval=3600)
    scheduler.register(tier_jobs.sync_tiers, settings.queue_name, interval=60)
    scheduler.register(audit_job, settings.queue_name, interval=24 * 3600)
    scheduler.register(privacy_jobs.purge_payloads, settings.queue_name, interval=3600)
    scheduler.register(rollups.compact_job, settings.queue_name, interval=24 * 3600)
    scheduler.start()


def started() -> Runtime:
    """A worker's or cron's start: fail closed on missing secrets, then make the app's runtime (its settings,
    read once by create_app) the process's own, which every job it runs takes (runtime.current)."""
    process = runtime()
    require_secrets(process.settings)
    install(process)
    return process


@perks.command("shop-add")
@click.argument("domain")
@click.option("--name", default="", help="The shop's name.")
@click.option("--currency", default="USD", show_default=True)
@click.option("--token", default=None, help="An offline access token for the shop (stored encrypted).")
def shop_add(domain: str, name: str, currency: str, token: str | None) -> None:
    """Install DOMAIN with the default program."""
    with UnitOfWork(runtime().sessions) as uow:
        try:
            shop = add_shop(uow.session, domain, name=name, currency=currency)
        except LoyaltyError as error:
            raise click.ClickException(str(error)) from error
        if token:
            tokens.store(shop, AccessToken(access_token=token, scope=""), TokenVault.from_settings(runtime().settings), utcnow())
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
    """Put back deliveries still to process that nobody will take (lost from Redis, or past a transient failure's backoff)."""
    click.echo(f"enqueued {jobs.sweep_with(runtime(), older_than)} deliveries")


@perks.command("failed")
def failed() -> None:
    """List deliveries refused for good (failed) and those failing again and again (retrying), newest first."""
    from webhooks import deliveries

    with UnitOfWork(runtime().sessions) as uow:
        for delivery in deliveries.failed(uow.session):
            state = "failed" if delivery.status == "failed" else "retrying"
            click.echo(f"{delivery.id}\t{delivery.topic}\t{state}\t{delivery.attempts} attempts\t{delivery.last_error}")


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
    status = deliveries.process(sessions, delivery_id, runtime().queue)
    click.echo(f"delivery {delivery_id}: {status}")
    if status == "failed":
        raise SystemExit(1)


@perks.command("rotate-tokens")
def rotate_tokens() -> None:
    """Re-encrypt every stored token with the first of PERKS_ENCRYPTION_KEYS."""
    vault = TokenVault.from_settings(runtime().settings)
    with UnitOfWork(runtime().sessions) as uow:
        shops = list(uow.session.scalars(select(Shop).with_for_update()))
        for shop in shops:
            if shop.access_token_encrypted:
                shop.access_token_encrypted = vault.rotate(shop.access_token_encrypted)
            if shop.refresh_token_encrypted:
                shop.refresh_token_encrypted = vault.rotate(shop.refresh_token_encrypted)
        uow.commit()
    click.echo(f"re-encrypted the tokens of {len(shops)} shops")


@perks.command("reconcile")
@click.option("--shop", "shop_domain", required=True)
def reconcile_command(shop_domain: str) -> None:
    """Feed the shop's recently updated orders from the Admin API through the ledger, now."""
    count = reconcile.reconcile_shop(runtime().sessions, runtime().settings, shop_domain)
    click.echo(f"reconciled {count} orders of {shop_domain}")


@perks.command("audit")
@click.option("--shop", "shop_domain", default=None, help="One shop (default: every shop).")
def audit(shop_domain: str | None) -> None:
    """Compare every cached balance with the sum of its ledger entries; exit 1 on any drift."""
    found = ledger.audit_balances(runtime().sessions, shop_domain=shop_domain)
    click.echo(f"audited {found.members} balances: {found.drifted} differ from their ledger entries")
    for drift in found.first:
        who = f"{drift.shop} customer {drift.customer_id} (member {drift.member_id})"
        click.echo(f"  {who}: cached {drift.cached}, entries {drift.entries}")
    if found.drifted:
        raise SystemExit(1)


def audit_job() -> int:
    """rq entry point for the daily cron: the audit of every shop; drift is logged as an error."""
    return ledger.audit_balances(current().sessions).drifted


@perks.command("earn-rule")
@click.option("--shop", "shop_domain", required=True)
@click.option(
    "--action", required=True, help="signup, birthday, review, social_follow, social_share, newsletter, profile, survey or custom."
)
@click.option("--handle", default="", help="A custom action's handle.")
@click.option("--points", type=int, required=True)
@click.option("--limit", "limit_count", type=int, default=1, show_default=True, help="Payouts per period per member.")
@click.option("--per", "limit_period", default="ever", show_default=True, type=click.Choice(["ever", "day", "month", "year"]))
@click.option("--off", is_flag=True, help="Switch the rule off.")
def earn_rule(shop_domain: str, action: str, handle: str, points: int, limit_count: int, limit_period: str, off: bool) -> None:
    """Switch on (or change) the rule rewarding an action."""
    from shopify_app.earn import actions

    with UnitOfWork(runtime().sessions) as uow:
        try:
            rule = actions.set_rule(
                uow.session,
                installed_shop(uow.session, shop_domain),
                action,
                points=points,
                handle=handle,
                limit_count=limit_count,
                limit_period=limit_period,
                enabled=not off,
            )
        except LoyaltyError as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
        click.echo(f"{rule.name}: {rule.points} points, {rule.limit_count} per {rule.limit_period}{'' if rule.enabled else ' (off)'}")


@perks.command("rules-run")
@click.option("--shop", "shop_domain", default=None, help="Only this shop.")
def rules_run(shop_domain: str | None) -> None:
    """Pay today's birthdays and remind or expire idle points now (what cron does hourly)."""
    from datetime import UTC, datetime

    totals = rule_jobs.run_rules(runtime().sessions, datetime.now(UTC), shop_domain)
    click.echo(", ".join(f"{name} {count}" for name, count in totals.items()))


@perks.command("notify")
@click.option("--shop", "shop_domain", default=None, help="Only this shop's events.")
def notify(shop_domain: str | None) -> None:
    """Deliver waiting member events now: mail (PERKS_SMTP_URL) and customer metafields."""
    from datetime import UTC, datetime

    from shopify_app.notifications import deliver

    process = runtime()
    click.echo(deliver(process.sessions, notification_jobs.channels(process), datetime.now(UTC), shop_domain=shop_domain))


@perks.command("rollups")
@click.option("--shop", "shop_domain", default=None, help="One shop (default: every shop).")
@click.option(
    "--verify", "action", flag_value="verify", default=True, help="Compare the roll-ups with the facts; exit 1 on any difference."
)
@click.option("--rebuild", "action", flag_value="rebuild", help="Recompute the roll-ups from the facts.")
@click.option("--compact", "action", flag_value="compact", help="Fold the slots of every shop's past days into one row each.")
def rollups_command(shop_domain: str | None, action: str) -> None:
    """The dashboard's roll-ups against a recomputation from the orders, ledger and members."""
    if action == "compact":
        rollups.compact_past(runtime().sessions)
        click.echo("compacted the roll-ups of the days before yesterday")
        return
    with UnitOfWork(runtime().sessions) as uow:
        shops = rollups.shop_ids(uow.session, shop_domain)
        if shop_domain and not shops:
            raise click.ClickException(f"no shop {shop_domain}")
        if action == "rebuild":
            for shop_id in shops:
                rollups.rebuild(uow.session, shop_id)
            uow.commit()
            click.echo(f"rebuilt the roll-ups of {len(shops)} shops")
            return
        found = [difference for shop_id in shops for difference in rollups.differences(uow.session, shop_id)]
    click.echo(f"verified the roll-ups of {len(shops)} shops: {len(found)} figures differ from the facts")
    for difference in found:
        click.echo(f"  {difference}")
    if found:
        raise SystemExit(1)
