"""POST /webhooks: verify, record durably, enqueue, answer.

Shopify counts anything but a 2xx within 5 s as a failure and retries, so
the answer is 200 only once the delivery is committed, 503 when it cannot
be, and still 200 when only the enqueue failed (the sweeper finds it).

It is a plain WSGI callable that `in_front_of` puts before the Flask app
(gunicorn, `make run` and the tests all get it from `create_app`): under
Black Friday's load Flask's request context, routing and hooks cost as much
CPU as verifying, recording and enqueuing together, and this one endpoint
needs none of them (no session, no contract, no rate limit, no template).
The delivery is recorded on a psycopg connection of the web's own, in autocommit
with a prepared statement, not through SQLAlchemy's pool: one round trip,
and a third of the client-side CPU. Deliveries that arrive together are
recorded together (`GroupCommit`): one statement, one commit and one enqueue
for a batch.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import psycopg
from redis.exceptions import RedisError
from rq import Queue
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge
from werkzeug.wsgi import get_content_length, get_input_stream

from shopify_app.core.queue import enqueue_deliveries, lane_of
from shopify_app.core.runtime import Runtime
from webhooks import deliveries, signature, translate
from webhooks.handlers import AFTER_UNINSTALL, HANDLERS
from webhooks.parsing import parse_json

log = logging.getLogger(__name__)

PATH = "/webhooks"
REQUIRED_HEADERS = ("X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id")
# The WSGI environ's key of each header kept with a delivery (X-Shopify-Topic is HTTP_X_SHOPIFY_TOPIC).
_ENVIRON_KEYS = tuple((name, "HTTP_" + name.upper().replace("-", "_")) for name in deliveries.KEPT_HEADERS)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def in_front_of(app: WSGIApp, runtime: Runtime) -> WSGIApp:
    """`app` with POST /webhooks answered by the receiver instead: everything else still goes to `app`."""
    receive = Receiver(runtime)

    def dispatch(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == PATH:
            return receive(environ, start_response)
        return app(environ, start_response)

    return dispatch


class Receiver:
    """The WSGI callable of POST /webhooks, on the settings, database and queue of `runtime`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.max_bytes = runtime.settings.webhook_max_bytes
        self.secret = runtime.settings.shopify_api_secret
        self.group = GroupCommit(connections(runtime.settings.database_url), runtime.queue)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return self._not_post(environ, start_response)
        try:
            body = self._body(environ)
        except RequestEntityTooLarge as too_large:
            return too_large(environ, start_response)
        status, answer = self.receive(environ, body)
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
        return (answer,)

    @staticmethod
    def _not_post(environ: dict, start_response: Callable) -> Iterable[bytes]:
        """What Flask answered a route declared for POST alone: OPTIONS lists the methods, the others are 405."""
        if environ["REQUEST_METHOD"] == "OPTIONS":
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Allow", "OPTIONS, POST"), ("Content-Length", "0")])
            return ()
        return MethodNotAllowed(valid_methods=["OPTIONS", "POST"])(environ, start_response)

    def _body(self, environ: dict) -> bytes:
        """The raw body, refused past the limit: before it is read when its length is announced (as Werkzeug does).

        A chunked body is read one byte past the limit to tell: Werkzeug cut
        it at the limit, and the cut body was then refused as a forged HMAC.
        """
        length = get_content_length(environ)
        if length is None:  # chunked, or no length at all (then Werkzeug reads nothing)
            body = get_input_stream(environ, max_content_length=self.max_bytes + 1).read()
        elif length > self.max_bytes:
            raise RequestEntityTooLarge()
        else:
            body = environ["wsgi.input"].read(length)
        if len(body) > self.max_bytes:
            raise RequestEntityTooLarge()
        return body

    def receive(self, environ: dict, body: bytes) -> tuple[str, bytes]:
        """The answer's status line and JSON body."""
        if not signature.is_valid(body, environ.get("HTTP_X_SHOPIFY_HMAC_SHA256"), self.secret):
            return _refusal("401 UNAUTHORIZED", "invalid_hmac", "X-Shopify-Hmac-Sha256 does not match the body")
        headers = {name: environ[key] for name, key in _ENVIRON_KEYS if key in environ}
        missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
        if missing:
            return _refusal("400 BAD REQUEST", "missing_headers", f"missing {', '.join(missing)}")
        try:
            payload = parse_json(body)
            if not isinstance(payload, dict):
                raise ValueError("not a JSON object")
        except ValueError as error:
            return _refusal("400 BAD REQUEST", "invalid_json", f"body is not a JSON object: {error}")
        topic = headers["X-Shopify-Topic"]
        if topic not in HANDLERS:
            return _OK, _TOPIC_IGNORED
        customer, order = translate.lock_order(topic, payload)
        received = deliveries.Received(headers, body.decode(), after_uninstall=topic in AFTER_UNINSTALL)
        return self.group.answer(_Waiting(received, lane_of(customer or order)))


