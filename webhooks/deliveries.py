"""Recorded deliveries: kept before they are answered, processed once, swept if lost."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.db import insert_ignoring_conflicts
from shopify_app.loyalty.errors import LoyaltyError
from shopify_app.models import Shop, WebhookDelivery
from shopify_app.unit_of_work import UnitOfWork

from .handlers import HANDLERS

log = logging.getLogger(__name__)

# Headers kept with each delivery; the HMAC is left out as it proves nothing later.
KEPT_HEADERS = (
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
)


def record(session: Session, shop: Shop, headers: dict[str, str], body: bytes) -> int | None:
    """Keep the delivery; its id, or None when this webhook id was recorded before."""
    return session.execute(
        insert_ignoring_conflicts(session, WebhookDelivery, ["shop_id", "webhook_id"])
        .values(
            shop_id=shop.id,
            webhook_id=headers["X-Shopify-Webhook-Id"],
            event_id=headers.get("X-Shopify-Event-Id"),
            topic=headers["X-Shopify-Topic"],
            api_version=headers.get("X-Shopify-API-Version"),
            headers={name: headers[name] for name in KEPT_HEADERS if name in headers},
            payload=body.decode(),
            status="received",
            attempts=0,
            received_at=datetime.now(UTC),
        )
        .returning(WebhookDelivery.id)
    ).scalar()


def process(sessions: sessionmaker[Session], delivery_id: int) -> str:
    """Run one delivery's handler in one transaction; returns the delivery's status.

    A refusal by the domain (bad payload, shop gone) is final and kept as
    failed; anything else is raised after being noted, so the queue retries.
    """
    try:
        with UnitOfWork(sessions) as uow:
            delivery = uow.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()).one_or_none()
            if delivery is None:
                return "missing"
            if delivery.status in ("done", "duplicate"):
                return delivery.status
            status = "duplicate" if _event_already_processed(uow.session, delivery) else "done"
            if status == "done":
                shop_domain = uow.session.get(Shop, delivery.shop_id).domain
                HANDLERS[delivery.topic](uow.session, shop_domain, json.loads(delivery.payload))
            # A statement, not the loaded object: shop/redact deletes this very row.
            uow.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id)
                .values(status=status, attempts=WebhookDelivery.attempts + 1, processed_at=datetime.now(UTC), last_error=None)
            )
            uow.commit()
            return status
    except LoyaltyError as refusal:
        _note_failure(sessions, delivery_id, refusal)
        return "failed"
    except Exception as error:
        _note_failure(sessions, delivery_id, error)
        raise


def _event_already_processed(session: Session, delivery: WebhookDelivery) -> bool:
    """Shopify re-sends one event under new webhook ids; the event id gives it away."""
    if not delivery.event_id:
        return False
    return (
        session.scalar(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.shop_id == delivery.shop_id,
                WebhookDelivery.event_id == delivery.event_id,
                WebhookDelivery.id != delivery.id,
                WebhookDelivery.status == "done",
            )
            .limit(1)
        )
        is not None
    )


def _note_failure(sessions: sessionmaker[Session], delivery_id: int, error: Exception) -> None:
    log.warning("delivery %s failed: %r", delivery_id, error)
    with UnitOfWork(sessions) as uow:
        uow.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status != "done")
            .values(status="failed", attempts=WebhookDelivery.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:2000])
        )
        uow.commit()


def unprocessed(session: Session, older_than: timedelta, limit: int = 1000) -> list[int]:
    """Deliveries recorded but never processed: their enqueue was lost (Redis down)."""
    cutoff = datetime.now(UTC) - older_than
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "received", WebhookDelivery.received_at <= cutoff)
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )


def failed(session: Session, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "failed").order_by(WebhookDelivery.id.desc()).limit(limit))
    )


def reopen(session: Session, delivery_id: int) -> bool:
    """Make a failed delivery processable again (for a replay)."""
    result = session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "failed").values(status="received")
    )
    return result.rowcount == 1
