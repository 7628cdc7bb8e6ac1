"""Loading one order costs one statement: its row and its lines come back together
(``orders._order_with_lines``), in position order; pages of orders keep two."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, delete

from b2bcore.adapters.persistence.sql import SqlUnitOfWorkFactory
from b2bcore.adapters.persistence.sql.tables import order_lines
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route, RoutingDecision
from b2bcore.domain.errors import NotFound
from b2bcore.domain.order import Order
from b2bcore.domain.pricing import OrderLine
from b2bcore.ports.repositories import OrderFilter, UnitOfWork
from tests.builders import (
    NOW,
    company_id_for,
    contact_id_for,
    invoiced_order,
    make_order,
    make_product,
    state_of,
)
from tests.databases import statements_sent, stored_orders

# Not in sorted order, so lines read back in any order but their positions' would show.
SKUS = ("SKU-C", "SKU-A", "SKU-B")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh migrated database on each backend."""
    found: Engine = request.getfixturevalue(f"{request.param}_engine")
    return found


def three_line_order(order_id: str = "order-3") -> Order:
    """A placed order of three lines (``SKUS``, in that order), then invoiced."""
    client_id = "client-1"
    placed = Order.place(
        order_id=order_id,
        number=f"ЗК-{order_id}",
        client_id=client_id,
        company_id=company_id_for(client_id),
        contact_id=contact_id_for(client_id),
        lines=[
            OrderLine.price(make_product(sku=sku, list_price=f"{100 * n}.50"), n)
            for n, sku in enumerate(SKUS, start=1)
        ],
        delivery=make_order().delivery,
        delivery_address="г. Москва, ул. Складская, д. 5",
        discount_percent=make_order().discount_percent,
        decision=RoutingDecision(Route.AUTOMATIC),
        actor=Actor.buyer(contact_id_for(client_id), client_id),
        now=NOW,
    )
    return invoiced_order(placed, invoice_number=f"СЧ-{order_id}")


def load(
    engine: Engine, uows: SqlUnitOfWorkFactory, read: Callable[[UnitOfWork], Any]
) -> tuple[Any, list[str]]:
    """What ``read`` returns in a fresh unit of work, and the statements it sent."""
    with uows() as uow, statements_sent(engine) as sent:
        found = read(uow)
    return found, sent


def test_get_reads_an_order_with_its_lines_in_one_statement(engine: Engine) -> None:
    stored = three_line_order()
    uows = stored_orders(engine, make_order(), stored)
    loaded, sent = load(engine, uows, lambda uow: uow.orders.get(stored.id))
    assert len(sent) == 1, sent
    assert state_of(loaded) == state_of(stored)
    assert [line.sku for line in loaded.lines] == list(SKUS)


def test_find_by_invoice_and_get_by_number_read_one_statement(engine: Engine) -> None:
    stored = three_line_order()
    uows = stored_orders(engine, make_order(), stored)
    assert stored.invoice is not None
    invoice_number = stored.invoice.number
    by_invoice, sent = load(engine, uows, lambda uow: uow.orders.find_by_invoice(invoice_number))
    assert len(sent) == 1, sent
    assert state_of(by_invoice) == state_of(stored)
    by_number, sent = load(engine, uows, lambda uow: uow.orders.get_by_number(stored.number))
    assert len(sent) == 1, sent
    assert state_of(by_number) == state_of(stored)


def test_a_missing_order_costs_one_statement_too(engine: Engine) -> None:
    uows = stored_orders(engine, three_line_order())
    with uows() as uow, statements_sent(engine) as sent:
        with pytest.raises(NotFound):
            uow.orders.get("no-such-order")
        assert uow.orders.find_by_invoice("СЧ-none") is None
    assert len(sent) == 2, sent


def test_a_held_order_is_not_read_again(engine: Engine) -> None:
    stored = three_line_order()
    uows = stored_orders(engine, stored)
    assert stored.invoice is not None
    with uows() as uow:
        first = uow.orders.get(stored.id)
        with statements_sent(engine) as sent:
            assert uow.orders.get(stored.id) is first
            assert uow.orders.find_by_invoice(stored.invoice.number) is first
            assert uow.orders.get_by_number(stored.number) is first
    assert sent == []


def test_a_page_of_orders_reads_their_lines_by_a_second_statement(engine: Engine) -> None:
    """Lists keep two statements (the page, then the lines of all of it): see ``orders``."""
    stored = [three_line_order(f"order-{n}") for n in range(3)]
    uows = stored_orders(engine, *stored)
    page, sent = load(engine, uows, lambda uow: uow.orders.list(OrderFilter(limit=10)))
    assert len(sent) == 2, sent
    assert sorted(order.id for order in page) == [order.id for order in stored]
    assert all([line.sku for line in order.lines] == list(SKUS) for order in page)


def test_an_order_without_lines_still_loads_as_its_row(engine: Engine) -> None:
    """The domain makes no such order; were one stored, one order reads as a page does."""
    stored = three_line_order()
    uows = stored_orders(engine, stored)
    with engine.begin() as connection:
        connection.execute(delete(order_lines).where(order_lines.c.order_id == stored.id))
    loaded, sent = load(engine, uows, lambda uow: uow.orders.get(stored.id))
    assert len(sent) == 1, sent
    assert loaded.lines == ()
    assert state_of(loaded) == {**state_of(stored), "lines": ()}
    (listed,), _sent = load(engine, uows, lambda uow: uow.orders.list(OrderFilter(limit=10)))
    assert state_of(listed) == state_of(loaded)
