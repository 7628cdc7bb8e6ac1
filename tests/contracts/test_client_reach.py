"""The client-reach contract: ``ClientRepository.reach``, the access check behind every
order list and order page, on each store. It must say what loading the client and
asking :meth:`CorporateClient.companies_for` would.

:class:`ClientReachContract` is written against the ports only; its subclasses for the
in-memory store, SQLite and PostgreSQL are at the end of this module.
"""

from __future__ import annotations

import abc

import attrs
import pytest

from b2bcore.domain.client import Contact, CorporateClient, Role
from b2bcore.domain.errors import NotFound
from b2bcore.domain.identifiers import Kpp
from b2bcore.ports.repositories import UnitOfWorkFactory
from tests.builders import (
    NOW,
    SECOND_KPP,
    company_id_for,
    contact_id_for,
    make_client,
    make_manager,
)
from tests.contracts.storage import InMemory, OnPostgres, OnSqlite

HEAD = company_id_for("client-1")
BRANCH = "client-1-branch"
SUPERVISOR = contact_id_for("client-1")


def _client() -> CorporateClient:
    """client-1 with its head office and a branch, a supervisor, an employee granted the
    branch, one granted nothing and a deactivated one."""
    client = make_client(client_id="client-1")
    head = client.company(HEAD)
    branch = attrs.evolve(
        head, id=BRANCH, requisites=attrs.evolve(head.requisites, kpp=Kpp(SECOND_KPP))
    )
    client.add_company(branch, now=NOW)
    for contact_id, granted in (("employee", {BRANCH}), ("idle", set()), ("gone", {HEAD})):
        client.add_contact(
            Contact(
                id=contact_id,
                full_name="Петров Пётр Петрович",
                email=f"{contact_id}@example.ru",
                role=Role.EMPLOYEE,
                company_ids=frozenset(granted),
            )
        )
    client.deactivate_contact("gone")
    return client


class ClientReachContract(abc.ABC):
    """Behaviour every ClientRepository must show in ``reach``."""

    @abc.abstractmethod
    def make_uow_factory(self) -> UnitOfWorkFactory:
        """A factory of units of work over a fresh, empty store."""

    @pytest.fixture
    def uows(self) -> UnitOfWorkFactory:
        uows = self.make_uow_factory()
        with uows() as uow:
            uow.managers.add(make_manager())
            uow.clients.add(_client())
            uow.commit()
        return uows

    def test_a_supervisor_reaches_every_company(self, uows: UnitOfWorkFactory) -> None:
        """A supervisor sees all of the client's companies."""
        with uows() as uow:
            assert uow.clients.reach("client-1", SUPERVISOR) == {HEAD, BRANCH}

    def test_an_employee_reaches_the_granted_companies(self, uows: UnitOfWorkFactory) -> None:
        """An employee sees only the companies granted to them."""
        with uows() as uow:
            assert uow.clients.reach("client-1", "employee") == {BRANCH}
            assert uow.clients.reach("client-1", "idle") == frozenset()

    def test_no_contact_named_reaches_every_company(self, uows: UnitOfWorkFactory) -> None:
        """Without a contact (a manager's view) every company is reached."""
        with uows() as uow:
            assert uow.clients.reach("client-1") == {HEAD, BRANCH}

    def test_a_deactivated_or_unknown_contact_reaches_nothing(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """A deactivated user, or one of no such id, is no user of the client: None."""
        with uows() as uow:
            assert uow.clients.reach("client-1", "gone") is None
            assert uow.clients.reach("client-1", "stranger") is None

    def test_an_unknown_client_is_not_found(self, uows: UnitOfWorkFactory) -> None:
        """A client of no such id raises NotFound."""
        with uows() as uow, pytest.raises(NotFound):
            uow.clients.reach("client-9", SUPERVISOR)

    def test_a_held_client_counts_as_held(self, uows: UnitOfWorkFactory) -> None:
        """Changes to a client this unit of work holds are seen before the commit."""
        with uows() as uow:
            uow.clients.get("client-1").grant_companies("idle", [HEAD])
            assert uow.clients.reach("client-1", "idle") == {HEAD}
        with uows() as uow:
            assert uow.clients.reach("client-1", "idle") == frozenset()

    def test_it_agrees_with_the_loaded_client(self, uows: UnitOfWorkFactory) -> None:
        """For every contact, what companies_for of the loaded client gives."""
        with uows() as uow:
            client = uow.clients.get("client-1")
            expected = {
                contact.id: frozenset(c.id for c in client.companies_for(contact.id))
                for contact in client.contacts.values()
                if contact.active
            }
        with uows() as uow:
            assert {cid: uow.clients.reach("client-1", cid) for cid in expected} == expected


class TestInMemoryClientReach(InMemory, ClientReachContract):
    pass


class TestSqliteClientReach(OnSqlite, ClientReachContract):
    pass


class TestPostgresClientReach(OnPostgres, ClientReachContract):
    pass
