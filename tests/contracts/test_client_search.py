"""The client search contract: :meth:`ClientRepository.search` on every store.

:class:`ClientSearchContract` is written against the ports only; it runs on the
in-memory store, SQLite and PostgreSQL (subclasses at the end). Names are
Cyrillic on purpose: SQLite's and a ``C``-locale PostgreSQL's own case folding
leave Cyrillic alone.
"""

from __future__ import annotations

import abc
from decimal import Decimal

import pytest

from b2bcore.domain.client import ClientStatus, Company, CompanyKind, CorporateClient, Requisites
from b2bcore.domain.identifiers import Inn, Kpp
from b2bcore.ports.repositories import ClientPage, ClientSummary, UnitOfWorkFactory
from tests.builders import INN, KPP, NOW, SECOND_INN, SECOND_KPP, make_client, make_manager
from tests.contracts.storage import InMemory, OnPostgres, OnSqlite

THIRD_INN = "7700111118"
FOURTH_INN = "7700222227"
KPP_ANY = "770001001"


def names(page: ClientPage) -> list[str]:
    return [row.name for row in page.rows]


def branch(client: CorporateClient, *, inn: str, short_name: str, full_name: str = "") -> None:
    """Add a second company named unlike the client."""
    client.add_company(
        Company(
            id=f"{client.id}-{inn}",
            requisites=Requisites(
                inn=Inn(inn),
                kpp=Kpp(KPP_ANY),
                ogrn=None,
                kind=CompanyKind.LEGAL_ENTITY,
                full_name=full_name or f"Общество с ограниченной ответственностью {short_name}",
                short_name=short_name,
                legal_address="г. Москва, ул. Тверская, д. 2",
            ),
        ),
        now=NOW,
    )


