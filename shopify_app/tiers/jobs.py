"""Tiers reviewed at their window's end (hourly) and written to Shopify (every minute); safe to run twice or late.
Every member placed when the merchant saves a ladder (`place_members`, queued by the admin), in batches, with progress."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue, Retry, get_current_job
from rq.job import Job, JobStatus
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.queue import progress_in_meta
from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop import tokens
from shopify_app.shop.each_shop import each_due, in_chunks
from shopify_app.tiers import sync as tier_sync
from shopify_app.tiers import tiers


def review_tiers() -> int:
    runtime, now = current(), datetime.now(UTC)
    return review_tiers_with(runtime.sessions, now) + len(resume_placements(runtime.sessions, runtime.queue, now))


def sync_tiers() -> dict[str, int]:
    runtime = current()
    sessions, settings = runtime.sessions, runtime.settings
    return tier_sync.sync(sessions, lambda domain: tokens.admin_client(sessions, settings, domain))


def review_tiers_with(sessions: sessionmaker[Session], now: datetime) -> int:
    """Tiers at their window's end: kept if still earned, else moved down."""

    return each_due(
        sessions,
        lambda session, shop: tiers.due_for_review(session, shop, now),
        lambda session, shop, ids: tiers.review(session, shop, ids, now),
    )


log = logging.getLogger(__name__)
PLACEMENT_TIMEOUT = 3600
# A placement owed this long after its save, with no job waiting or running, was lost: the hourly job queues it again.
RESUME_AFTER = timedelta(minutes=10)
# What rq says of a job, as the admin tells the merchant.
STATUSES = {
    JobStatus.QUEUED: "queued",
    JobStatus.DEFERRED: "queued",
    JobStatus.SCHEDULED: "queued",
    JobStatus.STARTED: "running",
    JobStatus.FINISHED: "done",
    JobStatus.FAILED: "failed",
    JobStatus.STOPPED: "failed",
    JobStatus.CANCELED: "failed",
}


def _latest_key(shop_id: int) -> str:
    return f"perks:tiers:placement:{shop_id}"


def enqueue_placement(queue: Queue, shop_id: int, members: int) -> str:
    """Queue the placement of the shop's `members` after a ladder was saved (and committed); its rq job id.

    The shop's newest placement is the one Redis names: an earlier one still running stops at its next batch, so the
    later ladder wins."""
    job_id = f"tiers-place-{shop_id}-{uuid.uuid4().hex[:12]}"
    queue.connection.set(_latest_key(shop_id), job_id, ex=86400)
    queue.enqueue(
        "shopify_app.tiers.jobs.place_members",
        shop_id,
        job_id=job_id,
        meta={"progress": {"done": 0, "total": members}},
        result_ttl=86400,
        failure_ttl=86400,
        # A run that died starts again from the first member; placing twice moves no one twice.
        retry=Retry(max=3, interval=[5, 30, 120]),
        job_timeout=PLACEMENT_TIMEOUT,
    )
    return job_id


def resume_placements(sessions: sessionmaker[Session], queue: Queue, now: datetime) -> list[int]:
    """Queue again each placement still owed a while after its ladder was saved (Redis was down at the save, or lost the
    job) and neither waiting nor running now; the shops whose placement was queued."""
    with UnitOfWork(sessions) as uow:
        owed = {shop_id: tiers.members_total(uow.session, shop_id) for shop_id in tiers.placements_owed(uow.session, now - RESUME_AFTER)}
    queued = []
    for shop_id, members in owed.items():
        status = placement_status(queue.connection, shop_id)
        if status is None or status["status"] not in ("queued", "running"):
            enqueue_placement(queue, shop_id, members)
            queued.append(shop_id)
    return queued


def placement_status(redis: Redis, shop_id: int) -> dict | None:
    """The shop's newest placement as the admin shows it: queued, running, done or failed, and members done of all;
    None if there has been none lately (or Redis cannot say)."""
    try:
        job_id = redis.get(_latest_key(shop_id))
        if job_id is None:
            return None
        job = Job.fetch(job_id.decode(), connection=redis)
        status = job.get_status(refresh=False)
    except Exception:  # no such job any more, or Redis unreachable: progress is for the person watching; never an error of the page
        log.warning("placement of shop %s unknown", shop_id, exc_info=True)
        return None
    progress = job.meta.get("progress") or {"done": 0, "total": 0}
    return {"status": STATUSES.get(status, "queued"), "done": progress["done"], "total": progress["total"]}


def place_members(shop_id: int) -> str:
    rq_job = get_current_job()
    redis = current().queue.connection

    def superseded() -> bool:
        latest = redis.get(_latest_key(shop_id))
        return rq_job is not None and latest is not None and latest.decode() != rq_job.id

    try:
        return place_with(
            current().sessions, shop_id, datetime.now(UTC), progress_in_meta(f"the tier placement of shop {shop_id}"), superseded
        )
    except Exception:
        if superseded():  # the later ladder removed a tier this run was placing members in
            log.info("tier placement of shop %s stopped by a later ladder", shop_id)
            return "superseded"
        raise


class _Superseded(Exception):
    pass


def place_with(
    sessions: sessionmaker[Session],
    shop_id: int,
    now: datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
    superseded: Callable[[], bool] = lambda: False,
) -> str:
    """Every member of the shop placed on its ladder, a batch per transaction; "superseded" if a later save came first."""
    with UnitOfWork(sessions) as uow:
        owed_since = tiers.placement_owed_since(uow.session, shop_id)
        members = tiers.to_place(uow.session, shop_id)
    progress(0, len(members))

    def batch(session: Session, shop, ids: list[int]) -> int:
        if superseded():
            raise _Superseded
        return tiers.place(session, shop, ids, now)

    try:
        in_chunks(sessions, shop_id, members, batch, lambda done: progress(done, len(members)))
    except _Superseded:
        log.info("tier placement of shop %s stopped by a later ladder", shop_id)
        return "superseded"
    with UnitOfWork(sessions) as uow:
        tiers.placement_done(uow.session, shop_id, owed_since)
        uow.commit()
    log.info("tier placement of shop %s: %d members", shop_id, len(members))
    return "done"
