"""The delivery inbox: ids wait in Redis and drain jobs take them in batches.

These run against the real Redis on a queue of their own, which no worker
listens to, so each step of a drain can be watched.
"""

import uuid

import pytest
from rq import Queue
from sqlalchemy import event, select

from shopify_app import jobs
from shopify_app.config import Settings
from shopify_app.models import LedgerEntry, Shop, WebhookDelivery
from shopify_app.queue import DRAIN_BATCH, await_outcome, discard_waiting, enqueue_delivery, take_batch
from shopify_app.unit_of_work import UnitOfWork
from tests.fixtures import shopify_webhooks as shopify
from webhooks.deliveries import process_together, record

ADA, BOB = 7012345678901, 7012345678902


@pytest.fixture
def quiet_queue(redis, monkeypatch) -> Queue:
    name = f"inbox-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PERKS_QUEUE", name)
    return Queue(name, connection=redis)


def drain_jobs(q: Queue) -> int:
    return sum(1 for job in q.get_jobs() if job.func_name == "shopify_app.jobs.drain_deliveries")


def test_a_burst_of_deliveries_asks_for_one_drain_and_each_drain_asks_for_the_next(quiet_queue):
    ids = list(range(1, 2 * DRAIN_BATCH + 12))
    for delivery_id in ids:
        enqueue_delivery(quiet_queue, delivery_id)
    assert drain_jobs(quiet_queue) == 1  # one waits; the other deliveries found it waiting

    assert take_batch(quiet_queue) == ids[:DRAIN_BATCH]
    assert drain_jobs(quiet_queue) == 2  # some were left: the next drain was asked for at once
    assert take_batch(quiet_queue) == ids[DRAIN_BATCH : 2 * DRAIN_BATCH]
    assert drain_jobs(quiet_queue) == 3
    assert take_batch(quiet_queue) == ids[2 * DRAIN_BATCH :]
    assert drain_jobs(quiet_queue) == 3  # the inbox is empty: nobody is asked
    assert take_batch(quiet_queue) == []

    enqueue_delivery(quiet_queue, 999)  # the last drain cleared the flag, so a new delivery asks again
    assert drain_jobs(quiet_queue) == 4


def test_discarding_what_waits_leaves_the_next_delivery_free_to_ask_for_a_drain(quiet_queue):
    enqueue_delivery(quiet_queue, 1, 2, 3)
    discard_waiting(quiet_queue)
    assert drain_jobs(quiet_queue) == 0
    enqueue_delivery(quiet_queue, 4)
    assert drain_jobs(quiet_queue) == 1
    assert take_batch(quiet_queue) == [4]


def test_a_delivery_that_raises_is_retried_on_its_own_and_the_rest_of_its_batch_lands(quiet_queue, sessions, shop, redis):
    with UnitOfWork(sessions) as uow:
        shop_row = uow.session.scalars(select(Shop).where(Shop.domain == shop)).one()
        ids = []
        for order_id, topic in ((3101, "orders/paid"), (3102, "orders/unheard-of"), (3103, "orders/paid")):
            body, headers = shopify.delivery("orders/paid", shopify.order_paid(order_id, ADA), shop=shop, secret="unused")
            ids.append(record(uow.session, shop_row, {**headers, "X-Shopify-Topic": topic}, body))
        uow.commit()
    enqueue_delivery(quiet_queue, *ids)

    assert jobs.drain_deliveries() == 2
    assert [await_outcome(redis, delivery_id, 0.1) for delivery_id in ids] == ["done", None, "done"]
    [retry] = [job for job in quiet_queue.get_jobs() if job.func_name == "shopify_app.jobs.process_delivery"]
    assert retry.args == (ids[1],) and retry.retries_left == 5
    with UnitOfWork(sessions) as uow:
        failed = uow.session.get(WebhookDelivery, ids[1])
        assert (failed.status, failed.attempts) == ("failed", 1)
        assert failed.last_error.startswith("KeyError")


def recorded(sessions, shop: str, *deliveries: tuple[str, dict, str | None]) -> list[int]:
    """Record (topic, payload, event id) deliveries as the endpoint would; their ids."""
    with UnitOfWork(sessions) as uow:
        shop_row = uow.session.scalars(select(Shop).where(Shop.domain == shop)).one()
        ids = []
        for topic, payload, event_id in deliveries:
            body, headers = shopify.delivery(topic, payload, shop=shop, secret="unused", event_id=event_id)
            ids.append(record(uow.session, shop_row, headers, body))
        uow.commit()
    return ids


def earns(sessions, shop: str) -> list[tuple[str, int]]:
    with UnitOfWork(sessions) as uow:
        keys = select(LedgerEntry.idempotency_key, LedgerEntry.points).join(Shop).where(Shop.domain == shop)
        rows = uow.session.execute(keys.order_by(LedgerEntry.idempotency_key))
        return [tuple(row) for row in rows]


def test_a_batch_commits_once_and_an_event_resent_inside_it_is_a_duplicate(sessions, shop):
    ids = recorded(
        sessions,
        shop,
        ("orders/paid", shopify.order_paid(3201, ADA), "event-3201"),
        ("orders/paid", shopify.order_paid(3202, BOB), None),
        ("orders/paid", shopify.order_paid(3201, ADA), "event-3201"),  # the same event under a new webhook id
    )
    assert process_together(sessions, ids) == dict(zip(ids, ["done", "done", "duplicate"], strict=True))
    assert earns(sessions, shop) == [("order:3201:earn", 30), ("order:3202:earn", 30)]
    assert process_together(sessions, ids) == dict(zip(ids, ["done", "done", "duplicate"], strict=True))  # nothing twice
    assert len(earns(sessions, shop)) == 2


def test_a_refusal_inside_a_batch_keeps_nothing_of_it_and_each_delivery_then_runs_alone(quiet_queue, sessions, shop, redis):
    broken = shopify.order_paid(3302, BOB)
    del broken["line_items"]
    ids = recorded(sessions, shop, ("orders/paid", shopify.order_paid(3301, ADA), None), ("orders/paid", broken, None))
    assert process_together(sessions, ids) is None
    assert earns(sessions, shop) == []

    enqueue_delivery(quiet_queue, *ids)
    assert jobs.drain_deliveries() == 2
    assert [await_outcome(redis, delivery_id, 0.1) for delivery_id in ids] == ["done", "failed"]
    assert earns(sessions, shop) == [("order:3301:earn", 30)]


def test_a_batch_reads_the_shops_program_once(sessions, shop):
    ids = recorded(sessions, shop, *(("orders/paid", shopify.order_paid(3400 + n, ADA), None) for n in range(4)))
    statements: list[str] = []
    engine = sessions.kw["bind"]
    listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert set(process_together(sessions, ids).values()) == {"done"}
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert sum(1 for statement in statements if "FROM programs" in statement) == 1
    assert sum(1 for statement in statements if "FROM tiers" in statement) == 1
    assert len(earns(sessions, shop)) == 4


def test_the_sweeper_puts_back_what_never_reached_the_inbox_and_leaves_what_waits_there(quiet_queue, sessions, shop, redis):
    late, lost = recorded(
        sessions, shop, ("orders/paid", shopify.order_paid(3501, ADA), None), ("orders/paid", shopify.order_paid(3502, ADA), None)
    )
    enqueue_delivery(quiet_queue, late)  # behind a backlog; `lost` never reached Redis
    jobs.sweep_with(Settings.from_env(), older_than_seconds=0)
    inbox = [delivery_id for delivery_id in take_batch(quiet_queue) if delivery_id in (late, lost)]
    assert sorted(inbox) == [late, lost]
