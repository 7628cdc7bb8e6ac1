"""Prepared statements (``sql/prepared.py``) send what ``Connection.execute`` sends and
give back what it gives, on both backends: the same typed values, the same wrapped
errors, the same statement events; JSON columns are written as ``json.dumps`` would
write them, by orjson; and a PostgreSQL commit's pipelined batch (``sql/writes.py``)
fails whole and leaves its connection usable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError

from b2bcore.adapters.persistence.sql import writes
from b2bcore.adapters.persistence.sql.engine import (
    create_engine_from_url,
    json_dumps,
    json_loads,
)
from b2bcore.adapters.persistence.sql.prepared import Prepared, rows_in_one
from b2bcore.adapters.persistence.sql.tables import outbox, products
from b2bcore.domain.errors import Conflict, NotFound
from tests.builders import NOW, SYSTEM, make_order
from tests.databases import statements_sent, stored_client_and_order

AT = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh migrated database on each backend."""
    found: Engine = request.getfixturevalue(f"{request.param}_engine")
    return found


def _message(message_id: str) -> dict[str, Any]:
    return {
        "id": message_id,
        "topic": "OrderPlaced",
        "aggregate_id": "order-1",
        "payload": {"number": "ЗК-2026-000001", "total": "1234.50", "lines": [1, 2]},
        "created_at": AT,
        "available_at": AT + timedelta(seconds=5),
    }


INSERT_MESSAGE = Prepared(insert(outbox))
MESSAGE_BY_ID = Prepared(select(outbox).where(outbox.c.id == bindparam("b_id")))


def test_a_prepared_write_reads_back_as_sqlalchemy_reads_it(engine: Engine) -> None:
    """Typed values both ways: an aware instant, JSON with Cyrillic, server defaults."""
    with engine.begin() as connection:
        assert INSERT_MESSAGE.execute(connection, _message("m-1")) == 1
    with engine.connect() as connection:
        prepared = MESSAGE_BY_ID.rows(connection, {"b_id": "m-1"})
        expected = connection.execute(MESSAGE_BY_ID.statement, {"b_id": "m-1"}).mappings().all()
    assert prepared == [dict(row) for row in expected]
    (row,) = prepared
    assert row["available_at"] == AT + timedelta(seconds=5)
    assert row["available_at"].tzinfo is not None
    assert row["payload"]["number"] == "ЗК-2026-000001"
    assert row["attempts"] == 0  # the column's server default


def test_money_columns_go_through_their_types_both_ways(engine: Engine) -> None:
    """``Money`` is stored as kopecks and read back as the same Decimal."""
    row = {
        "sku": "SKU-1",
        "name": "Бумага А4",
        "unit": "пач",
        "list_price": Decimal("312.40"),
        "vat_rate": "22",
        "active": True,
    }
    with engine.begin() as connection:
        Prepared(insert(products)).execute(connection, row)
    by_sku = Prepared(select(products.c.list_price).where(products.c.sku == bindparam("b")))
    with engine.connect() as connection:
        assert by_sku.scalar(connection, {"b": "SKU-1"}) == Decimal("312.40")
        stored = connection.execute(
            select(products.c.list_price.cast(products.c.list_price.type.impl))
        ).scalar_one()
    assert stored == 31240


def test_a_prepared_duplicate_is_wrapped_as_sqlalchemy_wraps_it(engine: Engine) -> None:
    with engine.begin() as connection:
        INSERT_MESSAGE.execute(connection, _message("m-2"))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        INSERT_MESSAGE.execute(connection, _message("m-2"))
    with engine.connect() as connection:
        assert len(MESSAGE_BY_ID.rows(connection, {"b_id": "m-2"})) == 1


