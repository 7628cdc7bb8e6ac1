"""The manager's client search (``ClientRepository.search``) over 100 000 clients, on
PostgreSQL and SQLite: ``python -m benchmarks.client_search [--clients N]``.

Not part of ``python -m benchmarks``: it answers one question (is the search fast
enough?) and its figures, before and after the ``search_text`` column of migration
0005, are quoted in ``docs/storage.md`` and ``docs/performance.md``.

The clients are written by batched inserts of the codec's rows (not timed): every
tenth has a second company, each has a supervisor and a delivery address, names are
Cyrillic. Each search runs five times in a fresh unit of work; the median is printed.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert

from b2bcore.adapters.persistence.sql import (
    SqlUnitOfWorkFactory,
    codec,
    create_engine_from_url,
    migrate,
)
from b2bcore.adapters.persistence.sql.tables import (
    client_companies,
    client_contacts,
    clients,
    managers,
)
from b2bcore.domain.client import Company, Contact, CorporateClient, DeliveryAddress
from b2bcore.ports.repositories import ClientPage
from benchmarks.harness import create_database, median, postgres_server, print_table, timed
from benchmarks.shop import MANAGER, legal_inn, requisites

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
_BATCH = 5_000
_RUNS = 5


def _client(number: int) -> CorporateClient:
    cid = f"c{number:07d}"
    client = CorporateClient.register(
        client_id=cid,
        company=Company(id=f"{cid}-co", requisites=requisites(number)),
        supervisor=Contact(
            id=f"{cid}-ct", full_name="Пётр Иванов", email=f"buyer{number}@client.example.ru"
        ),
        manager_id=MANAGER.id,
        now=NOW,
    )
    if number % 10 == 0:
        client.add_company(
            Company(id=f"{cid}-co2", requisites=requisites(number + 1_000_000)), now=NOW
        )
    client.add_address(
        DeliveryAddress(id=f"{cid}-ad", label="Склад", address="г Москва, ул Складская, д 5")
    )
    return client


def _batches(count: int) -> Iterator[tuple[list[object], list[object], list[object]]]:
    for start in range(0, count, _BATCH):
        rows: list[object] = []
        companies: list[object] = []
        contacts: list[object] = []
        for number in range(start, min(start + _BATCH, count)):
            client = _client(number)
            rows.append(codec.client_row(client))
            companies += codec.company_rows(client)
            contacts += codec.contact_rows(client)
        yield rows, companies, contacts


def generate(engine: Engine, count: int) -> None:
    with engine.begin() as connection:
        connection.execute(insert(managers), [codec.manager_row(MANAGER)])
        for rows, companies, contacts in _batches(count):
            connection.execute(insert(clients), rows)
            connection.execute(insert(client_companies), companies)
            connection.execute(insert(client_contacts), contacts)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def searches(count: int) -> list[tuple[str, Callable[[SqlUnitOfWorkFactory], ClientPage]]]:
    middle = count // 2
    return [
        ("everyone, page 1", _search),
        ("everyone, page 1000", lambda uows: _search(uows, offset=999 * 50)),
        ("only my clients", lambda uows: _search(uows, manager_id=MANAGER.id)),
        (f'name "клиент {middle}"', lambda uows: _search(uows, f"клиент {middle}")),
        ("an INN", lambda uows: _search(uows, legal_inn(middle))),
        ("a second company's INN", lambda uows: _search(uows, legal_inn(1_000_000 + middle))),
        ('"клиент 4" (many match)', lambda uows: _search(uows, "клиент 4")),
        ("nothing matches", lambda uows: _search(uows, "нет такого клиента")),
    ]


def _search(
    uows: SqlUnitOfWorkFactory, text: str = "", *, manager_id: str | None = None, offset: int = 0
) -> ClientPage:
    with uows() as uow:
        return uow.clients.search(text, manager_id=manager_id, limit=50, offset=offset)


def measure(engine: Engine, count: int) -> list[tuple[str, int, str]]:
    uows = SqlUnitOfWorkFactory(engine)
    figures = []
    for what, search in searches(count):
        search(uows)  # warm the caches
        runs = [timed(lambda search=search: search(uows)) for _ in range(_RUNS)]
        total = runs[0][0].total
        figures.append((what, total, f"{median([s for _, s in runs]) * 1000:.0f} ms"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.client_search")
    parser.add_argument("--clients", type=int, default=100_000)
    count = parser.parse_args().clients
    with tempfile.TemporaryDirectory() as directory, postgres_server() as server:
        urls = {"SQLite": f"sqlite:///{Path(directory) / 'search.db'}"}
        if server is not None:
            urls["PostgreSQL"] = create_database(server, "client_search")
        for name, url in urls.items():
            migrate.upgrade(url)
            engine = create_engine_from_url(url)
            try:
                generate(engine, count)
                rows = measure(engine, count)
            finally:
                engine.dispose()
            print_table(
                f"Client search, {count} clients, {name} (median of {_RUNS})",
                ["search", "matches", "page + count"],
                rows,
            )


if __name__ == "__main__":
    main()
