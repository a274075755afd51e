"""Recorded deliveries: kept before they are answered, processed once, swept if lost."""

from __future__ import annotations

import json
import logging
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import psycopg
from rq import Queue
from sqlalchemy import and_, exists, func, or_, select, text, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.core.errors import InvalidCommand, LoyaltyError
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import batch, guests
from shopify_app.ledger.commands import PayOrder, SaveCustomer
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import remember_shop, settings_read_once
from shopify_app.shopify import collections
from webhooks import translate
from webhooks.handlers import HANDLERS
from webhooks.models import WebhookDelivery
from webhooks.parsing import parse_json

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
        insert_ignoring_conflicts(WebhookDelivery, ["shop_id", "webhook_id"])
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


# Shop lookup and insert-or-nothing for several deliveries in one statement,
# a row of VALUES each (arrays and unnest cost the client three times the CPU:
# psycopg dumps arrays in Python). On PostgreSQL it runs in autocommit: the
# server commits (and flushes the WAL) before it answers, so the deliveries
# are recorded durably in one round trip and one WAL flush.
_RECORD_FOR_DOMAINS = """
WITH delivery (n, domain, after_uninstall, webhook_id, event_id, topic, api_version, headers, payload, received_at) AS (
    VALUES {rows}
), found AS (
    SELECT delivery.n, shops.id AS shop_id
    FROM delivery JOIN shops ON shops.domain = delivery.domain AND (shops.uninstalled_at IS NULL OR delivery.after_uninstall)
), recorded AS (
    INSERT INTO webhook_deliveries
        (shop_id, webhook_id, event_id, topic, api_version, headers, payload, status, attempts, received_at)
    SELECT found.shop_id, webhook_id, event_id, topic, api_version, headers, payload, 'received', 0, received_at
    FROM delivery JOIN found USING (n)
    ORDER BY n
    ON CONFLICT (shop_id, webhook_id) DO NOTHING
    RETURNING id, shop_id, webhook_id
)
SELECT found.shop_id, recorded.id
FROM delivery
LEFT JOIN found USING (n)
LEFT JOIN recorded ON recorded.shop_id = found.shop_id AND recorded.webhook_id = delivery.webhook_id
ORDER BY n
"""
_ROW = "({n}, %s::text, %s::bool, %s::text, %s::text, %s::text, %s::text, %s::json, %s::text, %s::timestamptz)"


@cache
def _record_for_domains(count: int) -> str:
    """The statement for `count` deliveries: psycopg prepares each count's once per connection."""
    return _RECORD_FOR_DOMAINS.format(rows=", ".join(_ROW.format(n=n) for n in range(count)))


@dataclass(frozen=True)
class Received:
    """A verified delivery to record for the shop of its X-Shopify-Shop-Domain.

    The shop counts while installed, and after an uninstall only for the
    topics Shopify sends then (`after_uninstall`).
    """

    headers: dict[str, str]
    payload: str
    after_uninstall: bool


def record_for_domains(cursor: psycopg.Cursor, received: list[Received]) -> list[tuple[bool, int | None]]:
    """Keep the deliveries, committed on return: for each, in order, (shop found, id or None when seen before).

    `cursor`'s connection is in autocommit (the web's own, webhooks/receive.py),
    and the statement is prepared once per connection. A webhook id given twice
    is recorded once, and its id answered to the first only, as if they came one
    after the other.
    """
    now = datetime.now(UTC)
    rows = cursor.execute(
        _record_for_domains(len(received)),
        [
            value
            for r in received
            for value in (
                r.headers["X-Shopify-Shop-Domain"],
                r.after_uninstall,
                r.headers["X-Shopify-Webhook-Id"],
                r.headers.get("X-Shopify-Event-Id"),
                r.headers["X-Shopify-Topic"],
                r.headers.get("X-Shopify-API-Version"),
                json.dumps({name: r.headers[name] for name in KEPT_HEADERS if name in r.headers}),
                r.payload,
                now,
            )
        ],
        prepare=True,
    ).fetchall()
    answered: set[int] = set()
    outcomes = []
    for shop_id, delivery_id in rows:
        outcomes.append((shop_id is not None, None if delivery_id in answered else delivery_id))
        answered.add(delivery_id)
    return outcomes


