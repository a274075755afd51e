"""The delivery inbox: ids wait in Redis and drain jobs take them in batches.

These run against the real Redis on a queue of their own, which no worker
listens to, so each step of a drain can be watched.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError

from perks_dev import shopify_payloads as shopify
from shopify_app.core.queue import (
    DRAIN_BATCH,
    LANES,
    await_outcome,
    discard_waiting,
    enqueue_delivery,
    lane_of,
    release,
    take_batch,
    waiting,
    wake,
)
from shopify_app.core.runtime import Runtime, current, install
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import LedgerEntry
from shopify_app.shop.models import Shop
from tests.conftest import SETTINGS
from webhooks import deliveries, jobs, translate
from webhooks.deliveries import process_together, record
from webhooks.handlers import HANDLERS
from webhooks.models import WebhookDelivery

ADA, BOB = 7012345678901, 7012345678902


@pytest.fixture
def quiet_queue(redis) -> Queue:
    """A queue no worker takes from, installed as this process's (the jobs called here use it)."""
    name = f"inbox-test-{uuid.uuid4().hex[:8]}"
    install(Runtime(SETTINGS.model_copy(update={"queue_name": name})))
    yield Queue(name, connection=redis)
    install(Runtime(SETTINGS))


def drain_jobs(q: Queue) -> int:
    return sum(1 for job in q.get_jobs() if job.func_name == "webhooks.jobs.drain_deliveries")


def take(q: Queue, lane: int = 0) -> list[int]:
    """What one drain of `lane` takes, then lets go of, as drain_deliveries does around its batch."""
    batch = take_batch(q, lane, "test-drain")
    release(q, lane, "test-drain")
    return batch


def take_every_lane(q: Queue) -> list[int]:
    return [delivery_id for lane in range(LANES) for delivery_id in take(q, lane)]


def test_a_burst_of_deliveries_asks_for_one_drain_and_each_drain_asks_for_the_next(quiet_queue):
    ids = list(range(1, 2 * DRAIN_BATCH + 12))
    for delivery_id in ids:
        enqueue_delivery(quiet_queue, delivery_id)
    assert drain_jobs(quiet_queue) == 1  # one waits; the other deliveries found it waiting

    assert take(quiet_queue) == ids[:DRAIN_BATCH]
    assert drain_jobs(quiet_queue) == 2  # some were left: the next drain was asked for as this one let go
    assert take(quiet_queue) == ids[DRAIN_BATCH : 2 * DRAIN_BATCH]
    assert drain_jobs(quiet_queue) == 3
    assert take(quiet_queue) == ids[2 * DRAIN_BATCH :]
    assert drain_jobs(quiet_queue) == 3  # the inbox is empty: nobody is asked
    assert take(quiet_queue) == []

    enqueue_delivery(quiet_queue, 999)  # the last drain cleared the flag, so a new delivery asks again
    assert drain_jobs(quiet_queue) == 4


def test_one_drain_at_a_time_works_a_lane_and_the_one_turned_away_leaves_its_ids_to_the_holder(quiet_queue):
    enqueue_delivery(quiet_queue, *range(1, DRAIN_BATCH + 6), lane=3)
    enqueue_delivery(quiet_queue, 900, lane=5)
    assert take_batch(quiet_queue, 3, "first") == list(range(1, DRAIN_BATCH + 1))
    enqueue_delivery(quiet_queue, 800, lane=3)  # arrives while the lane is worked: its drain is asked for
    assert take_batch(quiet_queue, 3, "second") is None  # and turned away, taking nothing
    assert take_batch(quiet_queue, 5, "other lane") == [900]  # another lane is worked side by side
    enqueue_delivery(quiet_queue, 801, lane=3)  # the flag stayed set: no drain asked for each arrival
    jobs_before = drain_jobs(quiet_queue)
    release(quiet_queue, 3, "first")  # ids are left: the holder asks for the lane's next drain
    assert drain_jobs(quiet_queue) == jobs_before + 1
    assert take(quiet_queue, 3) == [*range(DRAIN_BATCH + 1, DRAIN_BATCH + 6), 800, 801]


def test_a_customers_deliveries_share_a_lane_and_a_guest_order_goes_by_its_order():
    ada_joins = translate.lock_order("customers/create", shopify.customer(ADA))
    ada_pays = translate.lock_order("orders/paid", shopify.order_paid(3901, ADA))
    guest = translate.lock_order("orders/paid", {**shopify.order_paid(3902, ADA), "customer": None})
    assert lane_of(ada_joins[0] or ada_joins[1]) == lane_of(ada_pays[0] or ada_pays[1]) == lane_of(ADA)
    assert lane_of(guest[0] or guest[1]) == lane_of(3902)


