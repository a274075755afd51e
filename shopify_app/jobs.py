"""What the rq worker runs. Each job builds its own sessions from the worker's environment."""

from __future__ import annotations

import logging
from datetime import timedelta

from shopify_app.config import Settings
from shopify_app.db import session_factory
from shopify_app.queue import enqueue_delivery, queue
from shopify_app.unit_of_work import UnitOfWork
from webhooks import deliveries

log = logging.getLogger(__name__)


def process_delivery(delivery_id: int) -> str:
    return deliveries.process(session_factory(Settings.from_env().database_url), delivery_id)


def sweep(older_than_seconds: int = 60) -> int:
    return sweep_with(Settings.from_env(), older_than_seconds)


def sweep_with(settings: Settings, older_than_seconds: int) -> int:
    """Enqueue recorded deliveries that never reached the queue; returns how many."""
    with UnitOfWork(session_factory(settings.database_url)) as uow:
        ids = deliveries.unprocessed(uow.session, timedelta(seconds=older_than_seconds))
    q = queue(settings.redis_url, settings.queue_name)
    for delivery_id in ids:
        enqueue_delivery(q, delivery_id)
    if ids:
        log.info("swept %d deliveries into the queue", len(ids))
    return len(ids)
