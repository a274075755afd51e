"""POST /webhooks records the deliveries that arrive together in one statement (webhooks/receive.py GroupCommit).

A batch is forced by holding the shop's row: the first delivery's insert
waits on it (its foreign key check), and the deliveries arriving meanwhile
wait for it in the receiver, to be recorded together once it is let go.
Each must be answered as it would have been alone, and only once its row is
committed.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
from rq import Queue
from werkzeug.test import Client

from perks_dev import shopify_payloads as shopify
from shopify_app.core.queue import LANES, lane_of, take_batch
from shopify_app.core.runtime import Runtime
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.shops import add_shop
from tests.conftest import SETTINGS
from tests.test_webhook_lean_path import refusal, serve, signed
from webhooks import deliveries
from webhooks.receive import Receiver

UNAVAILABLE = refusal("unavailable", "could not record the delivery; retry later")
SHOP_IGNORED = b'{"reason":"shop not installed","status":"ignored"}\n'
NULL = b'{"delivery":null,"status":"recorded"}\n'


@pytest.fixture
def receiver(redis) -> Receiver:
    """The WSGI callable of POST /webhooks on a queue no worker takes from."""
    return Receiver(Runtime(SETTINGS.model_copy(update={"queue_name": f"group-test-{uuid.uuid4().hex[:8]}"})))


@pytest.fixture
def batches(monkeypatch) -> list[int]:
    """The size of each batch recorded, in order."""
    sizes: list[int] = []
    real = deliveries.record_for_domains

    def spy(cursor, received):
        sizes.append(len(received))
        return real(cursor, received)

    monkeypatch.setattr(deliveries, "record_for_domains", spy)
    return sizes


def database() -> psycopg.Connection:
    return psycopg.connect(SETTINGS.database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def row_of(shop: str, webhook_id: str) -> int | None:
    with database() as db:
        found = db.execute(
            "SELECT d.id FROM webhook_deliveries d JOIN shops s ON s.id = d.shop_id WHERE s.domain = %s AND d.webhook_id = %s",
            (shop, webhook_id),
        ).fetchone()
    return found and found[0]


def until(check: Callable[[], bool], what: str) -> None:
    """Poll `check` (nothing signals these states) for up to 10 s."""
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def blocked_inserts() -> list[int]:
    """The pids of the backends whose insert of a delivery waits on a lock."""
    with database() as db:
        return [
            pid
            for (pid,) in db.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO webhook_deliveries%'"
            )
        ]


@contextmanager
def shop_held(shop: str) -> Iterator[None]:
    """The shop's row locked: a delivery's insert waits on it (its foreign key) until the block ends."""
    with database() as db, db.transaction(force_rollback=True):
        db.execute("SELECT 1 FROM shops WHERE domain = %s FOR UPDATE", (shop,))
        yield


class Sent:
    """Deliveries posted each from a thread of its own; every answer noted with whether its row was there as it came."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.threads: list[threading.Thread] = []
        self.answers: dict[str, tuple[int, bytes, bool]] = {}

    def post(self, name: str, shop: str, body: bytes, headers: dict[str, str]) -> None:
        def send() -> None:
            answer = Client(self.receiver).post("/webhooks", data=body, headers=headers)
            self.answers[name] = (answer.status_code, answer.data, row_of(shop, headers["X-Shopify-Webhook-Id"]) is not None)

        thread = threading.Thread(target=send)
        thread.start()
        self.threads.append(thread)

    def wait(self) -> dict[str, tuple[int, bytes, bool]]:
        for thread in self.threads:
            thread.join(timeout=30)
        return self.answers


def recorded(delivery_id: int) -> bytes:
    return b'{"delivery":%d,"status":"recorded"}\n' % delivery_id


def test_deliveries_arriving_during_a_commit_are_recorded_in_one_statement_each_answered_as_alone(receiver, batches, sessions, shop):
    other = f"t{uuid.uuid4().hex[:12]}.myshopify.com"
    with UnitOfWork(sessions) as uow:
        add_shop(uow.session, other)
        uow.commit()
    old = signed(shop, shopify.order_paid(40, 7012345678900), webhook_id="old")
    assert Client(receiver).post("/webhooks", data=old[0], headers=old[1]).status_code == 200
    first = signed(shop, shopify.order_paid(41, 7012345678901), webhook_id="first")
    twice = signed(shop, shopify.order_paid(42, 7012345678902), webhook_id="twice")
    elsewhere = signed(other, shopify.order_paid(43, 7012345678903), webhook_id="elsewhere")
    customer = signed(other, shopify.customer(7012345678904), topic="customers/create", webhook_id="customer")

    sent = Sent(receiver)
    with shop_held(shop):
        sent.post("first", shop, *first)
        until(lambda: len(blocked_inserts()) == 1, "the first delivery's insert waits on the shop")
        sent.post("twice", shop, *twice)
        sent.post("twice again", shop, *twice)
        sent.post("elsewhere", other, *elsewhere)
        sent.post("customer", other, *customer)
        sent.post("old again", shop, *old)
        sent.post("stranger", "stranger.myshopify.com", *signed("stranger.myshopify.com"))
        until(lambda: len(receiver.group.waiting) == 6, "six deliveries wait for the first one's commit")
    answers = sent.wait()

    assert batches == [1, 1, 6]  # `old`, then the first alone, then the six that waited in one statement
    ids = {
        name: row_of(domain, name)
        for name, domain in [("old", shop), ("first", shop), ("twice", shop), ("elsewhere", other), ("customer", other)]
    }
    assert answers["first"] == (200, recorded(ids["first"]), True)
    assert sorted([answers["twice"], answers["twice again"]]) == sorted([(200, NULL, True), (200, recorded(ids["twice"]), True)])
    assert answers["elsewhere"] == (200, recorded(ids["elsewhere"]), True)
    assert answers["customer"] == (200, recorded(ids["customer"]), True)
    assert answers["old again"] == (200, NULL, True)
    assert answers["stranger"] == (200, SHOP_IGNORED, False)

    # Each new delivery in its customer's lane, and one drain asked for each lane (one Redis call for the batch).
    q: Queue = receiver.group.queue
    lanes = {lane: take_batch(q, lane, "test") for lane in range(LANES)}
    expected = {lane: [] for lane in range(LANES)}
    for name, customer_id in [
        ("old", 7012345678900),
        ("first", 7012345678901),
        ("twice", 7012345678902),
        ("elsewhere", 7012345678903),
        ("customer", 7012345678904),
    ]:
        expected[lane_of(customer_id)].append(ids[name])
    assert lanes == expected
    assert sum(1 for job in q.get_jobs() if job.func_name == "webhooks.jobs.drain_deliveries") == sum(1 for ids in expected.values() if ids)