def test_discarding_what_waits_leaves_the_next_delivery_free_to_ask_for_a_drain(quiet_queue):
    enqueue_delivery(quiet_queue, 1, 2, 3)
    discard_waiting(quiet_queue)
    assert drain_jobs(quiet_queue) == 0
    enqueue_delivery(quiet_queue, 4)
    assert drain_jobs(quiet_queue) == 1
    assert take(quiet_queue) == [4]


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
    [retry] = [job for job in quiet_queue.get_jobs() if job.func_name == "webhooks.jobs.process_delivery"]
    assert retry.args == (ids[1],) and retry.retries_left == 5
    with UnitOfWork(sessions) as uow:
        failed = uow.session.get(WebhookDelivery, ids[1])  # not refused by the domain: transient, left for the sweeper too
        assert (failed.status, failed.attempts) == ("received", 1)
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


def statements_of_a_batch(sessions, ids: list[int]) -> list[str]:
    """The statements one batch of `ids` runs, all of them done."""
    statements: list[str] = []
    engine = sessions.kw["bind"]
    listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert set(process_together(sessions, ids).values()) == {"done"}
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return statements


def test_a_batch_reads_the_shops_program_once(sessions, shop):
    ids = recorded(sessions, shop, *(("orders/paid", shopify.order_paid(3400 + n, ADA), None) for n in range(4)))
    statements = statements_of_a_batch(sessions, ids)
    assert sum(1 for statement in statements if "FROM programs" in statement) == 1
    assert sum(1 for statement in statements if "FROM tiers" in statement) == 1
    assert len(earns(sessions, shop)) == 4


def test_the_sweeper_puts_back_what_never_reached_the_inbox_and_leaves_what_waits_there(quiet_queue, sessions, shop, redis):
    late, lost = recorded(
        sessions, shop, ("orders/paid", shopify.order_paid(3501, ADA), None), ("orders/paid", shopify.order_paid(3502, ADA), None)
    )
    enqueue_delivery(quiet_queue, late)  # behind a backlog; `lost` never reached Redis
    jobs.sweep_with(current(), older_than_seconds=0)
    inbox = [delivery_id for delivery_id in take_every_lane(quiet_queue) if delivery_id in (late, lost)]
    assert sorted(inbox) == [late, lost]


# Liveness with no new traffic: whatever Redis lost, the sweeper alone gets every delivery processed.


def run_the_queue(q: Queue) -> None:
    """What a worker would do with the jobs now in the queue (no scheduler: rq's Retry schedule never comes due here)."""
    SimpleWorker([q], connection=q.connection).work(burst=True, with_scheduler=False)


def statuses(sessions, ids: list[int]) -> list[tuple[str, int]]:
    with UnitOfWork(sessions) as uow:
        return [(d.status, d.attempts) for d in (uow.session.get(WebhookDelivery, delivery_id) for delivery_id in ids)]


def test_ids_waiting_in_the_inbox_whose_drain_was_lost_are_processed_by_the_sweeper_alone(quiet_queue, sessions, shop):
    ids = recorded(sessions, shop, *(("orders/paid", shopify.order_paid(3600 + n, ADA), None) for n in range(3)))
    enqueue_delivery(quiet_queue, *ids)
    quiet_queue.empty()  # the drain job is lost (a worker killed as it asked); the ids and the "pending" flag stay
    assert drain_jobs(quiet_queue) == 0

    jobs.sweep_with(current(), older_than_seconds=0)
    run_the_queue(quiet_queue)
    assert statuses(sessions, ids) == [("done", 1)] * 3
    assert [key for key, _ in earns(sessions, shop)] == [f"order:{3600 + n}:earn" for n in range(3)]


def test_the_sweeper_asks_for_a_drain_even_when_a_drain_is_flagged_pending(quiet_queue, sessions, shop):
    [delivery_id] = recorded(sessions, shop, ("orders/paid", shopify.order_paid(3610, ADA), None))
    # Pushed and flagged "drain pending", then the worker died before enqueueing the drain.
    quiet_queue.connection.rpush(f"perks:{quiet_queue.name}:inbox:0", delivery_id)
    quiet_queue.connection.set(f"perks:{quiet_queue.name}:drain-pending:0", 1, ex=30)
    jobs.sweep_with(current(), older_than_seconds=0)
    assert drain_jobs(quiet_queue) == 1
    assert take_every_lane(quiet_queue).count(delivery_id) == 1  # once, not put back beside itself


def test_a_sweep_of_an_empty_inbox_leaves_the_next_delivery_free_to_ask_for_its_drain(quiet_queue, sessions, shop):
    # Seen in `make run`: the first sweep found nothing, yet flagged "drain pending", so the demo's
    # order, arriving a moment later, asked for no drain and waited for the next sweep a minute on.
    assert wake(quiet_queue) is False  # what each sweep does once it has put back what was lost
    assert drain_jobs(quiet_queue) == 0
    [delivery_id] = recorded(sessions, shop, ("orders/paid", shopify.order_paid(3611, ADA), None))
    enqueue_delivery(quiet_queue, delivery_id)
    assert drain_jobs(quiet_queue) == 1


