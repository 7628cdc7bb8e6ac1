"""Repositories and the unit of work: the storage the use cases see.

``get`` raises :class:`~b2bcore.domain.errors.NotFound`; ``add`` of a duplicate
and a commit over a concurrent change raise ``Conflict``. Nothing is stored
until :meth:`UnitOfWork.commit`; leaving the ``with`` block without it rolls back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

import attrs

from b2bcore.domain.client import ClientStatus, CorporateClient, Manager
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.errors import InvariantViolation
from b2bcore.domain.events import DomainEvent
from b2bcore.domain.money import ZERO, VatRate
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.pricing import Product
from b2bcore.domain.tasks import ManagerTask
from b2bcore.ports.logins import LoginRepository
from b2bcore.ports.outbox import OutboxRepository


@attrs.frozen(kw_only=True)
class OrderFilter:
    """Criteria for listing orders; ``None`` means "any"."""

    client_id: str | None = None
    company_ids: frozenset[str] | None = None
    statuses: frozenset[OrderStatus] | None = None
    placed_from: date | None = None
    placed_to: date | None = None
    limit: int = 100
    offset: int = 0


@attrs.frozen(kw_only=True)
class OrderSummary:
    """One line of an order list, read without loading the order (its document, history
    and lines): what the buyer's and the manager's lists and the API's list show."""

    id: str
    number: str
    client_id: str
    company_id: str
    status: OrderStatus
    placed_at: datetime
    needs_manager: bool
    goods_gross: Decimal
    gross_total: Decimal
    amount_paid: Decimal
    invoice_number: str | None
    invoice_due_date: date | None

    @property
    def amount_due(self) -> Decimal:
        """As :attr:`Order.amount_due`: what is left to pay, never below zero."""
        return max(self.gross_total - self.amount_paid, ZERO)

    @classmethod
    def of(cls, order: Order) -> OrderSummary:
        invoice = order.invoice
        return cls(
            id=order.id,
            number=order.number,
            client_id=order.client_id,
            company_id=order.company_id,
            status=order.status,
            placed_at=order.placed_at,
            needs_manager=order.needs_manager,
            goods_gross=order.totals.goods_gross,
            gross_total=order.gross_total,
            amount_paid=order.amount_paid,
            invoice_number=None if invoice is None else invoice.number,
            invoice_due_date=None if invoice is None else invoice.due_date,
        )


@attrs.frozen(kw_only=True)
class ReportFilter:
    """Which orders a report covers: one client, optionally some of its companies, the
    statuses (``None``: any) and the days they were placed on (UTC, both inclusive)."""

    client_id: str
    company_ids: frozenset[str] | None = None
    statuses: frozenset[OrderStatus] | None = None
    placed_from: date | None = None
    placed_to: date | None = None


@attrs.frozen(kw_only=True)
class ReportRow:
    """One order line of a report, with its order's number, date, status and company."""

    order_id: str
    order_number: str
    placed_at: datetime
    status: OrderStatus
    company_id: str
    position: int
    sku: str
    name: str
    unit: str
    quantity: int
    unit_price: Decimal
    gross: Decimal
    vat_rate: VatRate
    vat: Decimal


@attrs.define
class DiscountRecomputation:
    """What :meth:`ClientRepository.recompute_discounts` changed: filled by the commit."""

    _changes: Mapping[str, tuple[Decimal, Decimal]] | None = None

    @property
    def changes(self) -> Mapping[str, tuple[Decimal, Decimal]]:
        """``{client_id: (old, new)}`` of every client whose discount moved."""
        if self._changes is None:
            raise InvariantViolation("discount changes are known only once committed")
        return self._changes

    def committed(self, changes: Mapping[str, tuple[Decimal, Decimal]]) -> None:
        self._changes = changes


@attrs.frozen(kw_only=True)
class ClientSummary:
    """One line of a manager's client list, read without loading the client.

    ``main_inn`` is the INN of the client's first company (the one it registered
    with); ``company_count`` counts all its companies."""

    id: str
    name: str
    main_inn: str
    manager_id: str
    discount_percent: Decimal
    status: ClientStatus
    company_count: int

    @property
    def is_active(self) -> bool:
        return self.status is ClientStatus.ACTIVE


@attrs.frozen(kw_only=True)
class ClientPage:
    """A page of :meth:`ClientRepository.search` and how many clients match in all."""

    rows: tuple[ClientSummary, ...]
    total: int


def reach_of(client: CorporateClient, contact_id: str | None) -> frozenset[str] | None:
    """:meth:`ClientRepository.reach` of a client held in memory."""
    if contact_id is None:
        return frozenset(client.companies)
    contact = client.contacts.get(contact_id)
    if contact is None or not contact.active:
        return None
    return frozenset(company.id for company in client.companies_for(contact_id))


