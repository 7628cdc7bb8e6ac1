"""The buyer's cabinet: companies, users, delivery addresses, discount, orders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import attrs

from b2bcore.application.access import (
    can_see_company,
    load_client,
    load_order,
    reach,
    require_manager,
    require_supervisor,
)
from b2bcore.application.context import Services
from b2bcore.application.registration import NewContact, Registration, RegistrationRefused
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Company, Contact, CorporateClient, DeliveryAddress, Manager, Role
from b2bcore.domain.discount import DiscountStanding
from b2bcore.domain.errors import Conflict
from b2bcore.domain.identifiers import BankAccount, Bik
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.ports import ClientPage, OrderFilter, OrderSummary, UnitOfWork


@attrs.frozen(kw_only=True)
class CabinetSummary:
    client_id: str
    client_name: str
    discount: DiscountStanding
    manager: Manager
    companies: tuple[Company, ...]
    is_supervisor: bool


class Cabinet:
    def __init__(self, services: Services) -> None:
        self._s = services

    # -- queries -------------------------------------------------------------------

    def summary(self, actor: Actor, client_id: str | None = None) -> CabinetSummary:
        """Discount, the sum to the next tier, the manager's contacts, the companies."""
        today = self._s.clock.now().date()
        start, end = self._s.discounts.window(today)
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            volume = uow.orders.paid_volume(client.id, start, end)
            manager = uow.managers.get(client.manager_id)
        companies = [c for c in client.companies.values() if can_see_company(client, actor, c.id)]
        return CabinetSummary(
            client_id=client.id,
            client_name=client.name,
            discount=self._s.discounts.standing(volume),
            manager=manager,
            companies=tuple(companies),
            is_supervisor=actor.is_manager or client.contact(actor.id).is_supervisor,
        )

    def client(self, actor: Actor, client_id: str | None = None) -> CorporateClient:
        with self._s.uow() as uow:
            return load_client(uow, actor, client_id)

    def orders(
        self,
        actor: Actor,
        *,
        client_id: str | None = None,
        company_ids: Iterable[str] | None = None,
        statuses: Iterable[OrderStatus] | None = None,
        placed_from: date | None = None,
        placed_to: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Sequence[Order]:
        """The client's orders the actor may see, newest first, filtered and paginated,
        whole; a list needs only :meth:`order_summaries`, which cost far less."""
        criteria = _order_filter(statuses, placed_from, placed_to, limit, offset)
        with self._s.uow() as uow:
            return uow.orders.list(_visible_to(uow, actor, client_id, company_ids, criteria))

    def order_summaries(
        self,
        actor: Actor,
        *,
        client_id: str | None = None,
        company_ids: Iterable[str] | None = None,
        statuses: Iterable[OrderStatus] | None = None,
        placed_from: date | None = None,
        placed_to: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Sequence[OrderSummary]:
        """What :meth:`orders` lists, as the lines of a list: no order is loaded."""
        criteria = _order_filter(statuses, placed_from, placed_to, limit, offset)
        with self._s.uow() as uow:
            return uow.orders.summaries(_visible_to(uow, actor, client_id, company_ids, criteria))

    def order(self, actor: Actor, order_id: str) -> Order:
        with self._s.uow() as uow:
            return load_order(uow, actor, order_id)

    def clients(
        self,
        actor: Actor,
        *,
        search: str = "",
        manager_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ClientPage:
        """For a manager: a page of the clients whose name, a company's name or an INN
        contains ``search`` (any case), by name, with how many match in all; only one
        manager's portfolio if ``manager_id`` is named."""
        require_manager(actor)
        with self._s.uow() as uow:
            return uow.clients.search(search, manager_id=manager_id, limit=limit, offset=offset)

    # -- companies -------------------------------------------------------------------

    def add_company(
        self, actor: Actor, *, inn: str, kpp: str | None = None, client_id: str | None = None
    ) -> Company:
        """Add a legal entity by INN; requisites come from company lookup."""
        requisites = Registration(self._s).resolve_company(inn, kpp)
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            owner = uow.clients.find_by_company(*requisites.tax_key)
            if owner is not None and owner.id != client.id:
                raise Conflict(
                    f"INN {requisites.inn} is registered by another client",
                    reason="already_registered",
                )
            company = Company(id=self._s.new_id(), requisites=requisites)
            client.add_company(company, now=self._s.clock.now())
            company.counterparty_id = self._s.edms.register_counterparty(
                key=f"counterparty:{requisites.inn}:{requisites.kpp or ''}", requisites=requisites
            )
            uow.commit()
        return company

    def edit_company(
        self,
        actor: Actor,
        company_id: str,
        *,
        short_name: str | None = None,
        bik: str | None = None,
        settlement_account: str | None = None,
        enabled: bool | None = None,
        client_id: str | None = None,
    ) -> Company:
        """Change the short name, the bank account (checked against the BIK) or enable/disable."""
        bank_account = None
        if bik is not None or settlement_account is not None:
            bank_account = self._bank_account(bik or "", settlement_account or "")
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            client.edit_company(
                company_id, short_name=short_name, bank_account=bank_account, enabled=enabled
            )
            uow.commit()
            return client.company(company_id)

    def _bank_account(self, bik: str, settlement_account: str) -> BankAccount:
        parsed = Bik.parse(bik)
        bank = self._s.company_lookup.find_bank(parsed)
        if bank is None:
            raise RegistrationRefused(
                f"no bank with BIK {parsed}", reason="unknown_bank", bik=str(parsed)
            )
        return BankAccount.create(
            bik=str(parsed),
            settlement_account=settlement_account,
            bank_name=bank.name,
            correspondent_account=None
            if bank.correspondent_account is None
            else str(bank.correspondent_account),
        )

    # -- users -------------------------------------------------------------------------

    def add_user(
        self,
        actor: Actor,
        contact: NewContact,
        *,
        role: Role = Role.EMPLOYEE,
        company_ids: Iterable[str] = (),
        client_id: str | None = None,
    ) -> Contact:
        """A supervisor adds a supervisor or an employee with the companies they may buy for."""
        user = Contact(
            id=self._s.new_id(),
            full_name=contact.full_name,
            email=contact.email,
            phone=contact.phone,
            role=role,
            company_ids=frozenset(company_ids),
        )
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            other = uow.clients.find_by_contact_email(user.email)
            if other is not None and other.id != client.id:
                raise Conflict(
                    f"a user with email {user.email} already exists",
                    reason="email_taken",
                    email=user.email,
                )
            client.add_contact(user)
            uow.commit()
        return user

    def grant_companies(
        self,
        actor: Actor,
        contact_id: str,
        company_ids: Iterable[str],
        client_id: str | None = None,
    ) -> None:
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            client.grant_companies(contact_id, company_ids)
            uow.commit()

    def change_role(
        self, actor: Actor, contact_id: str, role: Role, client_id: str | None = None
    ) -> None:
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            client.change_role(contact_id, role)
            uow.commit()

    def deactivate_user(self, actor: Actor, contact_id: str, client_id: str | None = None) -> None:
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            client.deactivate_contact(contact_id)
            uow.commit()

    # -- delivery addresses ----------------------------------------------------------------

    def add_address(
        self,
        actor: Actor,
        *,
        label: str,
        address: str,
        recipient: str = "",
        phone: str = "",
        client_id: str | None = None,
    ) -> DeliveryAddress:
        new = DeliveryAddress(
            id=self._s.new_id(), label=label, address=address, recipient=recipient, phone=phone
        )
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            client.add_address(new)
            uow.commit()
        return new

    def edit_address(
        self, actor: Actor, address: DeliveryAddress, client_id: str | None = None
    ) -> DeliveryAddress:
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            client.edit_address(address)
            uow.commit()
        return address

    def remove_address(self, actor: Actor, address_id: str, client_id: str | None = None) -> None:
        with self._s.uow() as uow:
            client = load_client(uow, actor, client_id)
            require_supervisor(client, actor)
            client.remove_address(address_id)
            uow.commit()


def _order_filter(
    statuses: Iterable[OrderStatus] | None,
    placed_from: date | None,
    placed_to: date | None,
    limit: int,
    offset: int,
) -> OrderFilter:
    return OrderFilter(
        statuses=None if statuses is None else frozenset(statuses),
        placed_from=placed_from,
        placed_to=placed_to,
        limit=limit,
        offset=offset,
    )


def _visible_to(
    uow: UnitOfWork,
    actor: Actor,
    client_id: str | None,
    company_ids: Iterable[str] | None,
    criteria: OrderFilter,
) -> OrderFilter:
    """``criteria`` narrowed to the client's orders in the companies the actor may see
    (of those named, if any)."""
    client, visible = reach(uow, actor, client_id)
    wanted = visible if company_ids is None else visible.intersection(company_ids)
    return attrs.evolve(criteria, client_id=client, company_ids=wanted)
