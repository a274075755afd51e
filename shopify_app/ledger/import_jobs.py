"""What the rq worker runs for the admin: CSV imports, a chunk of rows per transaction, with progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from psycopg import errors as pg_errors
from rq import Retry, get_current_job
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.core.queue import progress_in_meta
from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import transfer
from shopify_app.ledger.models import ImportJob
from shopify_app.shop.models import Shop
from shopify_app.shop.tokens import admin_client

# Each email's Shopify customer id, for the emails of `emails` a customer in the shop's Shopify has.
FindCustomers = Callable[[str, list[str]], dict[str, int]]

log = logging.getLogger(__name__)
# Rows per transaction: a few hundred keep each member's row lock to a fraction of a
# second (a redemption or an order for them waits no longer), while the commits stay few.
CHUNK = 250
# A chunk that meets a webhook batch locking the same members the other way round is
# chosen as the deadlock's victim now and then; it is simply written again.
ATTEMPTS = 3
IMPORT_TIMEOUT = 3600


def import_job_id(job_id: int) -> str:
    return f"import-{job_id}"


def enqueue_import(queue, job_id: int):
    # A person is watching, so retries come within minutes, not hours; a run that
    # died (the worker killed, the database restarted) starts again from the first
    # row, and the rows' ledger keys make that safe.
    return queue.enqueue(
        "shopify_app.ledger.import_jobs.run_import",
        job_id,
        job_id=import_job_id(job_id),
        result_ttl=3600,
        failure_ttl=86400,
        retry=Retry(max=3, interval=[5, 30, 120]),
        # rq's default of 3 minutes stops a file of 200,000 rows halfway, over and over.
        job_timeout=IMPORT_TIMEOUT,
    )


def run_import(job_id: int) -> str:
    runtime = current()
    rq_job = get_current_job()
    progress = progress_in_meta(f"import {job_id}")
    sessions = runtime.sessions
    try:
        return import_with(sessions, job_id, progress, shopify_customers(sessions, runtime.settings))
    except Exception as error:
        if rq_job is not None and rq_job.retries_left:
            raise  # rq runs it again shortly, from the first row
        stopped(sessions, job_id, error)
        raise


def shopify_customers(sessions: sessionmaker[Session], settings: Settings) -> FindCustomers:
    """Customers looked up in the shop's Shopify by email, through its Admin API."""

    def find(shop_domain: str, emails: list[str]) -> dict[str, int]:
        return transfer.customer_ids_by_email(admin_client(sessions, settings, shop_domain), emails)

    return find


def stopped(sessions: sessionmaker[Session], job_id: int, error: Exception) -> None:
    """rq has given up on the import: the person watching is told, and the file is kept so that
    importing it again goes on under the same job, whose row keys credit nothing twice."""
    with UnitOfWork(sessions) as uow:
        job = uow.session.get(ImportJob, job_id, with_for_update=True)
        if job.status in ("done", "failed"):
            return
        job.status, job.finished_at = "failed", datetime.now(UTC)
        reason = f"the import stopped before its end ({type(error).__name__}); import the same file again to go on"
        job.errors = [{"row": 0, "message": reason}]
        uow.commit()


def import_with(
    sessions: sessionmaker[Session],
    job_id: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
    find_customers: FindCustomers | None = None,
) -> str:
    """Read and check the whole file, then write it a chunk of rows per transaction; the job's outcome last.

    Rows that cannot be imported are refused, each with its line and reason; the rest go in. A row naming by
    email a customer no member is yet is looked up in Shopify (`find_customers`) before its chunk's transaction
    opens, so no Admin API call waits while member rows are locked; found, the customer becomes a member, and
    not found, the balance is held until the account appears (`pending_balances`).

    A dry run does all of it, each chunk's transaction rolled back instead of committed: its counts are
    what the import would do, from the same code, and nothing is written.
    """
    with UnitOfWork(sessions) as uow:
        job = uow.session.get(ImportJob, job_id)
        if job is None or job.status in ("done", "failed"):
            return job.status if job else "missing"
        shop_id, content, shop_domain, dry_run = job.shop_id, job.content, uow.session.get(Shop, job.shop_id).domain, job.dry_run
    try:
        layout, rows, errors = transfer.parse(content)
    except transfer.UnreadableFile as error:
        return _finish(sessions, job_id, "failed", transfer.Imported(refused=[transfer.RowError(1, str(error))]))
    source, total = layout.label, len(rows) + len(errors)
    with UnitOfWork(sessions) as uow:
        job = uow.session.get(ImportJob, job_id)
        job.status, job.layout, job.total_rows = "running", layout.name, total
        uow.commit()
    progress(0, total)
    done = transfer.Imported(refused=list(errors))
    for start in range(0, len(rows), CHUNK):
        chunk = _found_in_shopify(sessions, shop_id, shop_domain, rows[start : start + CHUNK], find_customers)
        done = _write_chunk(sessions, shop_id, job_id, source, chunk, done, commit=not dry_run)
        # Rows refused when the file was read count as done from the start.
        progress(done.rows + len(done.refused), total)
    return _finish(sessions, job_id, "done", done)