def failing_once_then_working(monkeypatch, topic: str = "orders/paid"):
    """The database gone under every batch's sets and `topic`'s own handler, whichever path takes a delivery; and the undo."""
    handler, as_sets = HANDLERS[topic], deliveries._as_sets

    def database_gone(*args, **kwargs):
        raise OperationalError("INSERT ...", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setitem(HANDLERS, topic, database_gone)
    monkeypatch.setattr(deliveries, "_as_sets", database_gone)

    def recover() -> None:
        monkeypatch.setitem(HANDLERS, topic, handler)
        monkeypatch.setattr(deliveries, "_as_sets", as_sets)

    return recover


def as_if_seconds_passed(sessions, ids: list[int], seconds: float) -> None:
    """As if the deliveries had last run `seconds` ago."""
    with UnitOfWork(sessions) as uow:
        uow.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(processed_at=datetime.now(UTC) - timedelta(seconds=seconds + 1))
        )
        uow.commit()


def test_a_transient_error_is_retried_by_the_sweeper_after_its_backoff_even_when_rqs_retry_was_lost(
    quiet_queue, sessions, shop, monkeypatch
):
    recover = failing_once_then_working(monkeypatch)
    ids = recorded(sessions, shop, *(("orders/paid", shopify.order_paid(3700 + n, ADA), None) for n in range(2)))
    enqueue_delivery(quiet_queue, *ids)
    jobs.drain_deliveries()
    assert statuses(sessions, ids) == [("received", 1)] * 2  # not parked as failed: still to process
    discard_waiting(quiet_queue)  # Redis restarted empty: rq's scheduled retries are gone
    recover()

    jobs.sweep_with(current(), older_than_seconds=0)
    assert deliveries.retry_delay(1) > 1 and not set(ids) & waiting(quiet_queue)  # within its backoff: left alone
    as_if_seconds_passed(sessions, ids, deliveries.retry_delay(1))
    jobs.sweep_with(current(), older_than_seconds=0)
    assert set(ids) <= waiting(quiet_queue)
    run_the_queue(quiet_queue)
    assert statuses(sessions, ids) == [("done", 2)] * 2
    assert len(earns(sessions, shop)) == 2


def test_the_backoff_grows_to_a_cap():
    delays = [deliveries.retry_delay(attempts) for attempts in range(1, 12)]
    assert delays == sorted(delays) and delays[0] == deliveries.RETRY_FIRST_DELAY
    assert delays[-1] == deliveries.RETRY_MAX_DELAY


def test_a_delivery_failing_past_the_cap_is_reported_loudly_and_still_retried(quiet_queue, sessions, shop, monkeypatch, runner, caplog):
    failing_once_then_working(monkeypatch)
    [delivery_id] = recorded(sessions, shop, ("orders/paid", shopify.order_paid(3800, ADA), None))
    with UnitOfWork(sessions) as uow:
        uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(attempts=deliveries.RETRY_LOUD - 1))
        uow.commit()
    with caplog.at_level(logging.ERROR), pytest.raises(OperationalError):
        deliveries.process(sessions, delivery_id)
    assert any(r.levelno == logging.ERROR and f"delivery {delivery_id} has failed" in r.getMessage() for r in caplog.records)
    listed = runner.invoke(args=["perks", "failed"]).output
    assert f"{delivery_id}\torders/paid\tretrying\t{deliveries.RETRY_LOUD} attempts\tOperationalError" in listed

    as_if_seconds_passed(sessions, [delivery_id], deliveries.RETRY_MAX_DELAY)
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        jobs.sweep_with(current(), older_than_seconds=0)
    assert delivery_id in waiting(quiet_queue)  # still retried
    assert any("still retried" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


def test_a_refusal_by_the_domain_stays_failed_and_the_sweeper_leaves_it(quiet_queue, sessions, shop, runner):
    broken = shopify.order_paid(3900, ADA)
    del broken["line_items"]
    ids = recorded(sessions, shop, ("orders/paid", broken, None))
    assert deliveries.process(sessions, ids[0]) == "failed"
    as_if_seconds_passed(sessions, ids, 24 * 3600)
    jobs.sweep_with(current(), older_than_seconds=0)
    assert ids[0] not in waiting(quiet_queue)
    assert statuses(sessions, ids) == [("failed", 1)]
    assert f"{ids[0]}\torders/paid\tfailed\t1 attempts" in runner.invoke(args=["perks", "failed"]).output


def test_the_sweeper_puts_back_every_lost_delivery_however_many(quiet_queue, sessions, shop, monkeypatch):
    monkeypatch.setattr(jobs, "SWEEP_PAGE", 2)  # pages of two stand for pages of a thousand
    ids = recorded(sessions, shop, *(("orders/paid", shopify.order_paid(4000 + n, ADA), None) for n in range(5)))
    assert jobs.sweep_with(current(), older_than_seconds=0) >= 5
    assert set(ids) <= waiting(quiet_queue)


def test_a_recent_delivery_is_not_swept_before_its_time(quiet_queue, sessions, shop):
    ids = recorded(sessions, shop, ("orders/paid", shopify.order_paid(4100, ADA), None))
    with UnitOfWork(sessions) as uow:
        uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(received_at=datetime.now(UTC)))
        uow.commit()
    jobs.sweep_with(current(), older_than_seconds=60)
    assert ids[0] not in waiting(quiet_queue)