def process(sessions: sessionmaker[Session], delivery_id: int, q: Queue | None = None) -> str:
    """Run one delivery's handler in one transaction; returns the delivery's status.

    A refusal by the domain (bad payload, shop gone) is final and kept as
    failed. Anything else (the database gone, a deadlock, a bug) is transient:
    the delivery stays "received" with its attempt noted, so the sweeper runs
    it again after a backoff whatever became of the queue, and the error is
    raised for the caller's own quicker retry. Follow-up jobs (a collections
    fill) go on `q`, the caller's queue.
    """
    try:
        with UnitOfWork(sessions) as uow:
            found = uow.session.execute(_locked([delivery_id])).one_or_none()
            if found is None:
                return "missing"
            delivery, shop, seen_before = found
            if delivery.status in ("done", "duplicate"):
                return delivery.status
            status = _handle(uow.session, delivery, shop, parse_json(delivery.payload), seen_before, q)
            _settle(uow.session, [delivery_id], status)
            uow.commit()
            return status
    except LoyaltyError as refusal:
        _note_failure(sessions, delivery_id, refusal, final=True)
        return "failed"
    except Exception as error:
        _note_failure(sessions, delivery_id, error, final=False)
        raise


# Topics whose handlers only add to one customer's or order's standing; the
# rest (uninstall, merges, privacy) delete or move rows and run alone.
TOGETHER = frozenset(
    {
        "orders/paid",
        "customers/create",
        "customers/update",
        "customers_email_marketing_consent/update",
        "refunds/create",
        "orders/cancelled",
    }
)


def process_together(sessions: sessionmaker[Session], delivery_ids: list[int], q: Queue | None = None) -> dict[int, str] | None:
    """Run several deliveries in one transaction, one commit for all: their statuses.

    None when any of them fails or is not of a TOGETHER topic: then nothing
    is kept and the caller runs each on its own, with its own outcome. Two
    batches that lock the same members the other way round deadlock, and
    PostgreSQL lets one of them fail, so each batch takes its deliveries in
    customer and order order, and the loser is simply run one by one.
    """
    try:
        with UnitOfWork(sessions) as uow:
            settings_read_once(uow.session)
            uow.session.execute(_PLANNED_EACH_TIME)
            found = uow.session.execute(_locked(delivery_ids)).all()
            if any(delivery.topic not in TOGETHER for delivery, _, _ in found):
                return None
            outcomes = dict.fromkeys(delivery_ids, "missing")
            settled: dict[str, list[int]] = {"done": [], "duplicate": []}
            events: set[tuple[int, str]] = set()
            runs = [(delivery, shop, seen_before, parse_json(delivery.payload)) for delivery, shop, seen_before in found]
            work = []
            for delivery, shop, seen_before, payload in sorted(runs, key=lambda run: translate.lock_order(run[0].topic, run[3])):
                if delivery.status in ("done", "duplicate"):
                    outcomes[delivery.id] = delivery.status
                    continue
                # The batch's own earlier deliveries are not "done" in the table until it commits.
                event = (delivery.shop_id, delivery.event_id)
                status = "duplicate" if seen_before or event in events else "done"
                if status == "done":
                    if delivery.event_id:
                        events.add(event)
                    work.append((delivery, shop, payload))
                outcomes[delivery.id] = status
                settled[status].append(delivery.id)
            for delivery, shop, payload in _as_sets(uow.session, work, q):
                _handle(uow.session, delivery, shop, payload, False, q)
            for status, ids in settled.items():
                _settle(uow.session, ids, status)
            uow.commit()
            return outcomes
    except Exception as error:
        log.warning("%d deliveries go one by one: their batch failed with %r", len(delivery_ids), error)
        return None


# A batch's statements are planned for the arrays and tables they meet. psycopg prepares a statement
# after five runs, and PostgreSQL then keeps one generic plan for the connection's life: one made while
# a new shop's tables were nearly empty scanned every member and order of the shop for each batch once
# they had grown (the month replay: _PAYABLE went from under a millisecond to 40-400 ms a batch). And a
# batch reads a few dozen rows by their keys, from tables that live in memory: at the default random
# page cost (4, a spinning disk's) the planner preferred reading every member of a 15,000-member shop.
_PLANNED_EACH_TIME = text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true), set_config('random_page_cost', '1.1', true)")

# The customer topics whose deliveries a batch may save as sets (ledger/batch.py save_customers).
_SAVED = {"customers/create": translate.customer_created, "customers/update": translate.customer_updated}


