"""Raw webhook payloads are kept only as long as they are useful: after the retention
(PERKS_PAYLOAD_RETENTION_DAYS, 30 by default) a finished delivery keeps its row
(topic, ids, status, times) but its payload is replaced by a redaction marker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.config import Settings
from shopify_app.db import session_factory
from shopify_app.loyalty.privacy import REDACTED_PAYLOAD
from shopify_app.models import WebhookDelivery
from shopify_app.unit_of_work import UnitOfWork

# Done, seen twice, or refused for good (a failed delivery must be replayed within the retention).
FINISHED = ("done", "duplicate", "failed")
BATCH = 1000


def purge_payloads() -> int:
    """rq entry point for the cron."""
    settings = Settings.from_env()
    return purge_payloads_with(session_factory(settings.database_url), datetime.now(UTC), settings.payload_retention_days)


def purge_payloads_with(sessions: sessionmaker[Session], now: datetime, retention_days: int) -> int:
    """Redact the payloads of finished deliveries received before the retention, BATCH per transaction;
    safe to run twice, late or at once on two hosts. The number redacted."""
    before = now - timedelta(days=retention_days)
    purged = 0
    while True:
        with UnitOfWork(sessions) as uow:
            ids = list(
                uow.session.scalars(
                    select(WebhookDelivery.id)
                    .where(
                        WebhookDelivery.status.in_(FINISHED),
                        WebhookDelivery.received_at < before,
                        WebhookDelivery.payload != REDACTED_PAYLOAD,
                    )
                    .order_by(WebhookDelivery.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            if ids:
                uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(payload=REDACTED_PAYLOAD))
            uow.commit()
        purged += len(ids)
        if len(ids) < BATCH:
            return purged
