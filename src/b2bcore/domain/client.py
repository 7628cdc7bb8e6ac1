"""The CorporateClient aggregate: companies, contacts, delivery addresses.

A client is a group of legal entities and entrepreneurs buying together; its
discount follows the purchase volume of all its companies. Invariants kept here:

* at least one active supervisor, always;
* an INN+KPP pair appears once per client;
* an employee may only be granted this client's companies;
* a liquidated or liquidating company cannot be added.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from b2bcore.domain.errors import InvalidValue, InvariantViolation, NotFound
from b2bcore.domain.events import ClientRegistered, CompanyAdded, DiscountChanged, DomainEvent
from b2bcore.domain.identifiers import BankAccount, Inn, Kpp, Ogrn
from b2bcore.domain.money import percent

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    cleaned = value.strip().lower()
    if not _EMAIL.match(cleaned):
        raise InvalidValue("email", "must look like name@example.ru", value)
    return cleaned


def _required(field: str, value: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidValue(field, "must not be empty", value)
    return cleaned


def _full_name(value: str) -> str:
    return _required("full_name", value)


def _label(value: str) -> str:
    return _required("label", value)


def _address_text(value: str) -> str:
    return _required("address", value)


class RegistryState(enum.Enum):
    """A company's state in the state register (as DaData reports it)."""

    ACTIVE = "ACTIVE"
    LIQUIDATING = "LIQUIDATING"
    LIQUIDATED = "LIQUIDATED"
    REORGANIZING = "REORGANIZING"
    BANKRUPT = "BANKRUPT"


class CompanyKind(enum.Enum):
    LEGAL_ENTITY = "legal_entity"
    ENTREPRENEUR = "entrepreneur"


class Role(enum.Enum):
    SUPERVISOR = "supervisor"
    EMPLOYEE = "employee"


class ClientStatus(enum.Enum):
    ACTIVE = "active"
    BLOCKED = "blocked"


@attrs.frozen(kw_only=True)
class Requisites:
    """A company's registry data, as company lookup returns it."""

    inn: Inn
    kpp: Kpp | None
    ogrn: Ogrn | None
    kind: CompanyKind
    full_name: str
    short_name: str
    legal_address: str
    state: RegistryState = RegistryState.ACTIVE
    is_branch: bool = False
    director: str = ""

    def __attrs_post_init__(self) -> None:
        if self.kind is CompanyKind.LEGAL_ENTITY:
            if not self.inn.is_legal_entity:
                raise InvalidValue("inn", "a legal entity has a 10-digit INN", str(self.inn))
            if self.kpp is None:
                raise InvalidValue("kpp", "a legal entity must have a KPP")
        elif not self.inn.is_individual:
            raise InvalidValue("inn", "an entrepreneur has a 12-digit INN", str(self.inn))
        _required("full_name", self.full_name)

    @property
    def tax_key(self) -> tuple[str, str]:
        """INN+KPP: unique per client (entrepreneurs have no KPP)."""
        return (str(self.inn), "" if self.kpp is None else str(self.kpp))

    @property
    def can_be_added(self) -> bool:
        return self.state not in (RegistryState.LIQUIDATED, RegistryState.LIQUIDATING)


@attrs.define(eq=False, kw_only=True)
class Company:
    """A legal entity or entrepreneur of a client; its requisites go on invoices."""

    id: str
    requisites: Requisites
    bank_account: BankAccount | None = None
    enabled: bool = True
    counterparty_id: str | None = None

    @property
    def is_active(self) -> bool:
        """May buy: enabled by the client and active in the state register."""
        return self.enabled and self.requisites.state is RegistryState.ACTIVE

    @property
    def name(self) -> str:
        return self.requisites.short_name or self.requisites.full_name


@attrs.define(eq=False, kw_only=True)
class Contact:
    """A user of the cabinet. Employees buy only for the companies granted to them."""

    id: str
    full_name: str = attrs.field(converter=_full_name)
    email: str = attrs.field(converter=_email)
    phone: str = ""
    role: Role = Role.EMPLOYEE
    company_ids: frozenset[str] = frozenset()
    active: bool = True

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