def _as_sets(session: Session, work: list[tuple[WebhookDelivery, Shop, dict]], q: Queue | None) -> list:
    """Save the batch's plain customers and pay its plain orders as sets (ledger/batch.py); the
    deliveries left to run one by one, in lock order.

    A delivery goes to a set only when nothing else in the batch touches its
    order (a refund, another payment of it) nor its customer (a second save, a
    payment with another profile, a consent update): what those do depends on
    the order they run in, so they all run one by one, after the sets, as the
    batch always ran them. A customer's one save and then their payments keep
    their order as sets: customers are saved before orders are paid.
    """
    paid: dict[int, PayOrder] = {}
    saved: dict[int, SaveCustomer] = {}
    for delivery, shop, payload in work:
        with suppress(InvalidCommand):  # refused by its own handler, one by one
            if delivery.topic == "orders/paid":
                paid[delivery.id] = translate.order_paid(shop.domain, payload)
            elif delivery.topic in _SAVED:
                saved[delivery.id] = _SAVED[delivery.topic](shop.domain, payload)
    busy_customers: Counter[int] = Counter()
    busy_orders: Counter[int] = Counter()
    profiles: dict[int, set] = {}
    for delivery, _, payload in work:
        customer, order = translate.lock_order(delivery.topic, payload)
        busy_orders[order] += 1
        if delivery.id in paid and customer:
            profiles.setdefault(customer, set()).add(paid[delivery.id].customer)
        else:
            busy_customers[customer] += 1
    joins: dict[int, dict[int, int]] = {}  # per shop, the delivery of each customer saved as a set
    for delivery, shop, _ in work:
        if delivery.id in saved:
            customer_id = saved[delivery.id].profile.customer_id
            if busy_customers[customer_id] == 1:  # this save alone: its customer's payments, if any, run after it
                joins.setdefault(shop.id, {})[customer_id] = delivery.id
    # A guest's order run before or after an account with its email joins is paid to the member or held
    # for it (and only the first remembers the member's address): such an account joins one by one.
    guest_emails = {guests.normalise(cmd.email) for cmd in paid.values() if cmd.customer is None} - {None}
    shops = {shop.id: shop for _, shop, _ in work}
    now = datetime.now(UTC)
    taken: set[int] = set()
    joined: set[int] = set()
    for shop_id, deliveries in joins.items():  # customers first, then orders: the lock order
        saving = [saved[delivery_id] for delivery_id in deliveries.values()]
        left = {cmd.profile.customer_id for cmd in batch.save_customers(session, shops[shop_id], saving, now=now, busy_emails=guest_emails)}
        joined |= set(deliveries) - left
        taken |= {delivery_id for customer_id, delivery_id in deliveries.items() if customer_id not in left}
    together: dict[int, dict[int, int]] = {}  # per shop, the delivery of each order paid as a set
    for delivery, shop, _ in work:
        cmd = paid.get(delivery.id)
        if cmd is None or cmd.customer is None or busy_orders[cmd.order_id] > 1:
            continue
        # A customer's payments go together when they carry one profile and nothing else in the batch
        # touches the customer but a save the set just made (it comes first one by one too).
        customer_id = cmd.customer.customer_id
        if busy_customers[customer_id] == (customer_id in joined) and len(profiles[customer_id]) == 1:
            together.setdefault(shop.id, {})[cmd.order_id] = delivery.id
    for shop_id, deliveries in together.items():
        fills = collections.for_shop(q, shops[shop_id].domain) if q is not None else None
        left = batch.pay_orders(
            session,
            shops[shop_id],
            [paid[delivery_id] for delivery_id in deliveries.values()],
            now=now,
            collections=fills,
            busy_emails=guest_emails,
        )
        taken |= set(deliveries.values()) - {deliveries[cmd.order_id] for cmd in left}
    return [(delivery, shop, payload) for delivery, shop, payload in work if delivery.id not in taken]


def _locked(delivery_ids: list[int]):
    """The deliveries, locked, each with its shop and whether its event was processed under another webhook id."""
    return (
        select(WebhookDelivery, Shop, _EVENT_ALREADY_PROCESSED)
        .join(Shop, Shop.id == WebhookDelivery.shop_id)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .order_by(WebhookDelivery.id)
        .with_for_update(of=WebhookDelivery)
    )


def _handle(session: Session, delivery: WebhookDelivery, shop: Shop, payload: dict, seen_before: bool, q: Queue | None) -> str:
    if seen_before:
        return "duplicate"
    remember_shop(session, shop)
    HANDLERS[delivery.topic](session, shop.domain, payload, q)
    return "done"


