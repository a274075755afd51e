"""What the rq worker runs. Each job builds its own sessions from the worker's environment."""

from __future__ import annotations

import logging
from datetime import timedelta

from shopify_app.config import Settings
from shopify_app.db import session_factory
from shopify_app.queue import connection, enqueue_delivery, publish_outcomes, queue, retry_delivery, take_batch, waiting
from shopify_app.unit_of_work import UnitOfWork
from webhooks import deliveries

log = logging.getLogger(__name__)


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
            except Exception:  # noted as failed by process(); the rest of the batch goes on
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
    """Put recorded deliveries that never reached the inbox back in it; returns how many.

    Those still waiting there are left alone: behind a backlog of more than a
    minute they are late, not lost.
    """
    q = queue(settings.redis_url, settings.queue_name)
    with UnitOfWork(session_factory(settings.database_url)) as uow:
        ids = deliveries.unprocessed(uow.session, timedelta(seconds=older_than_seconds))
    lost = sorted(set(ids) - waiting(q))
    if lost:
        enqueue_delivery(q, *lost)
        log.info("swept %d deliveries into the queue", len(lost))
    return len(lost)
