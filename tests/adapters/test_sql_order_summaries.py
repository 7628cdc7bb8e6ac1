"""Migration 0004 (order summaries): orders stored before it get their amount paid and
invoice due date from their documents, and undoing it loses no order line."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, func, select

from b2bcore.adapters.persistence.sql import migrate
from b2bcore.adapters.persistence.sql.tables import order_lines
from b2bcore.ports.repositories import OrderFilter, OrderSummary
from tests.builders import invoiced_order, make_order, paid_order
from tests.databases import stored_orders


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh migrated database on each backend."""
    found: Engine = request.getfixturevalue(f"{request.param}_engine")
    return found


def _migrate(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = migrate.alembic_config(connection)
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


def test_orders_stored_before_0004_get_their_summary_columns(engine: Engine) -> None:
    """Down to 0003 and up again: the summaries are what the orders say, lines kept."""
    orders = [
        make_order(order_id="placed"),
        invoiced_order(make_order(order_id="invoiced")),
        paid_order(make_order(order_id="paid")),
    ]
    uows = stored_orders(engine, *orders)
    with engine.connect() as connection:
        lines = connection.execute(select(func.count()).select_from(order_lines)).scalar()
    _migrate(engine, "0003")
    _migrate(engine, "head")
    with uows() as uow:
        found = {s.id: s for s in uow.orders.summaries(OrderFilter(client_id="client-1"))}
    assert found == {order.id: OrderSummary.of(order) for order in orders}
    with engine.connect() as connection:
        kept = connection.execute(select(func.count()).select_from(order_lines)).scalar()
    assert kept == lines == len(orders)