class ClientSearchContract(abc.ABC):
    @abc.abstractmethod
    def make_uow_factory(self) -> UnitOfWorkFactory:
        """A factory of units of work over a fresh, empty store."""

    @pytest.fixture
    def uows(self) -> UnitOfWorkFactory:
        """Managers ``manager-1`` and ``manager-2``, and three clients:

        * client-1 'ООО "Ромашка"' (INN, manager-1), with a second company 'Лютик'
          (THIRD_INN), blocked, discount 5 %;
        * client-2 'АО "Василёк"' (SECOND_INN, manager-2);
        * client-3 'ООО "Ромашка"' again (FOURTH_INN, manager-1): same name, other id.
        """
        uows = self.make_uow_factory()
        first = make_client(client_id="client-1", name='ООО "Ромашка"', inn=INN, kpp=KPP)
        branch(first, inn=THIRD_INN, short_name="Лютик")
        first.block()
        first.set_discount(Decimal("5.00"), now=NOW)
        second = make_client(
            client_id="client-2",
            name='АО "Василёк"',
            inn=SECOND_INN,
            kpp=SECOND_KPP,
            manager_id="manager-2",
        )
        third = make_client(client_id="client-3", name='ООО "Ромашка"', inn=FOURTH_INN, kpp=KPP_ANY)
        with uows() as uow:
            uow.managers.add(make_manager())
            uow.managers.add(make_manager(manager_id="manager-2", full_name="Петров Пётр"))
            uow.commit()
        with uows() as uow:
            for client in (first, second, third):
                uow.clients.add(client)
            uow.commit()
        return uows

    @staticmethod
    def search(
        uows: UnitOfWorkFactory,
        text: str = "",
        *,
        manager_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ClientPage:
        with uows() as uow:
            return uow.clients.search(text, manager_id=manager_id, limit=limit, offset=offset)

    def test_no_text_lists_every_client_by_name_then_id(self, uows: UnitOfWorkFactory) -> None:
        """An empty search is every client, sorted by name and, for equal names, by id."""
        page = self.search(uows)
        assert [row.id for row in page.rows] == ["client-2", "client-1", "client-3"]
        assert page.total == 3

    def test_a_summary_carries_what_the_list_shows(self, uows: UnitOfWorkFactory) -> None:
        """Name, the first company's INN, manager, discount, status and company count."""
        (row,) = self.search(uows, "лютик").rows
        assert row == ClientSummary(
            id="client-1",
            name='ООО "Ромашка"',
            main_inn=INN,
            manager_id="manager-1",
            discount_percent=Decimal("5.00"),
            status=ClientStatus.BLOCKED,
            company_count=2,
        )
        assert not row.is_active

    def test_the_name_matches_in_any_case(self, uows: UnitOfWorkFactory) -> None:
        """Part of the name in another case (Cyrillic included) finds the client."""
        assert names(self.search(uows, "ВАСИЛ")) == ['АО "Василёк"']
        assert names(self.search(uows, "  ромаШ ")) == ['ООО "Ромашка"', 'ООО "Ромашка"']

    def test_any_company_name_matches(self, uows: UnitOfWorkFactory) -> None:
        """A company named unlike its client finds the client."""
        page = self.search(uows, "ЛЮТ")
        assert [row.id for row in page.rows] == ["client-1"]

    def test_part_of_any_companys_inn_matches(self, uows: UnitOfWorkFactory) -> None:
        """The INN of a client's second company finds it, as does a part of an INN."""
        assert [row.id for row in self.search(uows, THIRD_INN).rows] == ["client-1"]
        assert [row.id for row in self.search(uows, SECOND_INN[2:8]).rows] == ["client-2"]

    def test_nothing_matches(self, uows: UnitOfWorkFactory) -> None:
        """A text no client has: an empty page and a zero total."""
        assert self.search(uows, "нет такого") == ClientPage(rows=(), total=0)

    def test_wildcards_are_plain_characters(self, uows: UnitOfWorkFactory) -> None:
        """``%`` and ``_`` match themselves, not any text."""
        assert self.search(uows, "%").total == 0
        assert self.search(uows, "_").total == 0
        assert self.search(uows, '"\\').total == 0

    def test_a_text_spanning_two_fields_matches_nothing(self, uows: UnitOfWorkFactory) -> None:
        """The end of one company's INN and the start of the next company's name do not
        make a match together."""
        assert self.search(uows, f"{INN}\nлютик").total == 0
        assert self.search(uows, f"{INN} лютик").total == 0

    def test_a_manager_narrows_to_their_clients(self, uows: UnitOfWorkFactory) -> None:
        """Only the named manager's clients, counted alike."""
        page = self.search(uows, manager_id="manager-1")
        assert [row.id for row in page.rows] == ["client-1", "client-3"]
        assert page.total == 2
        assert self.search(uows, "василёк", manager_id="manager-1").total == 0

    def test_pages_keep_the_total(self, uows: UnitOfWorkFactory) -> None:
        """Limit and offset cut the list; the total counts every match."""
        second = self.search(uows, limit=1, offset=1)
        assert [row.id for row in second.rows] == ["client-1"]
        assert second.total == 3
        past_the_end = self.search(uows, limit=10, offset=10)
        assert past_the_end == ClientPage(rows=(), total=3)

    def test_uncommitted_changes_are_not_seen(self, uows: UnitOfWorkFactory) -> None:
        """A client added or renamed but not committed is found as stored."""
        with uows() as uow:
            uow.clients.add(make_client(client_id="client-4", inn=THIRD_INN, kpp=SECOND_KPP))
            uow.clients.get("client-2").edit_company("client-2-company", short_name="Лилия")
            assert uow.clients.search().total == 3
            assert uow.clients.search("лилия").total == 0

    def test_a_committed_change_is_found(self, uows: UnitOfWorkFactory) -> None:
        """A company renamed and committed is found by its new name."""
        with uows() as uow:
            uow.clients.get("client-2").edit_company("client-2-company", short_name="Лилия")
            uow.commit()
        assert [row.id for row in self.search(uows, "ЛИЛИ").rows] == ["client-2"]

    def test_the_full_name_matches_a_company_without_a_short_one(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """A company's name is its short name, or its full name when it has none."""
        with uows() as uow:
            client = uow.clients.get("client-3")
            branch(client, inn=SECOND_INN, short_name="", full_name="Акционерное общество Клевер")
            uow.commit()
        assert [row.id for row in self.search(uows, "клевер").rows] == ["client-3"]
        assert self.search(uows, "Общество с ограниченной").total == 0


class TestInMemoryClientSearch(InMemory, ClientSearchContract):
    pass


class TestSqliteClientSearch(OnSqlite, ClientSearchContract):
    pass


class TestPostgresClientSearch(OnPostgres, ClientSearchContract):
    pass
