"""The CorporateClient aggregate: invariants hold after every change; refusals change nothing.

Invariants: at least one active supervisor; an INN+KPP pair once per client;
employees granted only this client's companies; no liquidated or liquidating
company. A refused method leaves :func:`tests.builders.state_of` as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcore.domain.client import (
    Company,
    Contact,
    CorporateClient,
    DeliveryAddress,
    RegistryState,
    Role,
)
from b2bcore.domain.errors import DomainError, InvalidValue, InvariantViolation, NotFound
from tests.builders import (
    INN,
    KPP,
    NOW,
    SECOND_INN,
    SECOND_KPP,
    company_id_for,
    contact_id_for,
    make_client,
    state_of,
)

SUPERVISOR_ID = contact_id_for("client-1")
HEAD_OFFICE_ID = company_id_for("client-1")


def company(
    company_id: str = "company-2",
    *,
    inn: str = SECOND_INN,
    kpp: str = SECOND_KPP,
    state: RegistryState = RegistryState.ACTIVE,
) -> Company:
    """Another legal entity, built from the first client's requisites."""
    requisites = make_client(inn=inn, kpp=kpp).companies[company_id_for("client-1")].requisites
    return Company(id=company_id, requisites=attrs.evolve(requisites, state=state))


def employee(
    contact_id: str = "employee-1",
    *,
    email: str | None = None,
    company_ids: frozenset[str] = frozenset({HEAD_OFFICE_ID}),
    role: Role = Role.EMPLOYEE,
) -> Contact:
    return Contact(
        id=contact_id,
        full_name="Петрова Ольга",
        email=email or f"{contact_id}@example.ru",
        role=role,
        company_ids=company_ids,
    )


def refused(client: CorporateClient, change: Callable[[], object]) -> DomainError:
    """Run a change that must be refused; fail unless the client is left as it was."""
    before = state_of(client)
    with pytest.raises(DomainError) as error:
        change()
    assert state_of(client) == before
    return error.value


def active_supervisors(client: CorporateClient) -> list[Contact]:
    return [c for c in client.contacts.values() if c.is_supervisor and c.active]


# -- registration ------------------------------------------------------------------


def test_registered_client_has_its_buyer_as_the_supervisor_of_its_company() -> None:
    """Registration makes the registering buyer the active supervisor of the first company."""
    client = make_client()
    (supervisor,) = active_supervisors(client)
    assert supervisor.id == SUPERVISOR_ID
    assert supervisor.company_ids == frozenset({HEAD_OFFICE_ID})
    assert list(client.companies) == [HEAD_OFFICE_ID]
    assert client.name == 'ООО "Ромашка"'


@pytest.mark.parametrize("state", [RegistryState.LIQUIDATED, RegistryState.LIQUIDATING])
def test_liquidated_company_cannot_register(state: RegistryState) -> None:
    """A company being wound up cannot become a client."""
    with pytest.raises(InvariantViolation):
        CorporateClient.register(
            client_id="client-9",
            company=company(state=state),
            supervisor=employee(),
            manager_id="manager-1",
            now=NOW,
        )


# -- companies ----------------------------------------------------------------------


def test_another_company_is_added() -> None:
    """A supervisor's client gains a second legal entity."""
    client = make_client()
    client.add_company(company(), now=NOW)
    assert set(client.companies) == {HEAD_OFFICE_ID, "company-2"}


@pytest.mark.parametrize("state", [RegistryState.LIQUIDATED, RegistryState.LIQUIDATING])
def test_liquidated_or_liquidating_company_is_refused(state: RegistryState) -> None:
    """Liquidated and liquidating companies are not added; the client is unchanged."""
    client = make_client()
    error = refused(client, lambda: client.add_company(company(state=state), now=NOW))
    assert isinstance(error, InvariantViolation)


def test_same_inn_and_kpp_twice_is_refused() -> None:
    """An INN+KPP pair appears once per client, whatever the company id."""
    client = make_client()
    error = refused(
        client, lambda: client.add_company(company("company-2", inn=INN, kpp=KPP), now=NOW)
    )
    assert isinstance(error, InvariantViolation)


