"""Import members and balances from a CSV (a background job, a chunk of rows at a time, bad rows refused); export members and the ledger."""

from __future__ import annotations

import hashlib
from typing import Literal

from flask import Response, g, jsonify, request, stream_with_context
from pydantic import Field
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import ApiError, actor, not_found
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model, Text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.ledger import transfer
from shopify_app.ledger.import_jobs import enqueue_import, import_job_id
from shopify_app.ledger.models import ImportJob
from shopify_app.shop.guards import merchant_required

MAX_BYTES = 25 * 1024 * 1024
# The refused rows an answer lists: a file of 100,000 bad rows is not sent whole to every poll.
ERRORS_SHOWN = 1000
CSV_FILE = {"type": "string", "contentMediaType": "text/csv", "description": "UTF-8; the header names the layout"}
UPLOAD = {
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": CSV_FILE}, "required": ["file"]}},
    "text/csv": {"schema": CSV_FILE},
}


class ImportName(Model):
    filename: Text(255, min_length=1) | None = Field(None, description="the file's name, for a text/csv body")  # type: ignore[valid-type]


class ImportProgress(Answer):
    done: int
    total: int


class RefusedRow(Answer):
    row: int
    message: str


class ImportJson(Answer):
    id: int
    filename: str
    layout: str | None
    status: Literal["queued", "running", "done", "failed"]
    progress: ImportProgress
    total_rows: int
    imported_rows: int
    points_imported: int
    refused_rows: int
    errors: list[RefusedRow] = Field(description=f"the first {ERRORS_SHOWN:,} refused rows")
    created_at: str | None
    finished_at: str | None


class OneImport(Answer):
    job: ImportJson


class Imports(Answer):
    jobs: list[ImportJson]


@bp.post("/imports")
@merchant_required
@endpoint(
    "Import members and balances from a CSV (Smile.io, LoyaltyLion, Yotpo or plain): checked, then run by a worker",
    security="session",
    query=ImportName,
    raw_body=UPLOAD,
    ok=202,
    answer=OneImport,
    refusals={409: "this file was imported already, or is being imported now", 413: f"larger than {MAX_BYTES // 2**20} MB"},
)
def start_import(query: ImportName):
    """A CSV as the `file` of a multipart form, or as a text/csv body."""
    request.max_content_length = MAX_BYTES
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data()
    filename = (upload.filename if upload is not None else query.filename) or "import.csv"
    try:
        text = transfer.upload_text(raw)
        # The whole file is read now, so a wrong, empty or broken file is refused before it is queued.
        layout = transfer.check(text)
    except transfer.UnreadableFile as error:
        raise ApiError(400, "invalid", f"file: {error}", {"file": str(error)}) from None
    digest = hashlib.sha256(raw).hexdigest()
    with UnitOfWork(perks().sessions) as uow:
        # Two uploads of one file at the same moment: the row lock below finds no row to lock for
        # either, so the file itself is locked first; the second then sees the first's job.
        uow.session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"import:{g.caller.shop_id}:{digest}", 0))))
        earlier = uow.session.scalar(
            select(ImportJob)
            .where(ImportJob.shop_id == g.caller.shop_id, ImportJob.digest == digest, ImportJob.status != "failed")
            .with_for_update()
        )
        if earlier is not None:
            # A job's rows are keyed by the job: the same file in a second job would add its points twice.
            done = earlier.status == "done"
            when = f"was already imported on {earlier.finished_at:%Y-%m-%d %H:%M} UTC" if done else "is being imported now"
            message = f"this file {when}; importing it again would add its points twice"
            raise ApiError(409, "already_imported", f"file: {message}", {"file": message})
        job = uow.session.scalar(
            select(ImportJob)
            .where(ImportJob.shop_id == g.caller.shop_id, ImportJob.digest == digest, ImportJob.status == "failed", ImportJob.content != "")
            .with_for_update()
        )
        if job is not None:
            # The same file after an import that stopped partway: the same job goes on, under the same row keys.
            job.status, job.errors, job.finished_at = "queued", [], None
        else:
            job = ImportJob(shop_id=g.caller.shop_id, actor=actor(), filename=filename[:255], layout=layout.name, digest=digest)
            job.content = text
            uow.session.add(job)
        uow.commit()
        answer = _job_json(job)
    enqueue_import(perks().queue, job.id)
    return jsonify(job=answer), 202


@bp.get("/imports")
@merchant_required
@endpoint("The last 20 imports, newest first", security="session", answer=Imports)
def list_imports():
    with UnitOfWork(perks().sessions) as uow:
        jobs = uow.session.scalars(select(ImportJob).where(ImportJob.shop_id == g.caller.shop_id).order_by(ImportJob.id.desc()).limit(20))
        return jsonify(jobs=[_job_json(j) for j in jobs])


@bp.get("/imports/<row:job_id>")
@merchant_required
@endpoint(
    "An import's status and progress, and its refused rows",
    security="session",
    answer=OneImport,
    refusals={404: "no such import in this shop"},
)
def import_status(job_id: int):
    with UnitOfWork(perks().sessions) as uow:
        job = uow.session.scalar(select(ImportJob).where(ImportJob.shop_id == g.caller.shop_id, ImportJob.id == job_id))
        if job is None:
            raise not_found("such import")
        return jsonify(job=_job_json(job))


def _job_json(job: ImportJob) -> dict:
    status, progress = job.status, {"done": job.total_rows, "total": job.total_rows}
    if status in ("queued", "running"):
        status, progress = _running(job)
    return {
        "id": job.id,
        "filename": job.filename,
        "layout": job.layout,
        "status": status,
        "progress": progress,
        "total_rows": job.total_rows,
        "imported_rows": job.imported_rows,
        "points_imported": job.points_imported,
        "refused_rows": len(job.errors),
        "errors": job.errors[:ERRORS_SHOWN],
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _running(job: ImportJob) -> tuple[str, dict]:
    """How far the worker has got (its rq job's meta), and "failed" once rq has given up on it."""
    unknown = {"done": 0, "total": job.total_rows}
    try:
        rq_job = Job.fetch(import_job_id(job.id), connection=perks().queue.connection)
        meta, rq_status = rq_job.get_meta(refresh=False), rq_job.get_status(refresh=False)
    except Exception:  # no such rq job yet, or Redis unreachable: progress is unknown, not an error
        return job.status, unknown
    # rq keeps a job "failed" only once its retries are spent, and the worker then says so in
    # the row; if it could not (the database was down too), the row says "running" still.
    # A queued row whose rq job failed is an import asked for again, waiting for its new run.
    status = "failed" if rq_status == JobStatus.FAILED and job.status == "running" else job.status
    return status, meta.get("progress") or unknown


@bp.get("/exports/members.csv")
@merchant_required
@endpoint("Every member with balance and tier, as CSV (imports back as the plain layout)", security="session", returns="text/csv")
def export_members():
    return _csv_download("perks-members.csv", transfer.members_csv, g.caller.shop_id)


@bp.get("/exports/ledger.csv")
@merchant_required
@endpoint("The points ledger, every entry, as CSV", security="session", returns="text/csv")
def export_ledger():
    return _csv_download("perks-ledger.csv", transfer.ledger_csv, g.caller.shop_id)


def _csv_download(name: str, rows, shop_id: int) -> Response:
    sessions = perks().sessions

    def generate():
        # Streamed: a shop with millions of entries is never held in memory at once.
        with UnitOfWork(sessions) as uow:
            yield from transfer.csv_text(rows(uow.session, shop_id))

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
