"""What the rq worker runs for the admin: CSV imports, all rows or none, with progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from rq import get_current_job
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.config import Settings
from shopify_app.db import session_factory
from shopify_app.loyalty import transfer
from shopify_app.models import ImportJob
from shopify_app.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def import_job_id(job_id: int) -> str:
    return f"import-{job_id}"


def enqueue_import(queue, job_id: int):
    # Unlike webhooks, an import is started by a person watching it: no retries
    # hours later; a failure shows in the admin and they start it again.
    return queue.enqueue("shopify_app.admin_jobs.run_import", job_id, job_id=import_job_id(job_id), result_ttl=3600, failure_ttl=86400)


def run_import(job_id: int) -> str:
    rq_job = get_current_job()

    def progress(done: int, total: int) -> None:
        if rq_job is not None:
            rq_job.meta["progress"] = {"done": done, "total": total}
            rq_job.save_meta()

    return import_with(session_factory(Settings.from_env().database_url), job_id, progress)


def import_with(sessions: sessionmaker[Session], job_id: int, progress: Callable[[int, int], None] = lambda done, total: None) -> str:
    """Read and check the whole file, then write it in one transaction with the job's outcome."""
    with UnitOfWork(sessions) as uow:
        job = uow.session.get(ImportJob, job_id, with_for_update=True)
        if job is None or job.status in ("done", "failed"):
            return job.status if job else "missing"
        try:
            layout, rows, errors = transfer.parse(job.content)
        except transfer.UnreadableFile as error:
            return _finish(uow, job, "failed", errors=[transfer.RowError(1, str(error))])
        total = len(rows) + len(errors)
        job.layout, job.total_rows = layout.name, total
        progress(0, total)
        imported, points, more = transfer.import_rows(
            uow.session, job.shop_id, job.id, layout.label, rows, lambda done: progress(done + len(errors), total)
        )
        errors = sorted(errors + more, key=lambda e: e.line)
        if errors:
            # Nothing of a file with a bad row stays: roll back what was written, then record why.
            uow.session.rollback()
            job = uow.session.get(ImportJob, job_id, with_for_update=True)
            job.layout, job.total_rows = layout.name, total
            return _finish(uow, job, "failed", errors=errors)
        job.imported_rows, job.points_imported = imported, points
        return _finish(uow, job, "done")


def _finish(uow: UnitOfWork, job: ImportJob, status: str, errors: list[transfer.RowError] = ()) -> str:
    job.status = status
    job.errors = [e.as_json() for e in errors]
    job.finished_at = datetime.now(UTC)
    # The file holds customers' emails: kept no longer than the import needs it.
    job.content = ""
    uow.commit()
    log.info("import %s of shop %s: %s, %d rows, %d errors", job.id, job.shop_id, status, job.total_rows, len(errors))
    return status
