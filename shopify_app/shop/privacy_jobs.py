"""Raw webhook payloads and the API keys' call log are kept only as long as they are useful:
after the retention (PERKS_PAYLOAD_RETENTION_DAYS, 30 by default) a finished delivery keeps
its row (topic, ids, status, times) but its payload is replaced by a redaction marker, and
a key's calls older than that are deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.models import ApiKeyUse
from shopify_app.shop.privacy import REDACTED_PAYLOAD
from webhooks.models import WebhookDelivery

# Done, seen twice, or refused for good (a failed delivery must be replayed within the retention).
FINISHED = ("done", "duplicate", "failed")
BATCH = 1000


def purge_payloads() -> int:
    """rq entry point for the cron: the payloads, then the key calls, past the retention."""
    runtime, now = current(), datetime.now(UTC)
    days = runtime.settings.payload_retention_days
    return purge_payloads_with(runtime.sessions, now, days) + forget_key_uses_with(runtime.sessions, now, days)


def forget_key_uses_with(sessions: sessionmaker[Session], now: datetime, retention_days: int) -> int:
    """Delete API key calls made before the retention, BATCH per transaction (oldest ids first). The number deleted."""
    before = now - timedelta(days=retention_days)
    forgotten = 0
    while True:
        with UnitOfWork(sessions) as uow:
            oldest = select(ApiKeyUse.id).where(ApiKeyUse.at < before).order_by(ApiKeyUse.id).limit(BATCH)
            deleted = uow.session.execute(delete(ApiKeyUse).where(ApiKeyUse.id.in_(oldest.scalar_subquery()))).rowcount
            uow.commit()
        forgotten += deleted
        if deleted < BATCH:
            return forgotten


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
