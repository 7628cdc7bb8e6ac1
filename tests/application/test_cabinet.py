"""The buyer's cabinet: companies, bank accounts, users, delivery addresses, the summary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from b2bcore.application import B2B, NewContact, RegistrationRefused
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import CorporateClient, DeliveryAddress, Role
from b2bcore.domain.errors import (
    Conflict,
    InvalidValue,
    InvariantViolation,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from tests.builders import (
    ENTREPRENEUR_INN,
    LIQUIDATED_INN,
    SBERBANK_BIK,
    SHOP_MANAGER,
    VASILEK_INN,
    Cast,
    state_of,
)
from tests.strategies import with_settlement_key

SETTLEMENT_ACCOUNT = with_settlement_key(SBERBANK_BIK, "40702810000000000001")


def client_a(app: B2B, cast: Cast) -> CorporateClient:
    return app.cabinet.client(cast.manager, cast.client_id)


# -- companies -----------------------------------------------------------------------


def test_supervisor_adds_a_company_by_inn(app: B2B, cast: Cast, world: InMemoryWorld) -> None:
    """The entrepreneur's requisites come from the register; it becomes an EDMS counterparty."""
    company = app.cabinet.add_company(cast.supervisor, inn=ENTREPRENEUR_INN)
    stored = client_a(app, cast).company(company.id)
    assert str(stored.requisites.inn) == ENTREPRENEUR_INN
    assert stored.counterparty_id in world.edms.counterparties()


def test_employee_cannot_add_a_company(app: B2B, cast: Cast, world: InMemoryWorld) -> None:
    """Managing companies is for supervisors; the client and the EDMS are unchanged."""
    before = state_of(client_a(app, cast))
    counterparties = world.edms.counterparties()
    with pytest.raises(PermissionDenied):
        app.cabinet.add_company(cast.employee, inn=ENTREPRENEUR_INN)
    assert state_of(client_a(app, cast)) == before
    assert world.edms.counterparties() == counterparties


def test_company_of_another_client_conflicts(app: B2B, cast: Cast, world: InMemoryWorld) -> None:
    """Client B's company cannot be added to client A; nothing changes."""
    before = state_of(client_a(app, cast))
    counterparties = world.edms.counterparties()
    with pytest.raises(Conflict):
        app.cabinet.add_company(cast.supervisor, inn=VASILEK_INN)
    assert state_of(client_a(app, cast)) == before
    assert world.edms.counterparties() == counterparties


def test_liquidated_company_is_refused_in_the_cabinet(app: B2B, cast: Cast) -> None:
    """The register's verdict applies in the cabinet as at registration."""
    before = state_of(client_a(app, cast))
    with pytest.raises(RegistrationRefused):
        app.cabinet.add_company(cast.supervisor, inn=LIQUIDATED_INN)
    assert state_of(client_a(app, cast)) == before


def test_edms_down_adds_no_company(app: B2B, cast: Cast, world: InMemoryWorld) -> None:
    """If the counterparty cannot be registered, the company is not added."""
    before = state_of(client_a(app, cast))
    world.edms.fail_next(1, Unavailable("edms", "down"))
    with pytest.raises(Unavailable):
        app.cabinet.add_company(cast.supervisor, inn=ENTREPRENEUR_INN)
    assert state_of(client_a(app, cast)) == before


def test_supervisor_sets_a_bank_account_checked_against_the_bik(app: B2B, cast: Cast) -> None:
    """A valid BIK and account: the bank's name and correspondent account come from the lookup."""
    app.cabinet.edit_company(
        cast.supervisor,
        cast.head_office_id,
        bik=SBERBANK_BIK,
        settlement_account=SETTLEMENT_ACCOUNT,
    )
    account = client_a(app, cast).company(cast.head_office_id).bank_account
    assert account is not None
    assert str(account.settlement_account) == SETTLEMENT_ACCOUNT
    assert account.bank_name == "ПАО Сбербанк"
    assert str(account.correspondent_account) == "30101810400000000225"


