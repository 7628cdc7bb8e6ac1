"""Migration 0005 (client search): clients stored before it get their ``search_text``
from their documents and are found by the search; undoing it loses no client."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, func, select

from b2bcore.adapters.persistence.sql import SqlUnitOfWorkFactory, codec, migrate
from b2bcore.adapters.persistence.sql.tables import clients
from b2bcore.domain.client import Company, CompanyKind, Requisites
from b2bcore.domain.identifiers import Inn, Kpp
from tests.builders import NOW, SECOND_INN, make_client, make_manager


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


def _store_clients(engine: Engine) -> SqlUnitOfWorkFactory:
    """'ООО "Ромашка"' with a second company 'Лютик' (SECOND_INN), and 'АО "Василёк"'."""
    first = make_client(client_id="client-1", name='ООО "Ромашка"')
    first.add_company(
        Company(
            id="client-1-second",
            requisites=Requisites(
                inn=Inn(SECOND_INN),
                kpp=Kpp("770001001"),
                ogrn=None,
                kind=CompanyKind.LEGAL_ENTITY,
                full_name='Общество с ограниченной ответственностью "Лютик"',
                short_name='ООО "Лютик"',
                legal_address="г. Москва, ул. Тверская, д. 2",
            ),
        ),
        now=NOW,
    )
    second = make_client(client_id="client-2", name='АО "Василёк"', inn="7700111118")
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(first)
        uow.clients.add(second)
        uow.commit()
    return uows


def _search_texts(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(select(clients.c.id, clients.c.search_text)).all()
    return {row.id: row.search_text for row in rows}


def test_clients_stored_before_0005_are_found_by_the_search(engine: Engine) -> None:
    """Down to 0004 and up again: search_text is what the codec writes, the search finds
    the clients by a company's name and INN in any case, and no client is lost."""
    uows = _store_clients(engine)
    written = _search_texts(engine)
    _migrate(engine, "0004")
    _migrate(engine, "head")
    assert _search_texts(engine) == written
    with uows() as uow:
        assert written["client-1"] == codec.client_row(uow.clients.get("client-1"))["search_text"]
        by_company = uow.clients.search("ЛЮТИК")
        by_inn = uow.clients.search(SECOND_INN[3:9])
        by_name = uow.clients.search("василё")
    assert [row.id for row in by_company.rows] == ["client-1"]
    assert [row.id for row in by_inn.rows] == ["client-1"]
    assert [row.id for row in by_name.rows] == ["client-2"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(clients)).scalar() == 2