def _json(**fields) -> bytes:
    """`fields` as Flask's jsonify writes them (keys sorted, compact, a newline), so the answers stay byte for byte."""
    return json.dumps(fields, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def _refusal(status: str, error: str, message: str) -> tuple[str, bytes]:
    return status, _json(error=error, message=message)


_OK = "200 OK"
_TOPIC_IGNORED = _json(status="ignored", reason="topic not handled")
_SHOP_IGNORED = _json(status="ignored", reason="shop not installed")
_UNAVAILABLE = _refusal("503 SERVICE UNAVAILABLE", "unavailable", "could not record the delivery; retry later")


@dataclass(eq=False)
class _Waiting:
    """A verified delivery waiting for the commit of its batch, then its answer (or what stopped the batch)."""

    received: deliveries.Received
    lane: int
    answer: tuple[str, bytes] | None = None
    error: BaseException | None = None


class GroupCommit:
    """Deliveries recorded together: one statement, one commit and one enqueue for all those waiting.

    A request thread that finds no batch being recorded records every delivery
    waiting (its own among them) and answers each; the ones arriving meanwhile
    wait, and the first of them to wake records theirs next. No window is
    waited for: a batch is whatever arrived during the last one's commit, so a
    lone delivery is recorded at once, and under load one WAL flush and one
    round trip to PostgreSQL and to Redis serve a gthread worker's threads.

    It pays with more threads per worker than the bench's 4 (more requests
    in flight, bigger batches): row 1 of the bench (2-core machine shared with other
    runs, six runs each) under gthread 3x8 spends 0.79 ms of gunicorn CPU and
    0.34 ms of PostgreSQL's per delivery (batches of 2.6 to 4.2 on average)
    against 0.96 and 0.50 recorded one by one; under 3x4 the batches are of
    about two, gunicorn's CPU is unchanged and PostgreSQL's 7 % lower.

    Each answer is given only after the commit that holds its delivery, and is
    the one it would have had alone: a statement that fails for all (the
    database gone) answers 503 to each; one that a single delivery makes fail
    (a webhook id too long for its column) is tried again for each alone.
    """

    def __init__(self, connections: Connections, queue: Queue) -> None:
        self.connections = connections
        self.queue = queue
        self.changed = threading.Condition()
        self.waiting: list[_Waiting] = []
        self.recording = False

    def answer(self, delivery: _Waiting) -> tuple[str, bytes]:
        """The delivery's answer, once the batch that holds it is committed (or has failed)."""
        with self.changed:
            self.waiting.append(delivery)
            while self.recording and delivery.answer is None and delivery.error is None:
                self.changed.wait()
            if delivery.error is not None:
                raise RuntimeError("the batch of this delivery failed") from delivery.error
            if delivery.answer is not None:
                return delivery.answer
            self.recording = True
            batch, self.waiting = self.waiting, []
        try:
            self._record(batch)
        except BaseException as error:
            for waiting in batch:
                waiting.error = error
            raise
        finally:
            with self.changed:
                self.recording = False
                self.changed.notify_all()
        return delivery.answer

    def _record(self, batch: list[_Waiting]) -> None:
        """Record the batch and answer each of its deliveries; enqueue the new ones."""
        try:
            with self.connections.cursor() as cursor:
                outcomes = deliveries.record_for_domains(cursor, [waiting.received for waiting in batch])
        except psycopg.Error as error:
            if len(batch) > 1 and not isinstance(error, psycopg.OperationalError):
                for waiting in batch:
                    self._record([waiting])
                return
            log.exception("could not record %d deliveries", len(batch))
            for waiting in batch:
                waiting.answer = _UNAVAILABLE
            return
        by_lane: dict[int, list[int]] = {}
        for waiting, (installed, delivery_id) in zip(batch, outcomes, strict=True):
            waiting.answer = (_OK, _json(delivery=delivery_id, status="recorded")) if installed else (_OK, _SHOP_IGNORED)
            if delivery_id is not None:
                by_lane.setdefault(waiting.lane, []).append(delivery_id)
        try:
            enqueue_deliveries(self.queue, by_lane)
        except RedisError:
            log.warning("deliveries %s recorded but not enqueued; the sweeper will", sorted(i for ids in by_lane.values() for i in ids))


class Connections:
    """Autocommit psycopg connections to one database, each used by one request at a time.

    A batch takes the most recently returned one (its cursor, kept with it:
    a new cursor per statement costs a third more) or opens a new one, so
    there are as many as batches ever ran at once (one, under GroupCommit),
    whatever the server's threading. One that failed is closed, not
    returned; a lost one (the database restarted) takes the idle ones with it,
    as SQLAlchemy's pool does, so a restart costs one 503, not one per connection.
    """

    def __init__(self, url: str) -> None:
        # libpq's own URL: SQLAlchemy's names the driver too (postgresql+psycopg://).
        self.url = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        self.free: deque[psycopg.Cursor] = deque()

    @contextmanager
    def cursor(self) -> Iterator[psycopg.Cursor]:
        try:
            cursor = self.free.pop()
        except IndexError:
            cursor = psycopg.connect(self.url, autocommit=True).cursor()
        try:
            yield cursor
        except BaseException:
            if cursor.connection.broken:
                while self.free:
                    self.free.pop().connection.close()
            cursor.connection.close()
            raise
        self.free.append(cursor)


@cache
def connections(url: str) -> Connections:
    """One set per database URL per process, however many apps the factory makes (the tests make many)."""
    return Connections(url)