def test_a_batch_whose_statement_fails_answers_503_to_each_and_the_next_request_is_recorded(receiver, batches, shop):
    sent = Sent(receiver)
    with shop_held(shop), database() as db:
        sent.post("first", shop, *signed(shop, webhook_id="first"))
        until(lambda: len(blocked_inserts()) == 1, "the first delivery's insert waits on the shop")
        for n in range(3):
            sent.post(f"next {n}", shop, *signed(shop, webhook_id=f"next-{n}"))
        until(lambda: len(receiver.group.waiting) == 3, "three deliveries wait for the first one's commit")
        (leader,) = blocked_inserts()
        db.execute("SELECT pg_terminate_backend(%s)", (leader,))  # the database lost under the first
        until(lambda: set(blocked_inserts()) - {leader}, "the three deliveries' insert waits on the shop")
        (batch,) = set(blocked_inserts()) - {leader}
        db.execute("SELECT pg_terminate_backend(%s)", (batch,))  # and under the batch of three
        answers = sent.wait()

    assert batches == [1, 3]
    assert answers == {name: (503, UNAVAILABLE, False) for name in ["first", "next 0", "next 1", "next 2"]}
    body, headers = signed(shop, webhook_id="after")
    answer = Client(receiver).post("/webhooks", data=body, headers=headers)
    assert (answer.status_code, answer.data) == (200, recorded(row_of(shop, "after")))


def test_a_delivery_that_makes_its_batch_fail_is_refused_alone_and_the_others_are_recorded(receiver, batches, shop):
    too_long = signed(shop, webhook_id="x" * 101)  # past webhook_deliveries.webhook_id's 100 characters
    alone = Client(receiver).post("/webhooks", data=too_long[0], headers=too_long[1])
    assert (alone.status_code, alone.data) == (503, UNAVAILABLE)  # as it is answered on its own

    sent = Sent(receiver)
    with shop_held(shop):
        sent.post("first", shop, *signed(shop, webhook_id="first"))
        until(lambda: len(blocked_inserts()) == 1, "the first delivery's insert waits on the shop")
        sent.post("before", shop, *signed(shop, webhook_id="before"))
        sent.post("too long", shop, *too_long)
        sent.post("after", shop, *signed(shop, webhook_id="after"))
        until(lambda: len(receiver.group.waiting) == 3, "three deliveries wait for the first one's commit")
    answers = sent.wait()

    assert batches == [1, 1, 3, 1, 1, 1]  # alone; the first; the batch of three failed, then each of it alone
    assert answers["too long"] == (503, UNAVAILABLE, False)
    for name in ["first", "before", "after"]:
        assert answers[name] == (200, recorded(row_of(shop, name)), True)


def test_concurrent_deliveries_through_gunicorn_are_each_answered_as_alone_once_committed(tmp_path, shop):
    """16 keep-alive connections on one gthread worker of 4 threads: new deliveries, each sent twice at once, and strangers."""
    deliveries_sent = [(f"d{n}", signed(shop, shopify.order_paid(100 + n, 7012345678900 + n), webhook_id=f"d{n}")) for n in range(60)]
    stranger = signed("stranger.myshopify.com")
    work = [item for pair in zip(deliveries_sent, deliveries_sent, strict=True) for item in pair] + [("stranger", stranger)] * 8

    for port in serve(tmp_path):
        answers = send_all(port, shop, work)

    by_name: dict[str, list[tuple[int, bytes, bool]]] = {}
    for name, *answer in answers:
        by_name.setdefault(name, []).append(tuple(answer))
    assert by_name.pop("stranger") == [(200, SHOP_IGNORED, False)] * 8
    for name, pair in by_name.items():
        assert sorted(pair) == sorted([(200, NULL, True), (200, recorded(row_of(shop, name)), True)]), name


def send_all(port: int, shop: str, work: list[tuple[str, tuple[bytes, dict[str, str]]]]) -> list[tuple[str, int, bytes, bool]]:
    """Each of `work` posted from 16 threads, each on a keep-alive connection of its own: (name, status, answer, row there)."""
    local = threading.local()

    def send(item: tuple[str, tuple[bytes, dict[str, str]]]) -> tuple[str, int, bytes, bool]:
        name, (body, headers) = item
        if not hasattr(local, "web"):
            local.web = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local.web.request("POST", "/webhooks", body=body, headers=headers)
        answer = local.web.getresponse()
        return name, answer.status, answer.read(), row_of(shop, headers["X-Shopify-Webhook-Id"]) is not None

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(send, work))
