"""What the rq worker runs, on the runtime `perks worker` installed at its start."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from shopify_app.core.queue import enqueue_delivery, lane_of, publish_outcomes, release, retry_delivery, take_batch, waiting, wake
from shopify_app.core.runtime import Runtime, current
from shopify_app.core.unit_of_work import UnitOfWork
from webhooks import deliveries

log = logging.getLogger(__name__)
SWEEP_PAGE = 1000  # deliveries the sweeper reads at a time


def drain_deliveries(lane: int = 0) -> int:
    """Process a lane's next batch in one transaction, or each delivery in its own if that fails; returns how many ended.

    A drain finding its lane worked by another leaves at once: that one asks for the next drain when it is done.
    """
    runtime = current()
    q, sessions = runtime.queue, runtime.sessions
    holder = uuid.uuid4().hex
    batch = take_batch(q, lane, holder)
    if batch is None:
        return 0
    try:
        outcomes = deliveries.process_together(sessions, batch, q) if len(batch) > 1 else None
        if outcomes is None:
            outcomes = {}
            for delivery_id in batch:
                try:
                    outcomes[delivery_id] = deliveries.process(sessions, delivery_id, q)
                except Exception:  # noted by process() and left for the sweeper; rq's Retry is the quicker way back
                    retry_delivery(q, delivery_id)
    finally:
        release(q, lane, holder)
    publish_outcomes(q.connection, outcomes)
    return len(outcomes)


def process_delivery(delivery_id: int) -> str:
    """One delivery on its own: a retry after its batch failed it (rq's Retry schedule), or a replay."""
    runtime = current()
    status = deliveries.process(runtime.sessions, delivery_id, runtime.queue)
    publish_outcomes(runtime.queue.connection, {delivery_id: status})
    return status


def sweep(older_than_seconds: int = 60) -> int:
    return sweep_with(current(), older_than_seconds)


def sweep_with(runtime: Runtime, older_than_seconds: int) -> int:
    """Make sure every delivery still to process has someone to take it; returns how many were put back.

    Deliveries neither processed nor waiting in the inbox (their enqueue, their
    batch or Redis itself was lost; or a transient failure past its backoff)
    go back in it, however many. Then, if ids wait in the inbox, a drain is
    asked for: a quiet shop sends no webhook that would ask for one.
    """
    q, sessions = runtime.queue, runtime.sessions
    inbox = waiting(q)
    put_back, after = 0, 0
    while True:
        with UnitOfWork(sessions) as uow:
            ids = deliveries.unprocessed(uow.session, timedelta(seconds=older_than_seconds), after=after, limit=SWEEP_PAGE)
        lost = [delivery_id for delivery_id in ids if delivery_id not in inbox]
        # Spread by id, not by customer (that is in the payload): a put-back of thousands after
        # Redis lost them is drained by every worker, and the database keeps the lanes' promise.
        for lane in {lane_of(delivery_id) for delivery_id in lost}:
            enqueue_delivery(q, *(delivery_id for delivery_id in lost if lane_of(delivery_id) == lane), lane=lane)
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