@attrs.frozen(kw_only=True)
class DeliveryAddress:
    id: str
    label: str = attrs.field(converter=_label)
    address: str = attrs.field(converter=_address_text)
    recipient: str = ""
    phone: str = ""


@attrs.frozen(kw_only=True)
class Manager:
    """A B2B manager of the shop who owns a portfolio of clients."""

    id: str
    full_name: str
    email: str = attrs.field(converter=_email)
    phone: str = ""


@attrs.define(eq=False, kw_only=True)
class CorporateClient:
    """Aggregate root for a corporate buyer and everything it owns."""

    id: str
    name: str
    manager_id: str
    registered_at: datetime
    companies: dict[str, Company] = attrs.Factory(dict)
    contacts: dict[str, Contact] = attrs.Factory(dict)
    addresses: dict[str, DeliveryAddress] = attrs.Factory(dict)
    status: ClientStatus = ClientStatus.ACTIVE
    discount_percent: Decimal = Decimal("0.00")
    version: int = 0
    events: list[DomainEvent] = attrs.field(factory=list, repr=False)

    @classmethod
    def register(
        cls,
        *,
        client_id: str,
        company: Company,
        supervisor: Contact,
        manager_id: str,
        now: datetime,
    ) -> CorporateClient:
        """A new client with its first company and the registering buyer as supervisor."""
        client = cls(id=client_id, name=company.name, manager_id=manager_id, registered_at=now)
        client._check_can_add(company)
        client.companies[company.id] = company
        supervisor.role = Role.SUPERVISOR
        supervisor.company_ids = frozenset({company.id})
        client.contacts[supervisor.id] = supervisor
        client.events.append(
            ClientRegistered(occurred_at=now, client_id=client_id, company_id=company.id)
        )
        return client

    # -- queries ---------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status is ClientStatus.ACTIVE

    def company(self, company_id: str) -> Company:
        try:
            return self.companies[company_id]
        except KeyError:
            raise NotFound(f"company {company_id} not found", company_id=company_id) from None

    def contact(self, contact_id: str) -> Contact:
        try:
            return self.contacts[contact_id]
        except KeyError:
            raise NotFound(f"contact {contact_id} not found", contact_id=contact_id) from None

    def address(self, address_id: str) -> DeliveryAddress:
        try:
            return self.addresses[address_id]
        except KeyError:
            raise NotFound(f"address {address_id} not found", address_id=address_id) from None

    def companies_for(self, contact_id: str) -> list[Company]:
        """The companies this contact may buy for: all for a supervisor, granted ones else."""
        contact = self.contact(contact_id)
        if not contact.active:
            return []
        if contact.is_supervisor:
            return list(self.companies.values())
        return [c for c in self.companies.values() if c.id in contact.company_ids]

    def can_buy_for(self, contact_id: str, company_id: str) -> bool:
        return any(c.id == company_id for c in self.companies_for(contact_id))

    def find_company(self, inn: Inn, kpp: Kpp | None) -> Company | None:
        key = (str(inn), "" if kpp is None else str(kpp))
        return next((c for c in self.companies.values() if c.requisites.tax_key == key), None)

    # -- companies -------------------------------------------------------------

    def add_company(self, company: Company, *, now: datetime) -> None:
        self._check_can_add(company)
        self.companies[company.id] = company
        self.events.append(CompanyAdded(occurred_at=now, client_id=self.id, company_id=company.id))
        self._touch()

    def edit_company(
        self,
        company_id: str,
        *,
        bank_account: BankAccount | None = None,
        short_name: str | None = None,
        enabled: bool | None = None,
    ) -> None:
        company = self.company(company_id)
        if short_name is not None:
            company.requisites = attrs.evolve(
                company.requisites, short_name=_required("short_name", short_name)
            )
        if bank_account is not None:
            company.bank_account = bank_account
        if enabled is not None:
            company.enabled = enabled
        self._touch()

    def update_registry_state(self, company_id: str, state: RegistryState) -> None:
        company = self.company(company_id)
        company.requisites = attrs.evolve(company.requisites, state=state)
        self._touch()

    def _check_can_add(self, company: Company) -> None:
        if not company.requisites.can_be_added:
            raise InvariantViolation(
                f"company {company.requisites.inn} is {company.requisites.state.value.lower()}"
                " and cannot be added",
                inn=str(company.requisites.inn),
                state=company.requisites.state.value,
            )
        if self.find_company(company.requisites.inn, company.requisites.kpp) is not None:
            raise InvariantViolation(
                f"INN {company.requisites.inn} KPP {company.requisites.kpp} already belongs"
                " to this client",
                inn=str(company.requisites.inn),
            )
        if company.id in self.companies:
            raise InvariantViolation(f"company id {company.id} already used", company_id=company.id)

    # -- contacts --------------------------------------------------------------

    def add_contact(self, contact: Contact) -> None:
        if contact.id in self.contacts:
            raise InvariantViolation(f"contact id {contact.id} already used", contact_id=contact.id)
        if any(c.email == contact.email for c in self.contacts.values()):
            raise InvariantViolation(
                f"a user with email {contact.email} already exists", email=contact.email
            )
        self._check_companies(contact.company_ids)
        self.contacts[contact.id] = contact
        self._touch()

    def grant_companies(self, contact_id: str, company_ids: Iterable[str]) -> None:
        contact = self.contact(contact_id)
        granted = frozenset(company_ids)
        self._check_companies(granted)
        contact.company_ids = granted
        self._touch()

    def change_role(self, contact_id: str, role: Role) -> None:
        contact = self.contact(contact_id)
        if contact.is_supervisor and role is not Role.SUPERVISOR:
            self._keep_a_supervisor(contact_id)
        contact.role = role
        self._touch()

    def deactivate_contact(self, contact_id: str) -> None:
        contact = self.contact(contact_id)
        if contact.is_supervisor:
            self._keep_a_supervisor(contact_id)
        contact.active = False
        self._touch()

    def _check_companies(self, company_ids: frozenset[str]) -> None:
        foreign = sorted(company_ids - self.companies.keys())
        if foreign:
            raise InvariantViolation(
                f"companies {', '.join(foreign)} do not belong to this client",
                company_ids=foreign,
            )

    def _keep_a_supervisor(self, leaving_id: str) -> None:
        others = [
            c for c in self.contacts.values() if c.is_supervisor and c.active and c.id != leaving_id
        ]
        if not others:
            raise InvariantViolation("a client must keep at least one active supervisor")

    # -- addresses, discount, status ---------------------------------------------

    def add_address(self, address: DeliveryAddress) -> None:
        if address.id in self.addresses:
            raise InvariantViolation(f"address id {address.id} already used", address_id=address.id)
        self.addresses[address.id] = address
        self._touch()

    def edit_address(self, address: DeliveryAddress) -> None:
        self.address(address.id)
        self.addresses[address.id] = address
        self._touch()

    def remove_address(self, address_id: str) -> None:
        self.address(address_id)
        del self.addresses[address_id]
        self._touch()

    def set_discount(self, value: Decimal, *, now: datetime) -> bool:
        """Apply a recomputed discount; returns whether it changed."""
        new = percent(value, field="discount_percent")
        if new == self.discount_percent:
            return False
        self.events.append(
            DiscountChanged(
                occurred_at=now,
                client_id=self.id,
                old_percent=self.discount_percent,
                new_percent=new,
            )
        )
        self.discount_percent = new
        self._touch()
        return True

    def block(self) -> None:
        self.status = ClientStatus.BLOCKED
        self._touch()

    def unblock(self) -> None:
        self.status = ClientStatus.ACTIVE
        self._touch()

    def _touch(self) -> None:
        self.version += 1
