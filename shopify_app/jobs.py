"""What the rq worker runs. Each job builds its own sessions from the worker's environment."""

from __future__ import annotations

import logging
from datetime import timedelta

from shopify_app.config import Settings
from shopify_app.db import session_factory
from shopify_app.queue import connection, enqueue_delivery, publish_outcomes, queue, retry_delivery, take_batch, waiting, wake
from shopify_app.unit_of_work import UnitOfWork
from webhooks import deliveries

log = logging.getLogger(__name__)
SWEEP_PAGE = 1000  # deliveries the sweeper reads at a time


def drain_deliveries() -> int:
    """Process the inbox's next batch in one transaction, or each delivery in its own if that fails; returns how many ended."""
    settings = Settings.from_env()
    q = queue(settings.redis_url, settings.queue_name)
    sessions = session_factory(settings.database_url)
    batch = take_batch(q)
    outcomes = deliveries.process_together(sessions, batch) if len(batch) > 1 else None
    if outcomes is None:
        outcomes = {}
        for delivery_id in batch:
            try:
                outcomes[delivery_id] = deliveries.process(sessions, delivery_id)
            except Exception:  # noted by process() and left for the sweeper; rq's Retry is the quicker way back
                retry_delivery(q, delivery_id)
    publish_outcomes(q.connection, outcomes)
    return len(outcomes)


def process_delivery(delivery_id: int) -> str:
    """One delivery on its own: a retry after its batch failed it (rq's Retry schedule), or a replay."""
    settings = Settings.from_env()
    status = deliveries.process(session_factory(settings.database_url), delivery_id)
    publish_outcomes(connection(settings.redis_url), {delivery_id: status})
    return status


def sweep(older_than_seconds: int = 60) -> int:
    return sweep_with(Settings.from_env(), older_than_seconds)


def sweep_with(settings: Settings, older_than_seconds: int) -> int:
    """Make sure every delivery still to process has someone to take it; returns how many were put back.

    Deliveries neither processed nor waiting in the inbox (their enqueue, their
    batch or Redis itself was lost; or a transient failure past its backoff)
    go back in it, however many. Then, if ids wait in the inbox, a drain is
    asked for: a quiet shop sends no webhook that would ask for one.
    """
    q = queue(settings.redis_url, settings.queue_name)
    sessions = session_factory(settings.database_url)
    inbox = waiting(q)
    put_back, after = 0, 0
    while True:
        with UnitOfWork(sessions) as uow:
            ids = deliveries.unprocessed(uow.session, timedelta(seconds=older_than_seconds), after=after, limit=SWEEP_PAGE)
        lost = [delivery_id for delivery_id in ids if delivery_id not in inbox]
        if lost:
            enqueue_delivery(q, *lost)
            put_back += len(lost)
        if len(ids) < SWEEP_PAGE:
            break
        after = ids[-1]
    woken = wake(q)
    with UnitOfWork(sessions) as uow:
        loud = deliveries.retrying_loudly(uow.session)
    if put_back or woken:
        log.info("swept %d deliveries into the queue%s", put_back, "; asked for a drain of the inbox" if woken else "")
    if loud:
        log.error("%d deliveries failed %d times or more and are still retried: `perks failed` lists them", loud, deliveries.RETRY_LOUD)
    return put_back
