"""The rq queue: how a recorded delivery reaches a worker.

Deliveries do not get an rq job each. Their ids go into an inbox (a Redis
list) and a `drain` job takes them out in batches, so a worker pays rq's
bookkeeping once per batch instead of once per delivery.

The inbox is split into LANES by customer (`lane_of`): one customer's
deliveries always share a lane, and one drain at a time works a lane (a
"draining" lock with a time-out), so two workers' batches never hold the same
member's row and wait on each other (the quick month replay: 72 s with three
workers on one inbox, 38 s with one worker). Lanes are only about waiting:
the database's locks still keep the ledger exact if two drains of a lane
ever run at once (a lock timed out under a stuck worker).

At most one drain job per lane waits in the queue at a time: whoever finds
the lane non-empty and its "drain pending" flag unset enqueues one, and each
drain clears the flag as it starts. A drain that finds its lane being
drained leaves at once, the flag still set; the drain working the lane asks
for the next when it finishes and ids are left, so under a backlog every
worker drains a lane of its own side by side.

Ids lost in between (Redis down, a worker killed mid-batch) are still
"received" in the database, and the sweeper puts them back. Ids left in a
lane with no drain asked for (a worker killed between taking a batch and
asking for the next, a drain job lost with Redis) are woken by the sweeper:
it asks for a drain of every non-empty lane, so no id waits longer than a
sweep interval (and a dead drain's lock time-out) for nobody.
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
# More lanes than workers, so every worker finds a lane of its own under a backlog.
LANES = 8
# A drain's hold on its lane outlives a worker killed mid-batch by this much at most.
DRAINING_SECONDS = 30
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


def lane_of(key: int) -> int:
    """The lane of a customer (or, for a delivery without one, of its order)."""
    return key % LANES


def _inbox(q: Queue, lane: int) -> str:
    return f"perks:{q.name}:inbox:{lane}"


def _drain_pending(q: Queue, lane: int) -> str:
    return f"perks:{q.name}:drain-pending:{lane}"


def _draining(q: Queue, lane: int) -> str:
    return f"perks:{q.name}:draining:{lane}"


def _outcome(delivery_id: int) -> str:
    return f"perks:delivery:{delivery_id}"


def enqueue_delivery(q: Queue, *delivery_ids: int, lane: int = 0) -> None:
    """Put recorded deliveries in a lane of the inbox, and ask for its drain unless one is waiting already."""
    enqueue_deliveries(q, {lane: list(delivery_ids)})


def enqueue_deliveries(q: Queue, by_lane: dict[int, list[int]]) -> None:
    """Put recorded deliveries in their lanes of the inbox in one round trip, and ask for the drain of
    each lane that has none waiting already."""
    # One script, atomic as MULTI/EXEC was: a drain starting between the push and
    # the ask would make the ask succeed and one more drain start, and more drains
    # mean smaller batches (quick bench: 221 against 283 orders/s end to end). One
    # EVALSHA is a third less of the web's CPU than the four commands of a MULTI/EXEC.
    lanes = [lane for lane, ids in by_lane.items() if ids]
    if not lanes:
        return
    keys = [key(q, lane) for lane in lanes for key in (_inbox, _drain_pending)]
    args = [DRAIN_PENDING_SECONDS, *(arg for lane in lanes for arg in (len(by_lane[lane]), *by_lane[lane]))]
    for lane, asked in zip(lanes, _script(q.connection, _ENQUEUE)(keys=keys, args=args), strict=True):
        _drain_if(q, lane, asked)


# KEYS: each lane's inbox and "drain pending" flag; ARGV: the flag's seconds, then for
# each lane its count of ids and the ids. Answers, for each lane, whether this call set its flag.
_ENQUEUE = """
local asked, at = {}, 2
for i = 1, #KEYS, 2 do
  local count = tonumber(ARGV[at])
  redis.call('RPUSH', KEYS[i], unpack(ARGV, at + 1, at + count))
  asked[#asked + 1] = redis.call('SET', KEYS[i + 1], 1, 'NX', 'EX', ARGV[1]) and 1 or 0
  at = at + count + 1
end
return asked
"""


@cache
def _script(redis: Redis, source: str) -> Script:
    return redis.register_script(source)


def _drain_if(q: Queue, lane: int, asked: bool | None) -> None:
    """Enqueue a drain of `lane` when this caller is the one that set its "drain pending" flag."""
    if asked:
        q.enqueue("webhooks.jobs.drain_deliveries", lane, result_ttl=0, failure_ttl=FAILED_JOB_SECONDS)


def wake(q: Queue) -> bool:
    """Ask for a drain of every lane where ids wait, whatever its "drain pending" flag says; whether one was asked.

    The flag cannot tell a drain job waiting in the queue from one that was
    lost (a worker killed as it asked, Redis restarted between the two
    writes). One drain too many takes an empty or a short batch; one too few
    leaves ids waiting for the next webhook, which a quiet shop may not get.
    """
    woken = False
    for lane in range(LANES):
        woken |= _ask_if_waiting(q, lane)
    return woken


def _ask_if_waiting(q: Queue, lane: int) -> bool:
    # One script, so the flag is set only when ids wait: set over an empty lane it would keep
    # the next delivery from asking for its drain, and that id would wait for the next sweep.
    left = _script(q.connection, _WAKE)(keys=[_inbox(q, lane), _drain_pending(q, lane)], args=[DRAIN_PENDING_SECONDS])
    _drain_if(q, lane, left > 0)
    return left > 0


_WAKE = """
local waiting = redis.call('LLEN', KEYS[1])
if waiting > 0 then redis.call('SET', KEYS[2], 1, 'EX', ARGV[1]) end
return waiting
"""


def discard_waiting(q: Queue) -> None:
    """Drop every waiting job and delivery id; the recorded deliveries stay "received" for the sweeper."""
    q.empty()
    q.connection.delete(*(key(q, lane) for lane in range(LANES) for key in (_inbox, _drain_pending, _draining)))


def waiting(q: Queue) -> set[int]:
    """The delivery ids in the inbox now, every lane's."""
    with q.connection.pipeline(transaction=False) as pipe:
        for lane in range(LANES):
            pipe.lrange(_inbox(q, lane), 0, -1)
        return {int(delivery_id) for ids in pipe.execute() for delivery_id in ids}


def take_batch(q: Queue, lane: int, holder: str) -> list[int] | None:
    """The lane's next ids for the drain `holder`, which then holds the lane until `release`;
    None when another drain holds it (that one asks for the next drain when it is done)."""
    taken = _script(q.connection, _TAKE)(
        keys=[_drain_pending(q, lane), _draining(q, lane), _inbox(q, lane)], args=[holder, DRAINING_SECONDS, DRAIN_BATCH]
    )
    if taken is None:
        return None
    return [int(delivery_id) for delivery_id in taken or ()]


# The flag is cleared only by the drain that takes the lane: a drain turned away leaves it set,
# so the deliveries arriving meanwhile do not each ask for one more drain to be turned away.
_TAKE = """
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return nil end
redis.call('DEL', KEYS[1])
return redis.call('LPOP', KEYS[3], ARGV[3]) or {}
"""


def release(q: Queue, lane: int, holder: str) -> None:
    """Let go of the lane (if `holder` still holds it) and ask for its next drain when ids are left."""
    _script(q.connection, _RELEASE)(keys=[_draining(q, lane)], args=[holder])
    _ask_if_waiting(q, lane)


_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""


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
