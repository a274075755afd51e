"""Import members and balances from a CSV (a background job, a chunk of rows at a time, bad rows refused and
downloadable, a dry run first if the merchant wants one); export members and the ledger."""

from __future__ import annotations

import hashlib
from typing import Literal

from flask import Response, g, jsonify, request, stream_with_context
from pydantic import Field
from rq.job import Job, JobStatus
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    dry_run: bool = Field(False, description="read and match the whole file as the import would, and write nothing")


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
    dry_run: bool = Field(description="a dry run: the counts are what the import would do; nothing was written")
    progress: ImportProgress
    total_rows: int
    imported_rows: int = Field(description="rows credited to a member (matched_members + new_members)")
    points_imported: int = Field(description="points credited to members")
    matched_members: int = Field(description="rows credited to a member Perks had")
    new_members: int = Field(description="rows whose customer Shopify had and Perks had not: made members")
    pending_rows: int = Field(description="rows of an email no Shopify customer has: held until the account appears")
    pending_points: int = Field(description="points held for those accounts")
    refused_rows: int
    unknown_tiers: list[str] = Field(description="tier names rows carried that no tier of the ladder has: imported without their tier")
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
        _refuse_if_imported(uow.session, g.caller.shop_id, digest)
        job = None
        if not query.dry_run:
            job = uow.session.scalar(
                select(ImportJob)
                .where(ImportJob.shop_id == g.caller.shop_id, ImportJob.digest == digest, ImportJob.status == "failed")
                .where(ImportJob.dry_run.is_(False), ImportJob.content != "")
                .with_for_update()
            )
        if job is not None:
            # The same file after an import that stopped partway: the same job goes on, under the same row keys.
            job.status, job.errors, job.finished_at = "queued", [], None
        else:
            job = ImportJob(
                shop_id=g.caller.shop_id, actor=actor(), filename=filename[:255], layout=layout.name, digest=digest, dry_run=query.dry_run
            )
            job.content = text
            uow.session.add(job)
        uow.commit()
        answer = _job_json(job)
    enqueue_import(perks().queue, job.id)
    return jsonify(job=answer), 202


@bp.post("/imports/<row:job_id>/import")
@merchant_required
@endpoint(
    "Import the file a dry run read, as it read it: a new import job",
    security="session",
    ok=202,
    answer=OneImport,
    refusals={
        404: "no such dry run in this shop",
        409: "the dry run has not finished, its file was imported already, or is being imported now",
    },
)
def import_dry_run(job_id: int):
    with UnitOfWork(perks().sessions) as uow:
        tried = uow.session.scalar(
            select(ImportJob)
            .where(ImportJob.shop_id == g.caller.shop_id, ImportJob.id == job_id, ImportJob.dry_run.is_(True))
            .with_for_update()
        )
        if tried is None:
            raise not_found("such dry run")
        if tried.status != "done" or not tried.content:
            message = "the dry run has not finished yet" if tried.status != "done" else "this dry run's file was imported already"
            raise ApiError(409, "not_ready", message)
        _refuse_if_imported(uow.session, g.caller.shop_id, tried.digest)
        job = ImportJob(shop_id=g.caller.shop_id, actor=actor(), filename=tried.filename, layout=tried.layout, digest=tried.digest)
        # The file moves to the import: a dry run keeps customers' emails only until then.
        job.content, tried.content = tried.content, ""
        uow.session.add(job)
        uow.commit()
        answer = _job_json(job)
    enqueue_import(perks().queue, job.id)
    return jsonify(job=answer), 202


def _refuse_if_imported(session: Session, shop_id: int, digest: str) -> None:
    """409 when the same file was imported, or is being imported: its points would be added twice."""
    # Two uploads of one file at the same moment: the row lock below finds no row to lock for
    # either, so the file itself is locked first; the second then sees the first's job.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"import:{shop_id}:{digest}", 0))))
    earlier = session.scalar(
        select(ImportJob)
        .where(ImportJob.shop_id == shop_id, ImportJob.digest == digest, ImportJob.status != "failed", ImportJob.dry_run.is_(False))
        .with_for_update()
    )
    if earlier is not None:
        # A job's rows are keyed by the job: the same file in a second job would add its points twice.
        done = earlier.status == "done"
        when = f"was already imported on {earlier.finished_at:%Y-%m-%d %H:%M} UTC" if done else "is being imported now"
        message = f"this file {when}; importing it again would add its points twice"
        raise ApiError(409, "already_imported", f"file: {message}", {"file": message})


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
        return jsonify(job=_job_json(_shops_job(uow.session, job_id)))


@bp.get("/imports/<row:job_id>/refused.csv")
@merchant_required
@endpoint(
    "An import's refused rows as CSV, to fix and import again: each row's line and reason, then its own cells under the file's header",
    security="session",
    returns="text/csv",
    refusals={404: "no such import in this shop"},
)
def refused_rows(job_id: int):
    with UnitOfWork(perks().sessions) as uow:
        job = _shops_job(uow.session, job_id)
        header, errors, name = job.refused_header, job.errors, job.filename.rsplit(".", 1)[0] or "import"
    return Response(
        "".join(transfer.refused_csv(header, errors)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_safe_name(name)}-refused-rows.csv"'},
    )


def _shops_job(session: Session, job_id: int) -> ImportJob:
    """The caller's shop's import, or 404: another shop's is as unknown as one that never was."""
    job = session.scalar(select(ImportJob).where(ImportJob.shop_id == g.caller.shop_id, ImportJob.id == job_id))
    if job is None:
        raise not_found("such import")
    return job


def _safe_name(name: str) -> str:
    # The merchant's own file name, in a header: nothing that could end the quoted value.
    return "".join(c if c.isalnum() or c in "-_. " else "_" for c in name)[:100]


def _job_json(job: ImportJob) -> dict:
    status, progress = job.status, {"done": job.total_rows, "total": job.total_rows}
    if status in ("queued", "running"):
        status, progress = _running(job)
    return {
        "id": job.id,
        "filename": job.filename,
        "layout": job.layout,
        "status": status,
        "dry_run": job.dry_run,
        "progress": progress,
        "total_rows": job.total_rows,
        "imported_rows": job.imported_rows,
        "points_imported": job.points_imported,
        "matched_members": job.matched_members,
        "new_members": job.new_members,
        "pending_rows": job.pending_rows,
        "pending_points": job.pending_points,
        "refused_rows": len(job.errors),
        "unknown_tiers": job.unknown_tiers,
        "errors": [{"row": e["row"], "message": e["message"]} for e in job.errors[:ERRORS_SHOWN]],
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