def test_same_inn_with_another_kpp_is_a_separate_company() -> None:
    """A branch (same INN, another KPP) is a company of its own."""
    client = make_client()
    client.add_company(company("branch", inn=INN, kpp="780143001"), now=NOW)
    assert len(client.companies) == 2


def test_company_id_used_twice_is_refused() -> None:
    """Two companies never share an id."""
    client = make_client()
    error = refused(client, lambda: client.add_company(company(HEAD_OFFICE_ID), now=NOW))
    assert isinstance(error, InvariantViolation)


def test_blank_short_name_is_refused() -> None:
    """Editing a company to a blank short name is refused naming the field."""
    client = make_client()
    error = refused(client, lambda: client.edit_company(HEAD_OFFICE_ID, short_name="  "))
    assert isinstance(error, InvalidValue)
    assert error.field == "short_name"


def test_editing_an_unknown_company_is_not_found() -> None:
    """A company id of nobody is NotFound, and nothing changes."""
    client = make_client()
    assert isinstance(refused(client, lambda: client.edit_company("nope", enabled=False)), NotFound)


def test_disabled_company_is_not_active() -> None:
    """A company the client disabled may not buy, though the register says it is active."""
    client = make_client()
    client.edit_company(HEAD_OFFICE_ID, enabled=False)
    assert not client.company(HEAD_OFFICE_ID).is_active


# -- contacts -----------------------------------------------------------------------


def test_employee_buys_only_for_granted_companies() -> None:
    """An employee sees the companies granted; the supervisor sees every company."""
    client = make_client()
    client.add_company(company(), now=NOW)
    client.add_contact(employee(company_ids=frozenset({"company-2"})))
    assert [c.id for c in client.companies_for("employee-1")] == ["company-2"]
    assert not client.can_buy_for("employee-1", HEAD_OFFICE_ID)
    assert {c.id for c in client.companies_for(SUPERVISOR_ID)} == {HEAD_OFFICE_ID, "company-2"}


def test_new_contact_with_a_foreign_company_is_refused() -> None:
    """An employee cannot be granted a company of another client."""
    client = make_client()
    error = refused(
        client,
        lambda: client.add_contact(employee(company_ids=frozenset({"client-2-company"}))),
    )
    assert isinstance(error, InvariantViolation)


def test_granting_a_foreign_company_is_refused() -> None:
    """Re-granting companies checks them too; the old grant stays."""
    client = make_client()
    client.add_contact(employee())
    error = refused(
        client,
        lambda: client.grant_companies("employee-1", [HEAD_OFFICE_ID, "client-2-company"]),
    )
    assert isinstance(error, InvariantViolation)


def test_contact_email_used_twice_is_refused() -> None:
    """Two users of a client never share an email, whatever its case."""
    client = make_client()
    error = refused(client, lambda: client.add_contact(employee(email="CLIENT-1@Example.ru")))
    assert isinstance(error, InvariantViolation)


def test_the_last_supervisor_cannot_be_demoted() -> None:
    """Demoting the only active supervisor is refused."""
    client = make_client()
    error = refused(client, lambda: client.change_role(SUPERVISOR_ID, Role.EMPLOYEE))
    assert isinstance(error, InvariantViolation)


def test_the_last_supervisor_cannot_be_deactivated() -> None:
    """Deactivating the only active supervisor is refused."""
    client = make_client()
    error = refused(client, lambda: client.deactivate_contact(SUPERVISOR_ID))
    assert isinstance(error, InvariantViolation)


def test_an_inactive_second_supervisor_does_not_count() -> None:
    """A deactivated supervisor cannot stand in for the last active one."""
    client = make_client()
    client.add_contact(employee("supervisor-2", role=Role.SUPERVISOR))
    client.deactivate_contact("supervisor-2")
    error = refused(client, lambda: client.change_role(SUPERVISOR_ID, Role.EMPLOYEE))
    assert isinstance(error, InvariantViolation)


def test_a_supervisor_steps_down_once_another_is_active() -> None:
    """With a second active supervisor the first may become an employee."""
    client = make_client()
    client.add_contact(employee("supervisor-2", role=Role.SUPERVISOR))
    client.change_role(SUPERVISOR_ID, Role.EMPLOYEE)
    assert [c.id for c in active_supervisors(client)] == ["supervisor-2"]


