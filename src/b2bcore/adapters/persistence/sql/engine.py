"""Engines from a database URL: a SQLite file (the default) or PostgreSQL via psycopg 3.

SQLite connections get WAL (readers never wait for the writer), foreign keys on
(SQLite's default is off) and a busy timeout. SQLAlchemy, not the ``sqlite3``
module, emits ``BEGIN``, so every transaction is a real one; a transaction
that will write begins ``IMMEDIATE`` (:func:`write_transaction`), taking the
write lock at once instead of failing half-way when another writer got there
first. PostgreSQL runs at READ COMMITTED, its default; the unit of work's
version checks, not the isolation level, prevent lost updates.

A pooled PostgreSQL connection is pinged before use only when it has been idle
for :data:`PING_AFTER_IDLE_SECONDS` (:func:`ping_when_idle`), not on every
checkout: a busy worker or web process checks a connection out many times a
second, and SQLAlchemy's ``pool_pre_ping`` made each of those a round trip --
a fifth of all statements the order pipeline sent. A connection that died
within the window fails its first read, which the unit of work's link repeats
once on a fresh connection (:class:`.Link`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

__all__ = [
    "create_engine_from_url",
    "json_dumps",
    "json_loads",
    "normalize_url",
    "ping_when_idle",
    "reading_connection",
    "write_transaction",
]

BUSY_TIMEOUT_MS = 30_000
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "b2bcore_idle_since"  # in a pool entry's ``info``: when it was checked in
AUTOCOMMIT = "AUTOCOMMIT"
_BEGIN_OPTION = "b2bcore_begin"  # an execution option: "DEFERRED" or "IMMEDIATE" (SQLite)


def normalize_url(url: str | URL) -> URL:
    """The URL with the driver b2bcore uses; a bare path means a SQLite file.

    ``postgresql://`` and ``postgres://`` get the psycopg 3 driver; ``sqlite://``
    without a file is refused: every unit of work needs its own connection to
    one shared database, which an in-memory SQLite database cannot give (use the
    in-memory adapter instead).
    """
    if isinstance(url, str) and "://" not in url:
        url = URL.create("sqlite", database=url)
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
            raise ValueError(
                "b2bcore needs a SQLite file (sqlite:///path/to/b2b.db), not an in-memory database"
            )
        return parsed
    if parsed.get_backend_name() == "postgresql":
        return parsed
    raise ValueError(f"unsupported database {parsed.drivername!r}: use sqlite or postgresql")


def create_engine_from_url(url: str | URL, **options: Any) -> Engine:
    """An engine for ``url``, configured as b2bcore needs; ``options`` go to SQLAlchemy."""
    parsed = normalize_url(url)
    options.setdefault("json_serializer", json_dumps)
    options.setdefault("json_deserializer", json_loads)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None  # normalize_url refused the rest
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **options)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    if "pool_pre_ping" in options:  # the caller chose SQLAlchemy's own checking
        return create_engine(parsed, **options)
    engine = create_engine(parsed, **options)
    ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def ping_when_idle(engine: Engine, seconds: float) -> None:
    """Ping a pooled connection at checkout if it sat in the pool ``seconds`` or longer;
    a dead one is replaced before anyone uses it (the pool retries the checkout)."""
    dialect = engine.dialect

    def checked_in(_dbapi_connection: object, entry: ConnectionPoolEntry) -> None:
        entry.info[_IDLE_SINCE] = time.monotonic()

    def checked_out(
        dbapi_connection: Any, entry: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        since = entry.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < seconds:
            return  # a new connection, or one in use moments ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


@contextmanager
def write_transaction(connection: Connection) -> Iterator[Connection]:
    """A transaction that writes: committed at the end of the block, rolled back on error.

    On SQLite it begins IMMEDIATE, waiting (up to the busy timeout) for the write
    lock before anything is read, so two writers queue instead of deadlocking. A
    connection from :func:`reading_connection` leaves autocommit for the block.
    """
    reads_autocommit = connection.get_execution_options().get("isolation_level") == AUTOCOMMIT
    if reads_autocommit:
        connection.execution_options(isolation_level=connection.default_isolation_level)
    sqlite = connection.dialect.name == "sqlite"  # only SQLite's BEGIN listens to the option
    if sqlite:
        connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
    try:
        with connection.begin():
            yield connection
    finally:
        if sqlite:
            connection.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
        # A connection lost mid-commit reconnects on its next use, in a plain
        # transaction: correct, only a round trip or two slower.
        if reads_autocommit and not connection.invalidated:
            connection.execution_options(isolation_level=AUTOCOMMIT)


def reading_connection(engine: Engine) -> Connection:
    """A connection whose single-statement reads need no transaction of their own making.

    On PostgreSQL it runs in autocommit: a lone SELECT is then its own transaction,
    one round trip instead of three (BEGIN, SELECT, ROLLBACK), with the same READ
    COMMITTED view. :func:`write_transaction` switches it back for the writes.
    SQLite's BEGIN and ROLLBACK are calls inside the process, not round trips, so
    its connections stay as they are.
    """
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection.execution_options(isolation_level=AUTOCOMMIT)
    return connection


def json_dumps(value: object) -> str:
    """JSON as the engines write it into JSON columns: compact, non-ASCII kept -- the text
    ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` gives, by orjson,
    eight times faster on an order's document (every write of an order has one)."""
    return orjson.dumps(value).decode()


def json_loads(text: str | bytes) -> Any:
    """JSON columns as the engines read them, by orjson (2.4 times ``json.loads``)."""
    return orjson.loads(text)


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    # Take BEGIN away from the sqlite3 module, which would skip it before SELECTs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