class ClientRepository(Protocol):
    def add(self, client: CorporateClient) -> None: ...
    def get(self, client_id: str) -> CorporateClient: ...
    def find_by_company(self, inn: str, kpp: str) -> CorporateClient | None:
        """The client that already owns INN+KPP (``kpp`` empty for entrepreneurs)."""
        ...

    def find_by_contact_email(self, email: str) -> CorporateClient | None: ...
    def reach(self, client_id: str, contact_id: str | None = None) -> frozenset[str] | None:
        """The ids of the client's companies ``contact_id`` may see, as
        :meth:`CorporateClient.companies_for` gives them (all of them with no contact
        named), or ``None`` if that is no active user of the client; ``NotFound`` if there
        is no such client. A client this unit of work holds counts as held; an adapter
        may read a stored one without loading it (checking access on every request)."""
        ...

    def ids(self) -> Sequence[str]: ...
    def search(
        self, text: str = "", *, manager_id: str | None = None, limit: int = 50, offset: int = 0
    ) -> ClientPage:
        """Committed clients whose name, a company's name or an INN contains ``text``
        (case-insensitive, surrounding spaces ignored; empty: every client), only
        ``manager_id``'s if named; by name then id, compared character by character
        (code points), ``limit`` rows from ``offset``. Changes this unit of work holds
        and has not committed are not seen."""
        ...

    def discounts(self) -> Mapping[str, Decimal]:
        """Every client's current discount, by id, in one query; a client this unit of
        work holds counts as it is held. Remembers the version of each client read, so
        :meth:`apply_discounts` can tell whether someone changed it since."""
        ...

    def apply_discounts(self, changes: Mapping[str, Decimal], *, now: datetime) -> None:
        """Set each named client's discount, as :meth:`CorporateClient.set_discount` would:
        version + 1 and one ``DiscountChanged`` event, written to the outbox by the commit
        in the same transaction. A client whose discount already is the new one is left
        alone. Meant for many clients at once: an adapter may write them without loading
        them, so ``collect_events`` need not return these events.

        Percents are checked first (``InvalidValue``); an unknown id raises ``NotFound``.
        A client this unit of work holds is changed through its aggregate, checked at
        commit against the version it was loaded with; any other against the version
        :meth:`discounts` read (or, if it did not, the one stored now). A client that
        someone else changed and committed in between makes the commit raise
        ``Conflict``, and nothing of it is written.
        """
        ...

    def recompute_discounts(
        self, policy: DiscountPolicy, *, today: date, now: datetime
    ) -> DiscountRecomputation:
        """Set every client's discount to ``policy``'s tier for its volume in the window
        ending ``today`` (:meth:`OrderRepository.paid_volumes` of committed orders), as
        :meth:`apply_discounts` sets discounts: version + 1 and a ``DiscountChanged``
        message each, in the commit's transaction. The changes are known once the
        commit succeeds (:attr:`DiscountRecomputation.changes`): an adapter may compute
        and write all of it in the database at commit, from the state then stored. No
        change of a client committed by someone else meanwhile is lost: the adapter
        either fails the commit with ``Conflict`` (nothing written; try again) or sets
        the discount on top of that change. For a unit of work that holds no client
        and no other change of discounts (``InvariantViolation`` otherwise).
        """
        ...


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...
    def get(self, order_id: str) -> Order: ...
    def get_by_number(self, number: str) -> Order: ...
    def list(self, criteria: OrderFilter) -> Sequence[Order]:
        """Newest first."""
        ...

    def summaries(self, criteria: OrderFilter) -> Sequence[OrderSummary]:
        """What :meth:`list` would give, as summaries: newest first, the same filters and
        page, orders this unit of work holds as they are now; no order is loaded."""
        ...

    def ids_in_status(self, statuses: Iterable[OrderStatus]) -> Sequence[str]: ...
    def overdue_invoices(self, today: date) -> Sequence[str]:
        """Invoiced orders whose invoice was due before ``today`` (what
        :meth:`Order.is_invoice_expired` says of them), oldest first; orders this unit
        of work holds as they are now. One query: the worker asks every poll."""
        ...

    def find_by_invoice(self, invoice_number: str) -> Order | None: ...
    def paid_volume(self, client_id: str, start: date, end: date) -> Decimal:
        """Goods gross of the client's orders paid on days ``start..end`` and not cancelled."""
        ...

    def paid_volumes(self, start: date, end: date) -> Mapping[str, Decimal]:
        """The same for every client at once (clients with no volume may be absent)."""
        ...

    def report_rows(self, criteria: ReportFilter) -> Iterator[ReportRow]:
        """Every line of the committed orders that match, by time placed and number, lines in
        their order; streamed, so a million lines take no more memory than a few."""
        ...

    def report_size(self, criteria: ReportFilter) -> int:
        """How many rows :meth:`report_rows` would give (for a progress bar)."""
        ...


class ProductRepository(Protocol):
    def upsert(self, product: Product) -> None: ...
    def get_many(self, skus: Iterable[str]) -> Mapping[str, Product]: ...
    def list(self, *, limit: int = 100, offset: int = 0) -> Sequence[Product]: ...


class ContractPriceRepository(Protocol):
    def prices_for(self, client_id: str) -> Mapping[str, Decimal]: ...
    def set_price(self, client_id: str, sku: str, price: Decimal) -> None: ...


class ManagerRepository(Protocol):
    def add(self, manager: Manager) -> None: ...
    def get(self, manager_id: str) -> Manager: ...
    def list(self) -> Sequence[Manager]: ...


class TaskRepository(Protocol):
    def add(self, task: ManagerTask) -> None: ...
    def get(self, task_id: str) -> ManagerTask: ...
    def list_open(self) -> Sequence[ManagerTask]: ...


class UnitOfWork(Protocol):
    clients: ClientRepository
    orders: OrderRepository
    products: ProductRepository
    prices: ContractPriceRepository
    managers: ManagerRepository
    tasks: TaskRepository
    outbox: OutboxRepository
    logins: LoginRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None:
        """Store every change and, in the same transaction, every domain event the
        changed aggregates raised as an outbox message; all of it or none."""
        ...

    def rollback(self) -> None: ...
    def read_ahead_for_order(self, client_id: str, skus: Iterable[str]) -> None:
        """A hint that an order of ``client_id`` for ``skus`` is about to be priced: the
        client, those products and the client's contract prices are read next. A
        storage may read them all at once now (the SQL one does, in one round trip on
        PostgreSQL) and answer those reads with what it read; one that gains nothing
        does nothing. Reads are what they would have been a moment later."""
        ...

    def collect_events(self) -> list[DomainEvent]:
        """Events raised by the aggregates this unit of work has loaded or added."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
