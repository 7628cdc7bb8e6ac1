"""The SQL storage beyond the unit-of-work contract: migrations, column types,
constraints, SQLite settings, number sequences, concurrency on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from b2bcore.adapters.persistence.sql import (
    SqlNumberSequence,
    SqlUnitOfWorkFactory,
    create_engine_from_url,
    metadata,
    migrate,
    normalize_url,
)
from b2bcore.adapters.persistence.sql.integrity import UNIQUE_MESSAGES
from b2bcore.adapters.persistence.sql.tables import (
    CLIENT_SEARCH_TRIGRAM_INDEX,
    clients,
    number_sequences,
    order_lines,
    orders,
    outbox,
    products,
)
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Company, CompanyKind, Contact, DeliveryAddress, Requisites
from b2bcore.domain.errors import Conflict, InvalidValue, InvariantViolation
from b2bcore.domain.identifiers import BankAccount, Inn, Ogrn
from b2bcore.domain.order import DocumentRef, OrderStatus
from b2bcore.domain.pricing import OrderLine
from b2bcore.domain.reasons import Reason
from b2bcore.i18n import render_transition
from b2bcore.ports.repositories import OrderFilter
from tests.builders import (
    NOW,
    SYSTEM,
    make_client,
    make_order,
    make_product,
    paid_order,
    state_of,
)
from tests.databases import stored_client_and_order, stored_orders
from tests.strategies import (
    amounts,
    inn12_check_digits,
    ogrnip_check_digit,
    with_settlement_key,
)

LARGEST = Decimal("99999999999.99")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh migrated database on each backend."""
    found: Engine = request.getfixturevalue(f"{request.param}_engine")
    return found


# -- migrations ------------------------------------------------------------------


def test_upgrade_brings_an_empty_database_to_head(tmp_path: Path) -> None:
    """A new database has no revision; after upgrade it is at the packaged head."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert migrate.current(url) is None
    assert not (tmp_path / "new.db").exists()
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head() == "0007"


def test_the_initial_migration_can_be_undone(sqlite_engine: Engine) -> None:
    """Downgrading to base drops every table the migrations made."""
    with sqlite_engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "base")
    with sqlite_engine.connect() as connection:
        tables = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
        assert list(tables.scalars()) == ["alembic_version"]
    assert migrate.current(sqlite_engine) is None


def test_postgres_template_is_at_head(postgres_url: str) -> None:
    """The PostgreSQL databases of the tests come from the migrations, at head."""
    assert migrate.current(postgres_url) == migrate.head()


def test_clients_leave_room_in_their_pages_on_postgres(postgres_engine: Engine) -> None:
    """Migration 0007 sets the clients' fillfactor tables.py declares, so a discount
    change can stay in its page."""
    with postgres_engine.connect() as connection:
        options = connection.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE relname = 'clients'"
        ).scalar_one()
    assert options == [f"fillfactor={clients.dialect_options['postgresql']['with']['fillfactor']}"]


def test_migrated_schema_matches_the_tables(engine: Engine) -> None:
    """Alembic finds no difference between the migrated database and tables.py."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _not_the_trigram_index}
        )
        assert compare_metadata(context, metadata) == []


def _not_the_trigram_index(name: str | None, kind: str, _parents: object) -> bool:
    """The search's trigram index is optional, PostgreSQL only, so not in tables.py."""
    return not (kind == "index" and name == CLIENT_SEARCH_TRIGRAM_INDEX)


def test_postgres_client_search_has_its_trigram_index(postgres_engine: Engine) -> None:
    """Where pg_trgm can be created (the tests' server), 0005 indexes search_text with it."""
    with postgres_engine.connect() as connection:
        found = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
            {"name": CLIENT_SEARCH_TRIGRAM_INDEX},
        ).scalar()
    assert found is not None
    assert "gin (search_text gin_trgm_ops)" in found


def test_every_worded_constraint_exists() -> None:
    """Each unique constraint with a message is a constraint of the schema."""
    names = {c.name for table in metadata.tables.values() for c in table.constraints}
    assert set(UNIQUE_MESSAGES) <= names


# -- SQLite settings and URLs --------------------------------------------------------


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_engine: Engine) -> None:
    """Every SQLite connection has WAL, foreign keys and a busy timeout."""
    with sqlite_engine.connect() as connection:
        pragmas = [
            connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        ]
    assert pragmas == ["wal", 1, 30_000]