def test_account_with_a_wrong_control_key_is_refused(app: B2B, cast: Cast) -> None:
    """One wrong digit breaks the control key: InvalidValue naming the account; nothing saved."""
    key = SETTLEMENT_ACCOUNT[8]
    wrong = SETTLEMENT_ACCOUNT[:8] + str((int(key) + 1) % 10) + SETTLEMENT_ACCOUNT[9:]
    before = state_of(client_a(app, cast))
    with pytest.raises(InvalidValue) as refused:
        app.cabinet.edit_company(
            cast.supervisor, cast.head_office_id, bik=SBERBANK_BIK, settlement_account=wrong
        )
    assert refused.value.field == "settlement_account"
    assert state_of(client_a(app, cast)) == before


def test_unknown_bik_is_refused(app: B2B, cast: Cast) -> None:
    """A BIK the bank directory does not know is refused; nothing saved."""
    before = state_of(client_a(app, cast))
    with pytest.raises(RegistrationRefused):
        app.cabinet.edit_company(
            cast.supervisor,
            cast.head_office_id,
            bik="044525999",
            settlement_account=with_settlement_key("044525999", "40702810000000000001"),
        )
    assert state_of(client_a(app, cast)) == before


# -- users ----------------------------------------------------------------------------


def test_supervisor_adds_an_employee_for_some_companies(app: B2B, cast: Cast) -> None:
    """A new employee may buy for the granted companies only."""
    user = app.cabinet.add_user(
        cast.supervisor,
        NewContact(full_name="Анна Кузнецова", email="a.kuznetsova@romashka.example.ru"),
        company_ids=[cast.branch_id],
    )
    client = client_a(app, cast)
    assert client.contact(user.id).role is Role.EMPLOYEE
    assert [c.id for c in client.companies_for(user.id)] == [cast.branch_id]


def test_supervisor_adds_another_supervisor(app: B2B, cast: Cast) -> None:
    """A second supervisor sees every company of the client."""
    user = app.cabinet.add_user(
        cast.supervisor,
        NewContact(full_name="Анна Кузнецова", email="a.kuznetsova@romashka.example.ru"),
        role=Role.SUPERVISOR,
    )
    summary = app.cabinet.summary(Actor.buyer(user.id, cast.client_id))
    assert summary.is_supervisor
    assert {c.id for c in summary.companies} == {cast.head_office_id, cast.branch_id}


def test_employee_cannot_add_users(app: B2B, cast: Cast) -> None:
    """Employees do not manage users."""
    before = state_of(client_a(app, cast))
    with pytest.raises(PermissionDenied):
        app.cabinet.add_user(
            cast.employee, NewContact(full_name="Кто-то", email="someone@romashka.example.ru")
        )
    assert state_of(client_a(app, cast)) == before


def test_user_email_of_another_client_conflicts(app: B2B, cast: Cast) -> None:
    """An email already used by client B's buyer cannot become client A's user."""
    before = state_of(client_a(app, cast))
    with pytest.raises(Conflict):
        app.cabinet.add_user(
            cast.supervisor,
            NewContact(full_name="Семён", email="s.sidorov@vasilek.example.ru"),
        )
    assert state_of(client_a(app, cast)) == before


def test_granting_a_foreign_company_is_refused(app: B2B, cast: Cast) -> None:
    """Client B's company cannot be granted to client A's employee; the grant stays."""
    before = state_of(client_a(app, cast))
    with pytest.raises(InvariantViolation):
        app.cabinet.grant_companies(
            cast.supervisor, cast.employee.id, [cast.head_office_id, cast.other_company_id]
        )
    assert state_of(client_a(app, cast)) == before


def test_adding_a_user_with_a_foreign_company_is_refused(app: B2B, cast: Cast) -> None:
    """A new user cannot be granted client B's company either."""
    before = state_of(client_a(app, cast))
    with pytest.raises(InvariantViolation):
        app.cabinet.add_user(
            cast.supervisor,
            NewContact(full_name="Анна", email="anna@romashka.example.ru"),
            company_ids=[cast.other_company_id],
        )
    assert state_of(client_a(app, cast)) == before


