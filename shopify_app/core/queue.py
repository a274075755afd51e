"""The rq queue: how a recorded delivery reaches a worker.

Deliveries do not get an rq job each. Their ids go into an inbox (a Redis
list) and a `drain` job takes them out in batches, so a worker pays rq's
bookkeeping once per batch instead of once per delivery. At most one drain
job waits in the queue at a time: whoever finds the inbox non-empty and the
"drain pending" flag unset enqueues one, and each drain job clears the flag
as it starts. A drain that leaves ids behind asks for the next at once, so
under a backlog every worker drains side by side.

Ids lost in between (Redis down, a worker killed mid-batch) are still
"received" in the database, and the sweeper puts them back. Ids left in the
inbox with no drain asked for (a worker killed between taking a batch and
asking for the next, a drain job lost with Redis) are woken by the sweeper:
it asks for a drain whenever the inbox is not empty, so no id waits longer
than a sweep interval for nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

from redis import Redis
from redis.commands.core import Script
from rq import Queue, Retry, get_current_job

# Spread over about 13 minutes: long enough for a database failover or a
# deploy, short enough that a member sees points the same hour.
DELIVERY_RETRY = Retry(max=5, interval=[1, 5, 30, 120, 600])
DRAIN_BATCH = 100
# The flag outlives a drain job that was never enqueued (Redis failing
# between the two writes) by this much; then the next delivery asks again.
DRAIN_PENDING_SECONDS = 30
# How long a delivery's outcome stays readable, as rq kept job results.
OUTCOME_SECONDS = 3600
# A failed job stays in rq's failed registry this long, for a person to look at.
FAILED_JOB_SECONDS = 7 * 24 * 3600


log = logging.getLogger(__name__)


def progress_in_meta(what: str) -> Callable[[int, int], None]:
    """How a long job tells the person watching how far it has got: `{"done", "total"}` in its rq job's meta.
    Outside a worker (called directly) it tells no one; a failing save is logged and the job goes on."""
    rq_job = get_current_job()

    def progress(done: int, total: int) -> None:
        if rq_job is None:
            return
        rq_job.meta["progress"] = {"done": done, "total": total}
        try:
            rq_job.save_meta()
        except Exception:  # progress is for the person watching; the work goes on without it
            log.warning("progress of %s not saved", what, exc_info=True)

    return progress


@cache
def connection(redis_url: str) -> Redis:
    # Fail fast: Shopify waits 5 s for an answer and a lost enqueue is swept later.
    return Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=5)


def queue(redis_url: str, name: str) -> Queue:
    return Queue(name, connection=connection(redis_url))


def _inbox(q: Queue) -> str:
    return f"perks:{q.name}:inbox"


def _drain_pending(q: Queue) -> str:
    return f"perks:{q.name}:drain-pending"


def _outcome(delivery_id: int) -> str:
    return f"perks:delivery:{delivery_id}"


def enqueue_delivery(q: Queue, *delivery_ids: int) -> None:
    """Put recorded deliveries in the inbox, and ask for a drain unless one is waiting already."""
    # One script, atomic as MULTI/EXEC was: a drain starting between the push and
    # the ask would make the ask succeed and one more drain start, and more drains
    # mean smaller batches (quick bench: 221 against 283 orders/s end to end). One
    # EVALSHA is a third less of the web's CPU than the four commands of a MULTI/EXEC.
    asked = _enqueue_script(q.connection)(keys=[_inbox(q), _drain_pending(q)], args=[DRAIN_PENDING_SECONDS, *delivery_ids])
    _drain_if(q, asked)


_ENQUEUE = """
redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
return redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[1])
"""


@cache
def _enqueue_script(redis: Redis) -> Script:
    return redis.register_script(_ENQUEUE)


def _drain_if(q: Queue, asked: bool | None) -> None:
    """Enqueue a drain job when this caller is the one that set the "drain pending" flag."""
    if asked:
        q.enqueue("webhooks.jobs.drain_deliveries", result_ttl=0, failure_ttl=FAILED_JOB_SECONDS)


def wake(q: Queue) -> bool:
    """Ask for a drain if ids wait in the inbox, whatever the "drain pending" flag says; whether one was asked.

    The flag cannot tell a drain job waiting in the queue from one that was
    lost (a worker killed as it asked, Redis restarted between the two
    writes). One drain too many takes an empty or a short batch; one too few
    leaves ids waiting for the next webhook, which a quiet shop may not get.
    """
    # One script, so the flag is set only when ids wait: set over an empty inbox it would keep
    # the next delivery from asking for its drain, and that id would wait for the next sweep.
    left = q.connection.eval(_WAKE, 2, _inbox(q), _drain_pending(q), DRAIN_PENDING_SECONDS)
    _drain_if(q, left > 0)
    return left > 0


_WAKE = """
local waiting = redis.call('LLEN', KEYS[1])
if waiting > 0 then redis.call('SET', KEYS[2], 1, 'EX', ARGV[1]) end
return waiting
"""


def discard_waiting(q: Queue) -> None:
    """Drop every waiting job and delivery id; the recorded deliveries stay "received" for the sweeper."""
    q.empty()
    q.connection.delete(_inbox(q), _drain_pending(q))


def waiting(q: Queue) -> set[int]:
    """The delivery ids in the inbox now."""
    return {int(delivery_id) for delivery_id in q.connection.lrange(_inbox(q), 0, -1)}


def take_batch(q: Queue) -> list[int]:
    """The next ids from the inbox (for a drain job); asks for another drain when some are left."""
    with q.connection.pipeline() as pipe:
        pipe.delete(_drain_pending(q))
        pipe.lpop(_inbox(q), DRAIN_BATCH)
        pipe.llen(_inbox(q))
        _, taken, left = pipe.execute()
    if left:
        _drain_if(q, q.connection.set(_drain_pending(q), 1, nx=True, ex=DRAIN_PENDING_SECONDS))
    return [int(delivery_id) for delivery_id in taken or ()]


def retry_delivery(q: Queue, delivery_id: int) -> None:
    """A delivery whose processing raised gets a job of its own, retried on rq's schedule."""
    q.enqueue(
        "webhooks.jobs.process_delivery",
        delivery_id,
        retry=DELIVERY_RETRY,
        result_ttl=OUTCOME_SECONDS,
        failure_ttl=FAILED_JOB_SECONDS,
    )


def publish_outcomes(redis: Redis, outcomes: dict[int, str]) -> None:
    """Keep each processed delivery's final status for an hour, for whoever waits on it."""
    if not outcomes:
        return
    with redis.pipeline(transaction=False) as pipe:
        for delivery_id, status in outcomes.items():
            pipe.rpush(_outcome(delivery_id), status)
            pipe.expire(_outcome(delivery_id), OUTCOME_SECONDS)
        pipe.execute()


def await_outcome(redis: Redis, delivery_id: int, timeout: float) -> str | None:
    """Block until the delivery has been processed: its latest status, or None after `timeout` seconds.

    BLMOVE of a list's tail onto its own tail waits without taking the status away.
    """
    status = redis.blmove(_outcome(delivery_id), _outcome(delivery_id), timeout, "RIGHT", "RIGHT")
    return None if status is None else status.decode()