@pytest.mark.parametrize(
    ("given_url", "expected"),
    [
        ("postgresql://u@db/b2b", "postgresql+psycopg://u@db/b2b"),
        ("postgres://u@db/b2b", "postgresql+psycopg://u@db/b2b"),
        ("postgresql+psycopg://u@db/b2b", "postgresql+psycopg://u@db/b2b"),
        ("sqlite:///b2b.db", "sqlite:///b2b.db"),
        ("data/b2b.db", "sqlite:///data/b2b.db"),
    ],
)
def test_urls_are_normalized(given_url: str, expected: str) -> None:
    """PostgreSQL URLs get the psycopg 3 driver; a bare path is a SQLite file."""
    assert normalize_url(given_url).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://u@db/b2b"])
def test_unusable_urls_are_refused(url: str) -> None:
    """In-memory SQLite and other databases are refused with a reason."""
    with pytest.raises(ValueError, match=r"SQLite file|unsupported"):
        normalize_url(url)


def test_a_sqlite_file_gets_its_directory(tmp_path: Path) -> None:
    """The directory of a new SQLite file is created."""
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'a' / 'b' / 'b2b.db'}")
    migrate.upgrade(engine)
    engine.dispose()
    assert (tmp_path / "a" / "b" / "b2b.db").exists()


# -- column types ------------------------------------------------------------------


def _insert_product(engine: Engine, sku: str, price: Decimal) -> None:
    row = {"sku": sku, "name": "x", "unit": "шт", "vat_rate": "22", "active": True}
    with engine.begin() as connection:
        connection.execute(insert(products), {**row, "list_price": price})


def test_money_round_trips_exact_kopecks(engine: Engine) -> None:
    """Amounts come back to the kopeck, the largest one included, and sum exactly."""
    prices = [LARGEST, Decimal("0.01"), Decimal("0.10"), Decimal("0.20"), Decimal("0.00")]
    for n, price in enumerate(prices):
        _insert_product(engine, f"SKU-{n}", price)
    with engine.connect() as connection:
        stored = connection.execute(select(products.c.list_price).order_by(products.c.sku))
        total = connection.execute(select(func.sum(products.c.list_price))).scalar_one()
    assert list(stored.scalars()) == prices
    assert total == Decimal("100000000000.30")
    assert str(total) == "100000000000.30"


