"""Import members and balances from a CSV (a background job, a chunk of rows at a time, bad rows refused); export members and the ledger."""

from __future__ import annotations

import hashlib

from flask import Response, g, jsonify, request, stream_with_context
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from shopify_app.admin_jobs import enqueue_import, import_job_id
from shopify_app.loyalty import transfer
from shopify_app.models import ImportJob
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import ApiError, actor, not_found

MAX_BYTES = 25 * 1024 * 1024


@bp.post("/imports")
@merchant_required
def start_import():
    """A CSV as the `file` of a multipart form, or as a text/csv body."""
    request.max_content_length = MAX_BYTES
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data()
    filename = (upload.filename if upload is not None else request.args.get("filename")) or "import.csv"
    if not raw.strip():
        raise ApiError(400, "invalid", "file: choose a CSV file to import", {"file": "choose a CSV file to import"})
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid", "file: must be a CSV saved as UTF-8", {"file": "must be a CSV saved as UTF-8"}) from None
    try:
        # The header is checked now, so a wrong file is refused before it is queued.
        layout = transfer.layout_of(text)
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
def list_imports():
    with UnitOfWork(perks().sessions) as uow:
        jobs = uow.session.scalars(select(ImportJob).where(ImportJob.shop_id == g.caller.shop_id).order_by(ImportJob.id.desc()).limit(20))
        return jsonify(jobs=[_job_json(j) for j in jobs])


@bp.get("/imports/<id:job_id>")
@merchant_required
def import_status(job_id: int):
    with UnitOfWork(perks().sessions) as uow:
        job = uow.session.scalar(select(ImportJob).where(ImportJob.shop_id == g.caller.shop_id, ImportJob.id == job_id))
        if job is None:
            raise not_found("such import")
        return jsonify(job=_job_json(job))


# The refused rows an answer lists: a file of 100,000 bad rows is not sent whole to every poll.
ERRORS_SHOWN = 1000


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
def export_members():
    return _csv_download("perks-members.csv", transfer.members_csv, g.caller.shop_id)


@bp.get("/exports/ledger.csv")
@merchant_required
def export_ledger():
    return _csv_download("perks-ledger.csv", transfer.ledger_csv, g.caller.shop_id)


def _csv_download(name: str, rows, shop_id: int) -> Response:
    sessions = perks().sessions

    def generate():
        # Streamed: a shop with millions of entries is never held in memory at once.
        with UnitOfWork(sessions) as uow:
            yield from transfer.csv_text(rows(uow.session, shop_id))

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
