"""Reading ahead (``UnitOfWork.read_ahead_for_order``): on PostgreSQL the client, the
cart's products and the client's contract prices come in one statement,
and the repositories' next reads of them are answered from it -- with the same
values they would have read, and never after a commit or outside the block."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from b2bcore.adapters.persistence.sql import SqlUnitOfWorkFactory
from b2bcore.domain.errors import NotFound
from b2bcore.ports.repositories import UnitOfWork
from tests.builders import make_client, make_manager, make_product
from tests.databases import statements_sent

SKUS = ["SKU-1", "SKU-2"]


@pytest.fixture
def uows(postgres_engine: Engine) -> SqlUnitOfWorkFactory:
    """A client with a contract price, and two products, stored."""
    found = SqlUnitOfWorkFactory(postgres_engine)
    with found() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(make_client())
        for sku in SKUS:
            uow.products.upsert(make_product(sku=sku))
        uow.commit()
    with found() as uow:
        uow.prices.set_price("client-1", "SKU-2", Decimal("450.00"))
        uow.commit()
    return found


@pytest.fixture
def statements(postgres_engine: Engine) -> Iterator[list[str]]:
    """Every statement sent to the database while the test runs."""
    with statements_sent(postgres_engine) as sent:
        yield sent


def _reads(uow: UnitOfWork) -> tuple[Any, ...]:
    client = uow.clients.get("client-1")
    return (
        client.id,
        client.version,
        dict(uow.products.get_many(SKUS)),
        dict(uow.prices.prices_for("client-1")),
    )


def test_the_reads_are_answered_from_one_batch(
    uows: SqlUnitOfWorkFactory, statements: list[str]
) -> None:
    """Read ahead -- one statement -- the three reads send nothing more, and give what
    reading gives."""
    with uows() as uow:
        expected = _reads(uow)
    statements.clear()
    with uows() as uow:
        uow.read_ahead_for_order("client-1", SKUS)
        assert len(statements) == 1
        assert _reads(uow) == expected
        assert len(statements) == 1


def test_what_was_read_ahead_is_read_once(
    uows: SqlUnitOfWorkFactory, statements: list[str]
) -> None:
    """A second read of the same asks the database again: it is never served stale."""
    with uows() as uow:
        uow.read_ahead_for_order("client-1", SKUS)
        uow.products.get_many(SKUS)
        statements.clear()
        uow.products.get_many(SKUS)
        assert len(statements) == 1


def test_nothing_read_ahead_outlives_a_commit_or_the_block(
    uows: SqlUnitOfWorkFactory, statements: list[str]
) -> None:
    """A commit drops what no read took (it may have changed it), and so does leaving
    the block: a later unit of work over the same link reads afresh."""
    uow = uows()
    with uow:
        uow.read_ahead_for_order("client-1", SKUS)
        uow.prices.set_price("client-1", "SKU-1", Decimal("400.00"))
        uow.commit()
        statements.clear()
        assert uow.prices.prices_for("client-1") == {
            "SKU-1": Decimal("400.00"),
            "SKU-2": Decimal("450.00"),
        }
        assert len(statements) == 1
    with uow:
        uow.read_ahead_for_order("client-1", SKUS)
    statements.clear()
    with uow:
        uow.products.get_many(SKUS)
        assert len(statements) == 1


def test_a_missing_client_is_still_not_found(uows: SqlUnitOfWorkFactory) -> None:
    """Reading ahead for an unknown client finds nothing, and get() says so as ever."""
    with uows() as uow:
        uow.read_ahead_for_order("nobody", SKUS)
        with pytest.raises(NotFound):
            uow.clients.get("nobody")
