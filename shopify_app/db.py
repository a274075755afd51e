"""Engines and sessions, for PostgreSQL in production and SQLite on one machine."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// URLs should use it.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # No pool_pre_ping: it costs a round trip per transaction (a fifth of a
    # webhook's answer time in bench/). After a database restart the first
    # use of a stale connection fails, SQLAlchemy then discards the whole
    # pool, and the failure is answered 503 (Shopify retries) or retried by rq.
    return create_engine(url, pool_size=10, max_overflow=20)


def _sqlite_engine(url: str) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    # pysqlite's own transaction handling defers BEGIN and so lets two
    # writers read, then both try to write; BEGIN IMMEDIATE takes the write
    # lock up front, which is what the web process and the worker need.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        dbapi_connection.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@cache
def session_factory(url: str) -> sessionmaker[Session]:
    """One engine (and pool) per database URL per process."""
    return sessionmaker(make_engine(url), expire_on_commit=False)


def insert_ignoring_conflicts(session: Session, model, index_elements: list[str]):
    """INSERT ... ON CONFLICT DO NOTHING in the session's own dialect.

    Idempotency rests on the database's unique keys, so the insert must be
    the dialect's own, not a read-then-write that two workers can race.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing(index_elements=index_elements)


def settings_row(session: Session, model, shop_id: int, **defaults):
    """The shop's one row of `model` (its settings), made with the defaults the first time it is asked for.

    Read first, since the row is there for nearly every read (a storefront GET asks
    for two); insert-or-nothing when it is missing, so two first readers do not collide.
    """
    query = select(model).where(model.shop_id == shop_id)
    row = session.scalars(query).one_or_none()
    if row is None:
        session.execute(insert_ignoring_conflicts(session, model, ["shop_id"]).values(shop_id=shop_id, **defaults))
        row = session.scalars(query).one()
    return row