def test_supervisor_grants_the_employee_another_company(app: B2B, cast: Cast) -> None:
    """After a new grant the employee may buy for the branch too."""
    app.cabinet.grant_companies(
        cast.supervisor, cast.employee.id, [cast.head_office_id, cast.branch_id]
    )
    assert client_a(app, cast).can_buy_for(cast.employee.id, cast.branch_id)


def test_the_last_supervisor_cannot_be_demoted(app: B2B, cast: Cast) -> None:
    """A client always keeps an active supervisor."""
    before = state_of(client_a(app, cast))
    with pytest.raises(InvariantViolation):
        app.cabinet.change_role(cast.supervisor, cast.supervisor.id, Role.EMPLOYEE)
    assert state_of(client_a(app, cast)) == before


def test_the_last_supervisor_cannot_be_removed(app: B2B, cast: Cast) -> None:
    """Deactivating the only supervisor is refused."""
    before = state_of(client_a(app, cast))
    with pytest.raises(InvariantViolation):
        app.cabinet.deactivate_user(cast.manager, cast.supervisor.id, client_id=cast.client_id)
    assert state_of(client_a(app, cast)) == before


def test_deactivated_employee_can_no_longer_use_the_cabinet(app: B2B, cast: Cast) -> None:
    """A removed user is refused at the door."""
    app.cabinet.deactivate_user(cast.supervisor, cast.employee.id)
    with pytest.raises(PermissionDenied):
        app.cabinet.summary(cast.employee)


# -- delivery addresses ------------------------------------------------------------------


def test_addresses_are_added_edited_and_removed(app: B2B, cast: Cast) -> None:
    """A supervisor keeps the client's delivery addresses."""
    added = app.cabinet.add_address(
        cast.supervisor, label="Склад", address="г Химки, ул Заводская, д 2", recipient="Охрана"
    )
    app.cabinet.edit_address(
        cast.supervisor,
        DeliveryAddress(id=added.id, label="Склад №2", address="г Химки, ул Заводская, д 4"),
    )
    assert client_a(app, cast).address(added.id).label == "Склад №2"
    app.cabinet.remove_address(cast.supervisor, added.id)
    assert added.id not in client_a(app, cast).addresses


def test_employee_cannot_change_addresses(app: B2B, cast: Cast) -> None:
    """Addresses are for supervisors."""
    with pytest.raises(PermissionDenied):
        app.cabinet.remove_address(cast.employee, cast.address_id)
    assert cast.address_id in client_a(app, cast).addresses


def test_address_of_another_client_is_not_found(app: B2B, cast: Cast) -> None:
    """Client B's address id means nothing in client A's cabinet."""
    with pytest.raises(NotFound):
        app.cabinet.remove_address(cast.supervisor, cast.other_address_id)


# -- summary ----------------------------------------------------------------------------


def test_summary_shows_discount_distance_to_the_next_tier_and_the_manager(
    app: B2B, cast: Cast
) -> None:
    """A new client: 0 %, 300 000 ₽ to the 3 % tier, and the manager's contacts."""
    summary = app.cabinet.summary(cast.supervisor)
    assert summary.discount.current.percent == Decimal("0.00")
    assert summary.discount.next is not None
    assert summary.discount.next.percent == Decimal("3.00")
    assert summary.discount.amount_to_next == Decimal("300000.00")
    assert (summary.manager.full_name, summary.manager.email, summary.manager.phone) == (
        SHOP_MANAGER.full_name,
        SHOP_MANAGER.email,
        SHOP_MANAGER.phone,
    )


def test_employee_summary_lists_only_granted_companies(app: B2B, cast: Cast) -> None:
    """The employee's cabinet shows the head office, not the branch."""
    summary = app.cabinet.summary(cast.employee)
    assert [c.id for c in summary.companies] == [cast.head_office_id]
    assert not summary.is_supervisor


def test_buyer_cannot_open_another_clients_cabinet(app: B2B, cast: Cast) -> None:
    """Naming client A's id gets client B's buyer nothing but NotFound."""
    with pytest.raises(NotFound):
        app.cabinet.summary(cast.other_buyer, cast.client_id)