@pytest.fixture(scope="module")
def scratch_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated SQLite database shared by every example of a property."""
    engine = create_engine_from_url(f"sqlite:///{tmp_path_factory.mktemp('scratch') / 'b2b.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@given(amount=amounts(max_value=99_999_999_999_99))
def test_any_amount_round_trips(scratch_sqlite: Engine, amount: Decimal) -> None:
    """Every amount of whole kopecks is stored and read back unchanged (SQLite)."""
    with scratch_sqlite.begin() as connection:
        connection.execute(products.delete())
    _insert_product(scratch_sqlite, "SKU", amount)
    with scratch_sqlite.connect() as connection:
        assert connection.execute(select(products.c.list_price)).scalar_one() == amount


def test_fractions_of_a_kopeck_are_refused(sqlite_engine: Engine) -> None:
    """An amount the domain did not round is refused, never rounded by the database."""
    with pytest.raises(StatementError, match="decimal places"):
        _insert_product(sqlite_engine, "SKU", Decimal("1.005"))


def _outbox_row(created_at: datetime) -> dict[str, object]:
    return {
        "id": "m-1",
        "topic": "Test",
        "aggregate_id": "a-1",
        "payload": {"ключ": "значение"},
        "created_at": created_at,
        "available_at": created_at,
    }


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    """A datetime without a zone is refused: which instant it means is a guess."""
    with pytest.raises(StatementError, match="naive"), engine.begin() as connection:
        connection.execute(insert(outbox), _outbox_row(datetime(2026, 3, 2, 10, 0)))


def test_instants_come_back_aware_in_utc(engine: Engine) -> None:
    """An instant stored in Moscow time comes back as the same instant in UTC."""
    moscow = datetime(2026, 3, 2, 13, 0, tzinfo=timezone(timedelta(hours=3)))
    with engine.begin() as connection:
        connection.execute(insert(outbox), _outbox_row(moscow))
    with engine.connect() as connection:
        row = connection.execute(select(outbox.c.created_at, outbox.c.payload)).one()
    assert row.created_at == moscow
    assert row.created_at.tzinfo == UTC
    assert row.payload == {"ключ": "значение"}


# -- constraints -------------------------------------------------------------------


def test_a_negative_price_is_refused_by_the_database(engine: Engine) -> None:
    """A CHECK keeps a negative price out even when a bug writes it with raw SQL."""
    with pytest.raises(IntegrityError, match="list_price_not_negative"), engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO products (sku, name, unit, list_price, vat_rate, active)"
                " VALUES ('SKU', 'x', 'шт', -1, '22', true)"
            )
        )


def test_a_zero_quantity_is_refused_by_the_database(engine: Engine) -> None:
    """A CHECK keeps a line of zero items out even when a bug writes it with raw SQL."""
    stored_client_and_order(engine)
    with pytest.raises(IntegrityError, match="quantity_positive"), engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO order_lines (order_id, position, sku, name, unit, quantity,"
                " list_price, discount_percent, unit_price, price_source, vat_rate, gross, vat)"
                " VALUES ('order-1', 7, 'SKU', 'x', 'шт', 0, 100, 0, 100, 'list', '22', 0, 0)"
            )
        )


def test_an_order_for_an_unknown_client_is_refused(engine: Engine) -> None:
    """A foreign key refuses an order whose client does not exist, naming the client."""
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.orders.add(make_order(client_id="nobody"))
        with pytest.raises(InvariantViolation, match="nobody"):
            uow.commit()
    with uows() as uow:
        assert not uow.orders.list(OrderFilter())


def test_a_taken_order_number_is_a_conflict_naming_it(engine: Engine) -> None:
    """A unique violation is a Conflict that says which value is taken."""
    uows = stored_client_and_order(engine)
    with uows() as uow:
        uow.orders.add(make_order(order_id="order-2", number="ЗК-order-1"))
        with pytest.raises(Conflict, match="order number ЗК-order-1 is already taken"):
            uow.commit()


def test_a_stale_order_conflict_names_the_order(engine: Engine) -> None:
    """A commit over a concurrent change says which order to reload."""
    uows = stored_client_and_order(engine)
    first, second = uows(), uows()
    with first, second:
        first.orders.get("order-1").reserve(SYSTEM, NOW, "r-1")
        second.orders.get("order-1").reserve(SYSTEM, NOW, "r-2")
        first.commit()
        with pytest.raises(Conflict, match="order ЗК-order-1 was changed by someone else"):
            second.commit()


# -- concurrency -------------------------------------------------------------------


def test_concurrent_commits_on_postgres_lose_no_update(postgres_engine: Engine) -> None:
    """Two units of work committing one order at the same moment: one Conflict, one change."""
    uows = stored_client_and_order(postgres_engine)
    both_loaded = threading.Barrier(2)

    def reserve(reference: str) -> str:
        with uows() as uow:
            uow.orders.get("order-1").reserve(SYSTEM, NOW, reference)
            both_loaded.wait(timeout=10)
            try:
                uow.commit()
            except Conflict:
                return "conflict"
            return "committed"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(reserve, ["r-1", "r-2"]))
    assert outcomes == ["committed", "conflict"]
    with uows() as uow:
        order = uow.orders.get("order-1")
        assert order.status is OrderStatus.RESERVED
        assert [t.action for t in order.history] == ["place", "reserve"]


# -- number sequences ----------------------------------------------------------------


def test_numbers_count_per_series_and_year(engine: Engine) -> None:
    """Each series and year counts from 1 on its own."""
    numbers = SqlNumberSequence(engine)
    taken = [numbers.next_value(series, year) for series, year in [("ЗК", 2026)] * 3]
    assert taken == [1, 2, 3]
    assert numbers.next_value("СЧ", 2026) == 1
    assert numbers.next_value("ЗК", 2027) == 1
    assert numbers.next_value("ЗК", 2026) == 4


def test_an_empty_series_is_refused(sqlite_engine: Engine) -> None:
    """A series needs a name."""
    with pytest.raises(InvalidValue):
        SqlNumberSequence(sqlite_engine).next_value(" ", 2026)


def _drawn_concurrently(next_value: Callable[[], int], threads: int, calls: int) -> list[int]:
    start = threading.Barrier(threads)

    def draw(_thread: int) -> list[int]:
        start.wait(timeout=10)
        return [next_value() for _ in range(calls)]

    with ThreadPoolExecutor(threads) as pool:
        return [n for drawn in pool.map(draw, range(threads)) for n in drawn]


def test_threads_never_share_a_number_on_sqlite(sqlite_engine: Engine) -> None:
    """Two threads drawing 200 numbers each get 1..400, each once."""
    numbers = SqlNumberSequence(sqlite_engine)
    drawn = _drawn_concurrently(lambda: numbers.next_value("ЗК", 2026), threads=2, calls=200)
    assert sorted(drawn) == list(range(1, 401))


def test_threads_never_share_a_number_on_postgres(postgres_engine: Engine) -> None:
    """Four threads drawing 100 numbers each, the first of the year included, get 1..400."""
    numbers = SqlNumberSequence(postgres_engine)
    drawn = _drawn_concurrently(lambda: numbers.next_value("ЗК", 2026), threads=4, calls=100)
    assert sorted(drawn) == list(range(1, 401))


def _stored_counter(engine: Engine, series: str, year: int) -> int:
    with engine.connect() as connection:
        value = connection.execute(
            select(number_sequences.c.value).where(
                number_sequences.c.series == series, number_sequences.c.year == year
            )
        ).scalar_one()
    return int(value)


def test_a_block_is_taken_by_one_statement_and_handed_out_in_order(engine: Engine) -> None:
    """With a block of 5, the first number takes 1..5 from the database at once; the
    next four come from memory, the sixth takes the next block."""
    numbers = SqlNumberSequence(engine, block=5)
    assert numbers.next_value("ЗК", 2026) == 1
    assert _stored_counter(engine, "ЗК", 2026) == 5
    assert [numbers.next_value("ЗК", 2026) for _ in range(4)] == [2, 3, 4, 5]
    assert _stored_counter(engine, "ЗК", 2026) == 5
    assert numbers.next_value("ЗК", 2026) == 6
    assert _stored_counter(engine, "ЗК", 2026) == 10
    assert numbers.next_value("ЗК", 2027) == 1  # a block per series and year


def test_processes_with_blocks_never_share_a_number(engine: Engine) -> None:
    """Two sequences on one database (two processes) take disjoint blocks, and one
    drawing one by one continues after both: unique, though not in drawing order."""
    first, second = SqlNumberSequence(engine, block=3), SqlNumberSequence(engine, block=3)
    drawn = [first.next_value("ЗК", 2026), second.next_value("ЗК", 2026)]
    drawn += [first.next_value("ЗК", 2026), second.next_value("ЗК", 2026)]
    assert drawn == [1, 4, 2, 5]
    assert SqlNumberSequence(engine).next_value("ЗК", 2026) == 7


def test_threads_drawing_from_blocks_never_share_a_number(postgres_engine: Engine) -> None:
    """Four threads drawing 100 numbers each from blocks of 7: 400 distinct numbers,
    and no more taken from the database than four threads can leave unused."""
    numbers = SqlNumberSequence(postgres_engine, block=7)
    drawn = _drawn_concurrently(lambda: numbers.next_value("ЗК", 2026), threads=4, calls=100)
    assert len(set(drawn)) == 400
    assert 400 <= _stored_counter(postgres_engine, "ЗК", 2026) < 400 + 4 * 7


@pytest.mark.parametrize("block", [0, -1, 1001])
def test_a_block_out_of_range_is_refused(sqlite_engine: Engine, block: int) -> None:
    """A block is 1 to 1000 numbers."""
    with pytest.raises(InvalidValue, match="number_block"):
        SqlNumberSequence(sqlite_engine, block=block)


# -- aggregates in full ----------------------------------------------------------------


def test_a_well_travelled_order_reads_back_unchanged(engine: Engine) -> None:
    """Review reasons, approval, payments, documents, a failed step and a cancellation
    all survive the trip through the database."""
    manager = Actor.manager("manager-1")
    uows = stored_client_and_order(engine)
    with uows() as uow:
        order = uow.orders.get("order-1")
        reason = Reason("max_lines", "too many lines", {"limit": "3"})
        order.send_to_review(SYSTEM, NOW, [reason])
        order.approve(manager, NOW, "ok")
        order.reserve(SYSTEM, NOW, "r-1")
        order.issue_invoice(SYSTEM, NOW, number="СЧ-1", due_date=NOW.date())
        order.record_payment(SYSTEM, payment_id="p-1", amount=Decimal("100.00"), received_at=NOW)
        order.attach_document(
            DocumentRef(kind="invoice", number="СЧ-1", issued_on=NOW.date(), storage_key="k")
        )
        order.fail_step(SYSTEM, NOW, "mail", "smtp down")
        order.cancel(manager, NOW, "client asked")
        uow.commit()
        expected = state_of(order)
    with uows() as uow:
        assert state_of(uow.orders.get("order-1")) == expected
        assert uow.orders.find_by_invoice("СЧ-1") is uow.orders.get("order-1")


def test_history_stored_before_notes_still_loads_and_renders(engine: Engine) -> None:
    """An order row whose history entries have no notes (written by an older version)
    loads with empty notes, and its lines show the stored text."""
    uows = stored_orders(engine, paid_order())
    with engine.begin() as connection:
        doc = connection.execute(select(orders.c.doc)).scalar_one()
        for entry in doc["history"]:
            del entry["notes"]
        connection.execute(update(orders).values(doc=doc))
    with uows() as uow:
        history = uow.orders.get("order-1").history
    assert [t.notes for t in history] == [()] * len(history)
    notes = [render_transition(t, "ru").note for t in history]
    assert notes == ["", "", "invoice СЧ-order-1", "paid in full"]


def test_changed_lines_are_rewritten(engine: Engine) -> None:
    """A manager's adjustment replaces the order's stored lines."""
    uows = stored_client_and_order(engine)
    manager = Actor.manager("manager-1")
    with uows() as uow:
        order = uow.orders.get("order-1")
        order.send_to_review(SYSTEM, NOW, [])
        paper, toner = make_product(), make_product(sku="SKU-2", list_price="2500.00")
        order.adjust(manager, NOW, lines=[OrderLine.price(paper, 3), OrderLine.price(toner, 1)])
        uow.commit()
    with uows() as uow:
        lines = uow.orders.get("order-1").lines
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(order_lines)).scalar_one()
    assert [(line.sku, line.quantity) for line in lines] == [("SKU-1", 3), ("SKU-2", 1)]
    assert stored == 2


def _entrepreneur(company_id: str, body: str = "5001007322") -> Company:
    inn = body + inn12_check_digits(body)
    ogrnip = "30450010000012"
    return Company(
        id=company_id,
        requisites=Requisites(
            inn=Inn(inn),
            kpp=None,
            ogrn=Ogrn(ogrnip + ogrnip_check_digit(ogrnip)),
            kind=CompanyKind.ENTREPRENEUR,
            full_name="Индивидуальный предприниматель Петров Пётр Петрович",
            short_name="ИП Петров",
            legal_address="г. Тула",
        ),
    )


def test_a_well_travelled_client_reads_back_unchanged(engine: Engine) -> None:
    """An entrepreneur without KPP, a bank account, an employee with granted companies,
    an address, a discount and a block all survive the trip through the database."""
    uows = stored_client_and_order(engine)
    bik = "044525225"
    account = with_settlement_key(bik, "40702810000000000001")
    with uows() as uow:
        client = uow.clients.get("client-1")
        client.add_company(_entrepreneur("ip-1"), now=NOW)
        client.edit_company("ip-1", bank_account=BankAccount.create(bik, account, "Банк"))
        employee = Contact(id="c-2", full_name="Сидорова Мария", email="M.Sidorova@example.ru")
        client.add_contact(employee)
        client.grant_companies("c-2", ["ip-1", "client-1-company"])
        client.add_address(DeliveryAddress(id="a-1", label="Склад", address="г. Тула, д. 1"))
        client.set_discount(Decimal("7.50"), now=NOW)
        client.block()
        uow.commit()
        expected = state_of(client)
    with uows() as uow:
        loaded = uow.clients.get("client-1")
        assert state_of(loaded) == expected
        assert list(loaded.companies) == ["client-1-company", "ip-1"]  # in the order added
        assert uow.clients.find_by_contact_email("m.sidorova@example.ru") is not None
        assert uow.clients.find_by_company(str(_entrepreneur("x").requisites.inn), "") is not None


def test_an_entrepreneur_of_another_client_conflicts(engine: Engine) -> None:
    """INN+KPP uniqueness holds for entrepreneurs, who have no KPP, and names the INN."""
    uows = stored_client_and_order(engine)
    with uows() as uow:
        uow.clients.get("client-1").add_company(_entrepreneur("ip-1"), now=NOW)
        uow.commit()
    inn = str(_entrepreneur("x").requisites.inn)
    with uows() as uow:
        client = make_client(client_id="client-2", kpp="773601002")
        client.add_company(_entrepreneur("ip-2"), now=NOW)
        uow.clients.add(client)
        with pytest.raises(Conflict, match=f"INN {inn} already belongs to another client"):
            uow.commit()