def _settle(session: Session, delivery_ids: list[int], status: str) -> None:
    # A statement, not the loaded objects: shop/redact deletes its own delivery's row.
    if delivery_ids:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(delivery_ids))
            .values(status=status, attempts=WebhookDelivery.attempts + 1, processed_at=datetime.now(UTC), last_error=None)
        )


# Shopify re-sends one event under new webhook ids; the event id gives it away.
_OTHER = aliased(WebhookDelivery)
_EVENT_ALREADY_PROCESSED = (
    exists()
    .where(
        _OTHER.shop_id == WebhookDelivery.shop_id,
        WebhookDelivery.event_id != "",
        _OTHER.event_id == WebhookDelivery.event_id,
        _OTHER.id != WebhookDelivery.id,
        _OTHER.status == "done",
    )
    .label("event_already_processed")
)


# Transient failures are retried for ever, each after a longer wait up to
# RETRY_MAX_DELAY; from RETRY_LOUD attempts on, each failure is logged as an
# error and `perks failed` lists the delivery (as "retrying") for a person.
RETRY_FIRST_DELAY = 5
RETRY_MAX_DELAY = 600
RETRY_LOUD = 8


def retry_delay(attempts: int) -> int:
    """Seconds to wait after a delivery's `attempts`-th transient failure before running it again."""
    return min(RETRY_MAX_DELAY, RETRY_FIRST_DELAY * 2 ** max(attempts - 1, 0))


def _note_failure(sessions: sessionmaker[Session], delivery_id: int, error: Exception, *, final: bool) -> None:
    """A refusal ends the delivery as failed; a transient error leaves it received, its attempt and time noted.

    `processed_at` of a delivery still received is when it last ran: the sweeper's backoff counts from it.
    """
    with UnitOfWork(sessions) as uow:
        attempts = uow.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status.not_in(("done", "duplicate")))
            .values(
                status="failed" if final else "received",
                attempts=WebhookDelivery.attempts + 1,
                processed_at=datetime.now(UTC),
                last_error=f"{type(error).__name__}: {error}"[:2000],
            )
            .returning(WebhookDelivery.attempts)
        ).scalar()
        uow.commit()
    if final or attempts is None or attempts < RETRY_LOUD:
        log.warning("delivery %s failed%s: %r", delivery_id, "" if final else f" (attempt {attempts}, retried)", error)
    else:
        log.error(
            "delivery %s has failed %d times, still retried every %d s (`perks failed` lists it): %r",
            delivery_id,
            attempts,
            retry_delay(attempts),
            error,
        )


def unprocessed(session: Session, older_than: timedelta, *, after: int = 0, limit: int = 1000) -> list[int]:
    """Deliveries still to process, by id past `after`: never run (their enqueue or their batch was
    lost) and recorded before `older_than` ago, or failed transiently and past their backoff."""
    now = datetime.now(UTC)
    backoff = func.least(RETRY_MAX_DELAY, RETRY_FIRST_DELAY * func.power(2, func.greatest(WebhookDelivery.attempts - 1, 0)))
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == "received",
                WebhookDelivery.received_at <= now - older_than,
                WebhookDelivery.id > after,
                or_(
                    WebhookDelivery.processed_at.is_(None),
                    WebhookDelivery.processed_at + func.make_interval(0, 0, 0, 0, 0, 0, backoff) <= now,
                ),
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )


def retrying_loudly(session: Session) -> int:
    """How many deliveries have failed transiently RETRY_LOUD times or more and are still retried."""
    return session.scalar(select(func.count()).where(WebhookDelivery.status == "received", WebhookDelivery.attempts >= RETRY_LOUD))


def failed(session: Session, limit: int = 100) -> list[WebhookDelivery]:
    """Deliveries a person should look at, newest first: refused for good ("failed"), and those
    still retried after RETRY_LOUD transient failures ("received", with their attempts and last error)."""
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(
                or_(
                    WebhookDelivery.status == "failed",
                    and_(WebhookDelivery.status == "received", WebhookDelivery.attempts >= RETRY_LOUD),
                )
            )
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def reopen(session: Session, delivery_id: int) -> bool:
    """Make a failed delivery processable again (for a replay)."""
    result = session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "failed").values(status="received")
    )
    return result.rowcount == 1