def _found_in_shopify(
    sessions: sessionmaker[Session], shop_id: int, shop_domain: str, rows: list[transfer.Row], find_customers: FindCustomers | None
) -> list[transfer.Row]:
    """The chunk's rows, those naming a customer no member is yet by email given the customer's id in Shopify.

    The members are read in a transaction of their own that locks nothing, and Shopify is asked after it.
    """
    with UnitOfWork(sessions) as uow:
        known, unknown = transfer.emails_without_members(uow.session, shop_id, rows)
    if not unknown or find_customers is None:
        return rows
    return transfer.with_shopify_customers(rows, known, find_customers(shop_domain, unknown))


def _write_chunk(
    sessions: sessionmaker[Session],
    shop_id: int,
    job_id: int,
    source: str,
    rows: list[transfer.Row],
    before: transfer.Imported,
    *,
    commit: bool = True,
) -> transfer.Imported:
    """One chunk in its own transaction, written again if it was a deadlock's victim; the counts after it.

    Without `commit` (a dry run) the transaction is rolled back when the chunk is done."""
    attempt = 1
    while True:
        # The chunk adds to a copy, so a rolled-back attempt leaves the counts as they were.
        after = replace(
            before, refused=list(before.refused), seen=dict(before.seen), held=dict(before.held), unknown_tiers=dict(before.unknown_tiers)
        )
        try:
            with UnitOfWork(sessions) as uow:
                transfer.import_chunk(uow.session, shop_id, job_id, source, rows, after)
                if commit:
                    uow.commit()
            return after
        except OperationalError as error:
            if attempt == ATTEMPTS or not isinstance(error.orig, pg_errors.DeadlockDetected | pg_errors.SerializationFailure):
                raise
            log.info("import %s: rows from line %d were a deadlock's victim; writing them again", job_id, rows[0].line)
            attempt += 1


def _finish(sessions: sessionmaker[Session], job_id: int, status: str, done: transfer.Imported) -> str:
    with UnitOfWork(sessions) as uow:
        job = uow.session.get(ImportJob, job_id, with_for_update=True)
        if job.status in ("done", "failed"):
            return job.status  # a second run of the same job finished first
        job.status = status
        job.imported_rows, job.points_imported = done.rows, done.points
        job.matched_members, job.new_members = done.matched, done.new
        job.pending_rows, job.pending_points = done.pending, done.pending_points
        job.unknown_tiers = sorted(done.unknown_tiers.values(), key=str.casefold)
        refused = sorted(done.refused, key=lambda e: e.line)
        # The refused rows' own cells are kept with them, for the merchant to download, fix and import again.
        job.refused_header, cells = transfer.refused_records(job.content, refused)
        job.errors = [e.as_json() | {"cells": row} for e, row in zip(refused, cells, strict=True)]
        job.finished_at = datetime.now(UTC)
        # The file holds customers' emails: kept no longer than the import needs it; a dry run's until
        # the merchant imports it (the file then moves to the import's own job).
        if not job.dry_run:
            job.content = ""
        uow.commit()
        log.info("import %s of shop %s: %s, %d rows, %d refused", job_id, job.shop_id, status, job.total_rows, len(done.refused))
    return status
