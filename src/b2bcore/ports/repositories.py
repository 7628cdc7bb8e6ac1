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

from b2bcore.domain.client import CorporateClient, Manager
from b2bcore.domain.events import DomainEvent
from b2bcore.domain.money import VatRate
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


class ClientRepository(Protocol):
    def add(self, client: CorporateClient) -> None: ...
    def get(self, client_id: str) -> CorporateClient: ...
    def find_by_company(self, inn: str, kpp: str) -> CorporateClient | None:
        """The client that already owns INN+KPP (``kpp`` empty for entrepreneurs)."""
        ...

    def find_by_contact_email(self, email: str) -> CorporateClient | None: ...
    def ids(self) -> Sequence[str]: ...
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


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...
    def get(self, order_id: str) -> Order: ...
    def get_by_number(self, number: str) -> Order: ...
    def list(self, criteria: OrderFilter) -> Sequence[Order]:
        """Newest first."""
        ...

    def ids_in_status(self, statuses: Iterable[OrderStatus]) -> Sequence[str]: ...
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
    def collect_events(self) -> list[DomainEvent]:
        """Events raised by the aggregates this unit of work has loaded or added."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
