"""The rq queue: how a recorded delivery reaches a worker."""

from __future__ import annotations

from functools import cache

from redis import Redis
from rq import Queue, Retry

# Spread over about 13 minutes: long enough for a database failover or a
# deploy, short enough that a member sees points the same hour.
DELIVERY_RETRY = Retry(max=5, interval=[1, 5, 30, 120, 600])


@cache
def connection(redis_url: str) -> Redis:
    # Fail fast: Shopify waits 5 s for an answer and a lost enqueue is swept later.
    return Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=5)


def queue(redis_url: str, name: str) -> Queue:
    return Queue(name, connection=connection(redis_url))


def delivery_job_id(delivery_id: int) -> str:
    return f"delivery-{delivery_id}"


def enqueue_delivery(q: Queue, delivery_id: int):
    # One MULTI/EXEC round trip: without a pipeline rq's enqueue makes two.
    with q.connection.pipeline() as pipe:
        job = q.enqueue(
            "shopify_app.jobs.process_delivery",
            delivery_id,
            job_id=delivery_job_id(delivery_id),
            retry=DELIVERY_RETRY,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            pipeline=pipe,
        )
        pipe.execute()
    return job
