"""Bulk discount changes on SQL: their outbox messages are the ones the unit of work would
have serialized event by event, and a stored duplicate id fails at commit."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from b2bcore.adapters.persistence.messages import message_from_event
from b2bcore.adapters.persistence.sql import SqlNumberSequence, SqlUnitOfWorkFactory
from b2bcore.adapters.persistence.sql.tables import outbox
from b2bcore.domain.errors import Conflict
from b2bcore.domain.events import DiscountChanged
from tests.builders import NOW, SECOND_INN, SECOND_KPP, make_client, make_manager


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh migrated database on each backend."""
    found: Engine = request.getfixturevalue(f"{request.param}_engine")
    return found


def test_bulk_messages_equal_the_serialized_events(engine: Engine) -> None:
    """Each bulk-written DiscountChanged row holds exactly message_from_event's topic,
    aggregate, payload and time, under an id of its own shaped like uuid4().hex."""
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(make_client(client_id="client-1"))
        uow.clients.add(make_client(client_id="client-2", inn=SECOND_INN, kpp=SECOND_KPP))
        uow.commit()
    with engine.begin() as connection:
        connection.execute(outbox.delete())
    with uows() as uow:
        uow.clients.discounts()
        uow.clients.apply_discounts(
            {"client-1": Decimal("3.00"), "client-2": Decimal("7.00")}, now=NOW
        )
        uow.commit()
    with engine.connect() as connection:
        rows = connection.execute(select(outbox).order_by(outbox.c.aggregate_id)).mappings().all()
    expected = [
        message_from_event(
            DiscountChanged(
                occurred_at=NOW,
                client_id=client_id,
                old_percent=Decimal("0.00"),
                new_percent=Decimal(new),
            )
        )
        for client_id, new in (("client-1", "3.00"), ("client-2", "7.00"))
    ]
    assert [
        (row["topic"], row["aggregate_id"], row["payload"], row["created_at"]) for row in rows
    ] == [(m.topic, m.aggregate_id, dict(m.payload), m.created_at) for m in expected]
    assert all(re.fullmatch(r"[0-9a-f]{32}", row["id"]) for row in rows)
    assert rows[0]["id"] != rows[1]["id"]


def test_adding_a_stored_id_fails_the_commit_with_conflict(engine: Engine) -> None:
    """add() takes a stored id without a query; the commit refuses it with Conflict."""
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(make_client(client_id="client-1"))
        uow.commit()
    with uows() as uow:
        uow.clients.add(make_client(client_id="client-1", kpp=SECOND_KPP))
        with pytest.raises(Conflict, match="client client-1 already exists"):
            uow.commit()


def test_a_number_drawn_inside_a_unit_of_work_survives_its_rollback(engine: Engine) -> None:
    """A number drawn on the unit of work's connection is its own transaction: leaving the
    block without commit does not return it, and the next draw moves on."""
    uows = SqlUnitOfWorkFactory(engine)
    numbers = SqlNumberSequence(engine)
    with uows() as uow:
        uow.clients.ids()
        first = numbers.next_value("order", 2026)
    with uows() as uow:
        second = numbers.next_value("order", 2026)
        uow.clients.ids()
    assert (first, second, numbers.next_value("order", 2026)) == (1, 2, 3)