def test_inactive_contact_buys_for_nothing() -> None:
    """A deactivated employee has no companies to buy for."""
    client = make_client()
    client.add_contact(employee())
    client.deactivate_contact("employee-1")
    assert client.companies_for("employee-1") == []


# -- addresses and discount ------------------------------------------------------------------


def test_addresses_are_added_edited_and_removed() -> None:
    """A delivery address can be added, changed and removed."""
    client = make_client()
    client.add_address(DeliveryAddress(id="a-1", label="Офис", address="г Москва, ул Лесная, 5"))
    client.edit_address(DeliveryAddress(id="a-1", label="Склад", address="г Химки, ул Заводская"))
    assert client.address("a-1").label == "Склад"
    client.remove_address("a-1")
    assert client.addresses == {}


def test_removing_an_unknown_address_is_not_found() -> None:
    """An address id the client does not have is NotFound, and nothing changes."""
    client = make_client()
    assert isinstance(refused(client, lambda: client.remove_address("nope")), NotFound)


def test_discount_given_as_float_is_refused() -> None:
    """A recomputed discount must be a Decimal percentage."""
    client = make_client()
    error = refused(client, lambda: client.set_discount(3.0, now=NOW))
    assert isinstance(error, InvalidValue)
    assert error.field == "discount_percent"


def test_unchanged_discount_is_not_a_change() -> None:
    """Setting the current discount again reports no change and keeps the version."""
    client = make_client()
    version = client.version
    assert client.set_discount(Decimal("0"), now=NOW) is False
    assert client.version == version


# -- invariants under any sequence of changes ------------------------------------------------

COMPANY_IDS = [HEAD_OFFICE_ID, "company-2", "company-3", "client-2-company"]
CONTACT_IDS = [SUPERVISOR_ID, "contact-2", "contact-3", "contact-4"]
PARTIES = [
    (SECOND_INN, SECOND_KPP),
    (INN, KPP),
    (INN, "780143001"),
]


@st.composite
def client_changes(draw: st.DrawFn) -> Callable[[CorporateClient], object]:
    """One change a cabinet could ask of a client, valid or not."""
    kind = draw(
        st.sampled_from(["add_company", "add_contact", "grant", "role", "deactivate", "enable"])
    )
    contact_id = draw(st.sampled_from(CONTACT_IDS))
    company_ids = frozenset(draw(st.sets(st.sampled_from(COMPANY_IDS), max_size=2)))
    if kind == "add_company":
        inn, kpp = draw(st.sampled_from(PARTIES))
        state = draw(st.sampled_from(list(RegistryState)))
        new = company(draw(st.sampled_from(COMPANY_IDS[1:3])), inn=inn, kpp=kpp, state=state)
        return lambda c: c.add_company(new, now=NOW)
    if kind == "add_contact":
        role = draw(st.sampled_from(list(Role)))
        email = draw(st.sampled_from(["a@example.ru", "b@example.ru", "client-1@example.ru"]))
        return lambda c: c.add_contact(
            employee(contact_id, email=email, company_ids=company_ids, role=role)
        )
    if kind == "grant":
        return lambda c: c.grant_companies(contact_id, company_ids)
    if kind == "role":
        role = draw(st.sampled_from(list(Role)))
        return lambda c: c.change_role(contact_id, role)
    if kind == "deactivate":
        return lambda c: c.deactivate_contact(contact_id)
    enabled = draw(st.booleans())
    company_id = draw(st.sampled_from(COMPANY_IDS))
    return lambda c: c.edit_company(company_id, enabled=enabled)


@given(changes=st.lists(client_changes(), max_size=25))
def test_invariants_hold_after_any_changes_and_refusals_change_nothing(
    changes: list[Callable[[CorporateClient], object]],
) -> None:
    """After any sequence of changes the invariants hold; every refused change left no trace."""
    client = make_client()
    for change in changes:
        before = state_of(client)
        try:
            change(client)
        except DomainError:
            assert state_of(client) == before
        assert active_supervisors(client)
        tax_keys = [c.requisites.tax_key for c in client.companies.values()]
        assert len(tax_keys) == len(set(tax_keys))
        assert all(c.requisites.can_be_added for c in client.companies.values())
        for contact in client.contacts.values():
            assert contact.company_ids <= client.companies.keys()