def test_a_failed_write_in_a_transaction_leaves_nothing(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        INSERT_MESSAGE.execute_many(connection, [_message("m-3"), _message("m-3")])
    with engine.connect() as connection:
        assert MESSAGE_BY_ID.rows(connection, {"b_id": "m-3"}) == []


def test_statement_events_see_prepared_statements(engine: Engine) -> None:
    """A listener with ``retval=True`` may rewrite the statement, as tracers do."""
    seen: list[str] = []

    def tag(
        _conn: object, _cursor: object, statement: str, parameters: Any, *_: object
    ) -> tuple[str, Any]:
        seen.append(statement)
        return f"{statement} /* traced */", parameters

    event.listen(engine, "before_cursor_execute", tag, retval=True)
    try:
        with engine.connect() as connection:
            MESSAGE_BY_ID.rows(connection, {"b_id": "nothing"})
    finally:
        event.remove(engine, "before_cursor_execute", tag)
    assert len(seen) == 1
    assert seen[0].startswith("SELECT outbox.id")


def test_a_statement_that_needs_sqlalchemy_at_execution_is_refused(engine: Engine) -> None:
    expanding = Prepared(
        select(outbox.c.id).where(outbox.c.id.in_(bindparam("ids", expanding=True)))
    )
    with engine.connect() as connection, pytest.raises(TypeError, match="expanding IN"):
        expanding.rows(connection, {"ids": ["a", "b"]})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_json_is_written_as_json_dumps_writes_it(value: object) -> None:
    """Byte for byte: the bulk discount update splices stored JSON texts together."""
    assert json_dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert json_loads(json_dumps(value)) == value


# -- a commit's pipelined batch (sql/writes.py) -----------------------------------------


@pytest.fixture
def one_connection(postgres_url: str) -> Iterator[Engine]:
    """A PostgreSQL engine whose pool holds a single connection: every unit of work
    after a failed commit gets the very connection that commit used."""
    engine = create_engine_from_url(postgres_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def test_a_refused_batch_leaves_the_connection_fit_for_the_next_commit(
    one_connection: Engine,
) -> None:
    """The duplicate surfaces from the batch as the domain error naming the row; the
    rollback ends the batch and the transaction, so the same connection commits next."""
    uows = stored_client_and_order(one_connection)
    with uows() as uow:
        uow.orders.get("order-1").reserve(SYSTEM, NOW, "r-1")  # an update, then:
        uow.orders.add(make_order(order_id="order-2", number="ЗК-order-1"))
        with pytest.raises(Conflict, match="order number ЗК-order-1 is already taken"):
            uow.commit()
    with uows() as uow:
        assert uow.orders.get("order-1").reservation is None  # the update went too
        uow.orders.add(make_order(order_id="order-2", number="ЗК-order-2"))
        uow.commit()
    with uows() as uow:
        assert uow.orders.get("order-2").number == "ЗК-order-2"


def test_a_failed_check_in_the_batch_stores_nothing_of_it(postgres_engine: Engine) -> None:
    """The version check is read from the batch's results: a stale update refuses the
    whole commit, inserts sent with it included."""
    uows = stored_client_and_order(postgres_engine)
    with uows() as stale:
        stale.orders.get("order-1").reserve(SYSTEM, NOW, "r-stale")
        with uows() as first:
            first.orders.get("order-1").reserve(SYSTEM, NOW, "r-1")
            first.commit()
        stale.orders.add(make_order(order_id="order-2", number="ЗК-order-2"))
        with pytest.raises(Conflict, match="changed by someone else"):
            stale.commit()
    with uows() as uow:
        assert uow.orders.get("order-1").reservation == "r-1"
        with pytest.raises(NotFound):
            uow.orders.get("order-2")


# -- a commit of inserts alone, fused into one statement --------------------------------


@pytest.fixture
def sent(postgres_engine: Engine) -> Iterator[list[str]]:
    """Every statement sent to PostgreSQL while the test runs."""
    with statements_sent(postgres_engine) as found:
        yield found


def test_a_commit_of_inserts_is_one_statement(postgres_engine: Engine, sent: list[str]) -> None:
    """An order, its line and its outbox message: one statement, no BEGIN or COMMIT, the
    line's foreign key to the order satisfied within it; all of it stored."""
    uows = stored_client_and_order(postgres_engine)
    order = make_order(order_id="order-2", number="ЗК-order-2")
    sent.clear()
    with uows() as uow:
        uow.orders.add(order)
        uow.commit()
    assert len(sent) == 1
    assert sent[0].startswith("WITH w0 AS (INSERT INTO orders")
    with uows() as uow:
        stored = uow.orders.get("order-2")
        assert [line.sku for line in stored.lines] == [line.sku for line in order.lines]
        assert any(m.aggregate_id == "order-2" for m in uow.outbox.pending(limit=10))


def test_a_refused_fused_commit_names_the_refused_row_and_stores_nothing(
    postgres_engine: Engine, sent: list[str]
) -> None:
    """A duplicate in a fused commit: nothing of it stored, and the error names the row
    as one statement at a time would (the commit is sent again that way to find it)."""
    uows = stored_client_and_order(postgres_engine)
    sent.clear()
    with uows() as uow:
        uow.orders.add(make_order(order_id="order-2", number="ЗК-order-1"))
        with pytest.raises(Conflict, match="order number ЗК-order-1 is already taken"):
            uow.commit()
    assert sent[0].startswith("WITH w0 AS (INSERT INTO orders")
    assert [statement.split(" (")[0] for statement in sent[1:]] == [
        "INSERT INTO orders",
        "INSERT INTO order_lines",
        "INSERT INTO outbox",
    ]
    with uows() as uow, pytest.raises(NotFound):
        uow.orders.get("order-2")


def test_a_commit_of_more_rows_than_fused_is_pipelined(
    postgres_engine: Engine, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More rows than one statement should carry (writes.FUSED_ROWS; here 2) go one
    statement each (pipelined), and are all stored."""
    monkeypatch.setattr(writes, "FUSED_ROWS", 2)
    uows = stored_client_and_order(postgres_engine)
    sent.clear()
    with uows() as uow:
        uow.orders.add(make_order(order_id="order-2", number="ЗК-order-2"))
        uow.commit()
    assert [statement.split(" (")[0] for statement in sent] == [
        "INSERT INTO orders",
        "INSERT INTO order_lines",
        "INSERT INTO outbox",
    ]
    with uows() as uow:
        assert uow.orders.get("order-2").number == "ЗК-order-2"


# -- several reads in one statement ------------------------------------------------------

MESSAGES_OF_TOPIC = Prepared(select(outbox.c.id).where(outbox.c.topic == bindparam("b_topic")))
NO_MESSAGE = Prepared(select(outbox.c.id).where(outbox.c.id == bindparam("b_none")))


def test_reads_in_one_statement_give_what_each_read_gives(engine: Engine) -> None:
    """rows_in_one: each read's rows, typed as its own run gives them (an aware instant,
    JSON, money), from one statement; a read with no row gets none."""
    with engine.begin() as connection:
        INSERT_MESSAGE.execute(connection, _message("m-1"))
        INSERT_MESSAGE.execute(connection, {**_message("m-2"), "topic": "OrderPaid"})
    reads = [
        (MESSAGE_BY_ID, {"b_id": "m-1"}),
        (MESSAGES_OF_TOPIC, {"b_topic": "OrderPaid"}),
        (NO_MESSAGE, {"b_none": "x"}),
    ]
    with engine.connect() as connection:
        apart = [prepared.rows(connection, parameters) for prepared, parameters in reads]
        together = rows_in_one(connection, reads)
    assert together == apart
    assert apart[0][0]["created_at"] == AT
    assert apart[1] == [{"id": "m-2"}]
    assert apart[2] == []


def test_reads_sharing_a_parameter_name_are_not_put_together(engine: Engine) -> None:
    """Two reads binding the same name could not share one statement: None, the caller
    reads them otherwise."""
    reads = [(MESSAGE_BY_ID, {"b_id": "m-1"}), (MESSAGE_BY_ID, {"b_id": "m-2"})]
    with engine.connect() as connection:
        assert rows_in_one(connection, reads) is None
