"""Fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL.

Import them into a ``conftest.py`` (``from tests.databases import ...``). The
schema always comes from the migrations: once per session into a template (a
SQLite file, a PostgreSQL template database), then copied for each test, which
is far faster than migrating every time.

PostgreSQL is started by :mod:`tests.postgres` when its binaries are installed.
Without them the PostgreSQL tests are skipped -- except in CI (``CI`` set), where
a missing server fails the run instead of quietly testing less.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text

from b2bcore.adapters.persistence.sql import SqlUnitOfWorkFactory, create_engine_from_url, migrate
from b2bcore.domain.order import Order
from tests.builders import make_client, make_manager, make_order
from tests.postgres import PostgresServer, find_binaries

TEMPLATE = "b2b_template"


class _Shared:
    """One server and one template per test run, whichever conftest asks first."""

    server: PostgresServer | None = None
    admin: Engine | None = None
    names = itertools.count(1)


def _start_postgres() -> PostgresServer:
    if _Shared.server is None:
        bindir = find_binaries()
        if bindir is None:
            message = "PostgreSQL binaries (initdb, pg_ctl) not found"
            if os.environ.get("CI"):
                pytest.fail(f"{message}; in CI the PostgreSQL tests must run", pytrace=False)
            pytest.skip(message)
        server = PostgresServer.start(bindir)
        admin = create_engine(server.database_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {TEMPLATE}"))
        migrate.upgrade(server.database_url(TEMPLATE))
        _Shared.server, _Shared.admin = server, admin
    return _Shared.server


def _stop_postgres() -> None:
    server, admin = _Shared.server, _Shared.admin
    _Shared.server = _Shared.admin = None
    if admin is not None:
        admin.dispose()
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The test run's PostgreSQL server, with the migrated template database."""
    yield _start_postgres()
    _stop_postgres()


@contextmanager
def fresh_postgres_database(postgres: PostgresServer) -> Iterator[str]:
    """The URL of a fresh database, copied from the migrated template, dropped afterwards
    (for fixtures of a wider scope than :func:`postgres_url`)."""
    assert _Shared.admin is not None
    name = f"t_{next(_Shared.names)}"
    with _Shared.admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    yield postgres.database_url(name)
    with _Shared.admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh database, copied from the migrated template, dropped afterwards."""
    with fresh_postgres_database(postgres) as url:
        yield url


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine_from_url(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, to copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")  # the engine is disposed: the WAL is checkpointed
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite file of this test."""
    path = tmp_path / "b2b.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = create_engine_from_url(sqlite_url)
    yield engine
    engine.dispose()


def stored_client_and_order(engine: Engine) -> SqlUnitOfWorkFactory:
    """Units of work over ``engine`` with :func:`~tests.builders.make_manager`'s manager,
    :func:`~tests.builders.make_client`'s client and :func:`~tests.builders.make_order`'s
    order stored."""
    return stored_orders(engine, make_order())


def stored_orders(engine: Engine, *orders: Order) -> SqlUnitOfWorkFactory:
    """Units of work over ``engine`` with the builders' manager and client stored, and
    ``orders`` (of that client)."""
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(make_client())
        for order in orders:
            uow.orders.add(order)
        uow.commit()
    return uows


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """The statements sent to the database inside the block, but SQLite's ``BEGIN``:
    the engine emits it before every read there, a call inside the process rather than
    a round trip (reads on PostgreSQL run in autocommit and send none)."""
    sent: list[str] = []

    def capture(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", capture)
