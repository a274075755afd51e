"""Engines and sessions on PostgreSQL: production's server, or `make run`'s embedded one."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if not url.startswith("postgresql"):
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL: Perks runs on PostgreSQL alone (got {url.split(':', 1)[0]}:)")
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// URLs should use it.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # No pool_pre_ping: it costs a round trip per transaction (a fifth of a
    # webhook's answer time in bench/). After a database restart the first
    # use of a stale connection fails, SQLAlchemy then discards the whole
    # pool, and the failure is answered 503 (Shopify retries) or retried by rq.
    return create_engine(url, pool_size=10, max_overflow=20)


@cache
def session_factory(url: str) -> sessionmaker[Session]:
    """One engine (and pool) per database URL per process."""
    return sessionmaker(make_engine(url), expire_on_commit=False)


def insert_ignoring_conflicts(model, index_elements: list[str]):
    """INSERT ... ON CONFLICT DO NOTHING.

    Idempotency rests on the database's unique keys, so the insert must be
    one statement, not a read-then-write that two workers can race.
    """
    return insert(model).on_conflict_do_nothing(index_elements=index_elements)


def settings_row(session: Session, model, shop_id: int, **defaults):
    """The shop's one row of `model` (its settings), made with the defaults the first time it is asked for.

    Read first, since the row is there for nearly every read (a storefront GET asks
    for two); insert-or-nothing when it is missing, so two first readers do not collide.
    """
    query = select(model).where(model.shop_id == shop_id)
    row = session.scalars(query).one_or_none()
    if row is None:
        session.execute(insert_ignoring_conflicts(model, ["shop_id"]).values(shop_id=shop_id, **defaults))
        row = session.scalars(query).one()
    return row
