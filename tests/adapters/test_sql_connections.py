"""Pooled PostgreSQL connections: pinged only after sitting idle, and a dead one found
by a read is replaced without the caller noticing.

The server is real (tests/postgres.py); a connection is killed from another
session with ``pg_terminate_backend``, as a server restart or a network cut would.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from b2bcore.adapters.persistence.sql import SqlUnitOfWorkFactory, create_engine_from_url
from b2bcore.adapters.persistence.sql import engine as engines
from b2bcore.domain.errors import NotFound
from tests.builders import make_client, make_manager, make_order
from tests.databases import stored_client_and_order


@pytest.fixture
def admin(postgres_url: str) -> Iterator[Engine]:
    found = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    yield found
    found.dispose()


def _kill_the_pool(admin: Engine) -> int:
    """Terminate every other session on the database; how many there were."""
    with admin.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    return int(killed)


def _count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def _order_number(uows: SqlUnitOfWorkFactory) -> str:
    with uows() as uow:
        return uow.orders.get(make_order().id).number


def test_a_busy_engine_sends_no_pings(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine_from_url(postgres_url)
    pings = _count_pings(engine, monkeypatch)
    uows = stored_client_and_order(engine)
    numbers = {_order_number(uows) for _ in range(50)}
    assert numbers == {make_order().number}
    assert pings == []
    engine.dispose()


def test_a_connection_idle_past_the_window_is_pinged_and_a_dead_one_replaced(
    postgres_url: str, admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = create_engine_from_url(postgres_url)
    pings = _count_pings(engine, monkeypatch)
    uows = stored_client_and_order(engine)
    assert _kill_the_pool(admin) == 1
    assert _order_number(uows) == make_order().number
    assert len(pings) == 1  # the dead one failed its ping; the new one needs none
    engine.dispose()


def test_a_connection_that_died_moments_after_use_is_replaced_by_the_read(
    postgres_url: str, admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine_from_url(postgres_url)
    pings = _count_pings(engine, monkeypatch)
    uows = stored_client_and_order(engine)
    assert _order_number(uows) == make_order().number
    assert _kill_the_pool(admin) == 1
    assert _order_number(uows) == make_order().number  # repeated on a fresh connection
    assert pings == []
    engine.dispose()


def test_a_commit_on_a_dead_connection_fails_whole_and_the_next_one_succeeds(
    postgres_url: str, admin: Engine
) -> None:
    """A commit is never repeated blindly (its COMMIT may have been applied); it fails,
    writes nothing, and the pool has a live connection for the next unit of work."""
    engine = create_engine_from_url(postgres_url)
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.commit()
    assert _kill_the_pool(admin) == 1
    with uows() as uow:
        uow.clients.add(make_client())
        with pytest.raises(DBAPIError) as failed:
            uow.commit()
    assert failed.value.connection_invalidated
    with uows() as uow:
        with pytest.raises(NotFound):
            uow.clients.get(make_client().id)
        uow.clients.add(make_client())
        uow.commit()
    with uows() as uow:
        assert uow.clients.get(make_client().id).name == make_client().name
    engine.dispose()
