"""Repositories and a unit of work kept in memory, with the semantics of a database.

For unit tests, the demo and integrators' own tests. :class:`InMemoryDatabase`
is the committed state, shared by every unit of work (and thread) built on it.
A unit of work hands out deep copies of stored aggregates and keeps them in an
identity map; ``commit`` writes the changed ones back at once, under the
database's lock, or raises :class:`~b2bcore.domain.errors.Conflict` and writes
nothing when

* an aggregate's stored ``version`` moved since it was loaded (optimistic
  locking: a lost update is impossible), or
* an id, an order number, an invoice number, a client's INN+KPP or a user's
  e-mail is taken.

Reads see the latest commit plus this unit of work's own changes ("read
committed"). Leaving the ``with`` block without ``commit`` writes nothing.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from types import TracebackType
from typing import ClassVar, Generic, Protocol, Self, TypeVar

import attrs

from b2bcore.adapters.persistence.memory_logins import InMemoryLoginRepository, LoginStore
from b2bcore.adapters.persistence.memory_queue import Delivery, JobTurn
from b2bcore.adapters.persistence.messages import (
    EventCollector,
    Topics,
    lost_claim,
    message_from_event,
    worth_storing,
)
from b2bcore.domain.client import CorporateClient, Manager
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.errors import Conflict, InvariantViolation, NotFound
from b2bcore.domain.events import DomainEvent
from b2bcore.domain.money import ZERO, percent
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.pricing import Product
from b2bcore.domain.tasks import ManagerTask, TaskStatus
from b2bcore.ports.logins import LoginRepository
from b2bcore.ports.outbox import OutboxMessage, OutboxRepository
from b2bcore.ports.repositories import (
    ClientPage,
    ClientRepository,
    ClientSummary,
    ContractPriceRepository,
    DiscountRecomputation,
    ManagerRepository,
    OrderFilter,
    OrderRepository,
    OrderSummary,
    ProductRepository,
    ReportFilter,
    ReportRow,
    TaskRepository,
    UnitOfWork,
    reach_of,
)

A = TypeVar("A", CorporateClient, Order, ManagerTask)


@attrs.define(eq=False)
class InMemoryDatabase:
    """The committed state. Stored objects are private copies, replaced on commit and
    never changed in place, so a reader may use one after releasing ``lock``."""

    clients: dict[str, CorporateClient] = attrs.Factory(dict)
    orders: dict[str, Order] = attrs.Factory(dict)
    tasks: dict[str, ManagerTask] = attrs.Factory(dict)
    products: dict[str, Product] = attrs.Factory(dict)
    prices: dict[tuple[str, str], Decimal] = attrs.Factory(dict)  # (client id, SKU) -> price
    managers: dict[str, Manager] = attrs.Factory(dict)
    outbox: dict[str, OutboxMessage] = attrs.Factory(dict)
    # Each outbox message's claim, attempts and outcome (see memory_queue).
    deliveries: dict[str, Delivery] = attrs.Factory(dict)
    # The periodic jobs' turns, by job name (see memory_queue).
    job_turns: dict[str, JobTurn] = attrs.Factory(dict)
    logins: LoginStore = attrs.Factory(LoginStore)
    lock: threading.RLock = attrs.field(factory=threading.RLock, repr=False)


def _stored_copy(aggregate: A) -> A:
    """What the database keeps: a copy without events, which belong to the unit of work."""
    stored = copy.deepcopy(aggregate)
    if isinstance(stored, CorporateClient | Order):
        stored.events = []
    return stored


class _Participant(Protocol):
    """A repository's part in a commit; both steps run under the database lock."""

    def prepare(self) -> None:
        """Check the pending writes; raise Conflict and change nothing if one is refused."""

    def apply(self) -> None:
        """Write the checked changes."""


class _AggregateRepository(Generic[A]):
    """An identity map over one table of versioned aggregates."""

    kind: ClassVar[str]

    def __init__(
        self,
        db: InMemoryDatabase,
        table: dict[str, A],
        unique_keys: Callable[[A], Iterable[str]] = lambda _: (),
    ) -> None:
        self._db = db
        self._table: dict[str, A] = table
        # What no two aggregates may share, worded as a message shows it.
        self._unique_keys: Callable[[A], Iterable[str]] = unique_keys
        self._seen: dict[str, A] = {}
        self._loaded_versions: dict[str, int | None] = {}  # None: added by this unit of work
        self._changed: list[A] = []

    def add(self, aggregate: A) -> None:
        with self._db.lock:
            taken = aggregate.id in self._seen or aggregate.id in self._table
        if taken:
            raise Conflict(f"{self.kind} {aggregate.id} already exists", id=aggregate.id)
        self._seen[aggregate.id] = aggregate
        self._loaded_versions[aggregate.id] = None

    def get(self, aggregate_id: str) -> A:
        if aggregate_id in self._seen:
            return self._seen[aggregate_id]
        with self._db.lock:
            stored = self._table.get(aggregate_id)
        if stored is None:
            raise NotFound(f"{self.kind} {aggregate_id} not found", id=aggregate_id)
        loaded = copy.deepcopy(stored)
        self._seen[aggregate_id] = loaded
        self._loaded_versions[aggregate_id] = loaded.version
        return loaded

    def seen(self) -> Iterable[A]:
        """The aggregates this unit of work has loaded or added."""
        return self._seen.values()

    def _visible(self) -> Iterator[A]:
        """Every aggregate as this unit of work sees it; read only, stored ones are not copies."""
        with self._db.lock:
            return iter({**self._table, **self._seen}.values())

    def _find(self, matches: Callable[[A], bool]) -> A | None:
        return next((self.get(a.id) for a in self._visible() if matches(a)), None)

    def prepare(self) -> None:
        self._changed = [a for a in self._seen.values() if a.version != self._loaded_versions[a.id]]
        for aggregate in self._changed:
            stored = self._table.get(aggregate.id)
            loaded_version = self._loaded_versions[aggregate.id]
            if (None if stored is None else stored.version) != loaded_version:
                problem = (
                    "already exists"
                    if loaded_version is None
                    else "was changed by someone else; reload and retry"
                )
                raise Conflict(f"{self.kind} {aggregate.id} {problem}", id=aggregate.id)
        self._check_unique_keys()

    def _check_unique_keys(self) -> None:
        changed_ids = {a.id for a in self._changed}
        owners = {
            key: stored.id
            for stored in self._table.values()
            if stored.id not in changed_ids
            for key in self._unique_keys(stored)
        }
        for aggregate in self._changed:
            for key in self._unique_keys(aggregate):
                owner = owners.setdefault(key, aggregate.id)
                if owner != aggregate.id:
                    raise Conflict(f"{key} already belongs to {self.kind} {owner}", key=key)

    def apply(self) -> None:
        for aggregate in self._changed:
            self._table[aggregate.id] = _stored_copy(aggregate)
            self._loaded_versions[aggregate.id] = aggregate.version
        self._changed = []


def _client_keys(client: CorporateClient) -> Iterator[str]:
    """A company's INN+KPP and a user's sign-in e-mail belong to one client only."""
    for company in client.companies.values():
        inn, kpp = company.requisites.tax_key
        yield f"INN {inn} KPP {kpp}" if kpp else f"INN {inn}"
    for contact in client.contacts.values():
        yield f"email {contact.email}"


class InMemoryClientRepository(_AggregateRepository[CorporateClient]):
    kind = "client"

    def __init__(self, db: InMemoryDatabase) -> None:
        super().__init__(db, db.clients, _client_keys)
        self._listed: dict[str, tuple[Decimal, int]] = {}  # by discounts(): (discount, version)
        self._recomputations: list[
            tuple[DiscountRecomputation, dict[str, tuple[Decimal, Decimal]]]
        ] = []

    def find_by_company(self, inn: str, kpp: str) -> CorporateClient | None:
        key = (inn, kpp)
        return self._find(
            lambda client: any(c.requisites.tax_key == key for c in client.companies.values())
        )

    def find_by_contact_email(self, email: str) -> CorporateClient | None:
        wanted = email.strip().lower()
        return self._find(lambda client: any(c.email == wanted for c in client.contacts.values()))

    def reach(self, client_id: str, contact_id: str | None = None) -> frozenset[str] | None:
        return reach_of(self.get(client_id), contact_id)

    def ids(self) -> Sequence[str]:
        return sorted(client.id for client in self._visible())

    def search(
        self, text: str = "", *, manager_id: str | None = None, limit: int = 50, offset: int = 0
    ) -> ClientPage:
        """Committed clients only, as the SQL store reads them."""
        needle = text.strip().lower()
        with self._db.lock:
            stored = list(self._table.values())
        found = sorted(
            (
                client
                for client in stored
                if manager_id in (None, client.manager_id) and _client_matches(client, needle)
            ),
            key=lambda client: (client.name, client.id),
        )
        page = found[offset : offset + limit]
        return ClientPage(rows=tuple(map(_summary, page)), total=len(found))

    def discounts(self) -> Mapping[str, Decimal]:
        with self._db.lock:
            stored = dict(self._table)
        for client_id, client in stored.items():
            if client_id not in self._seen:
                self._listed[client_id] = (client.discount_percent, client.version)
        return {client.id: client.discount_percent for client in {**stored, **self._seen}.values()}

    def recompute_discounts(
        self, policy: DiscountPolicy, *, today: date, now: datetime
    ) -> DiscountRecomputation:
        """The tiers chosen here from the committed orders, then :meth:`apply_discounts`."""
        if self._seen or self._listed:
            raise InvariantViolation("discounts are recomputed in a unit of work of their own")
        start, end = policy.window(today)
        with self._db.lock:
            paid = [o for o in self._db.orders.values() if _paid_between(o, start, end)]
        volumes: dict[str, Decimal] = {}
        for order in paid:
            volumes[order.client_id] = volumes.get(order.client_id, ZERO) + order.totals.goods_gross
        changes: dict[str, tuple[Decimal, Decimal]] = {}
        for client_id, old in self.discounts().items():
            new = policy.tier_for(volumes.get(client_id, ZERO)).percent
            if new != old:
                changes[client_id] = (old, new)
        self.apply_discounts({cid: new for cid, (_old, new) in changes.items()}, now=now)
        recomputation = DiscountRecomputation()
        self._recomputations.append((recomputation, changes))
        return recomputation

    def apply(self) -> None:
        super().apply()
        for recomputation, changes in self._recomputations:
            recomputation.committed(changes)
        self._recomputations.clear()

    def apply_discounts(self, changes: Mapping[str, Decimal], *, now: datetime) -> None:
        """Loads each client and calls ``set_discount``; one listed by :meth:`discounts` is
        checked at commit against the version listed, as the SQL adapter does."""
        wanted = {cid: percent(value, field="discount_percent") for cid, value in changes.items()}
        with self._db.lock:
            missing = sorted(set(wanted) - self._seen.keys() - self._table.keys())
        if missing:
            raise NotFound(f"client {missing[0]} not found", id=missing[0])
        for client_id, new in wanted.items():
            listed = None if client_id in self._seen else self._listed.get(client_id)
            client = self.get(client_id)
            if listed is not None:
                old, version = listed
                if new == old:
                    continue
                self._loaded_versions[client_id] = version
            client.set_discount(new, now=now)


def _client_matches(client: CorporateClient, lowered: str) -> bool:
    """The client's name, a company's name or an INN contains ``lowered`` (already lower-case)."""
    companies = client.companies.values()
    return (
        lowered in client.name.lower()
        or any(lowered in company.name.lower() for company in companies)
        or any(lowered in str(company.requisites.inn) for company in companies)
    )


def _summary(client: CorporateClient) -> ClientSummary:
    first = next(iter(client.companies.values()), None)
    return ClientSummary(
        id=client.id,
        name=client.name,
        main_inn="" if first is None else str(first.requisites.inn),
        manager_id=client.manager_id,
        discount_percent=client.discount_percent,
        status=client.status,
        company_count=len(client.companies),
    )


def _matches(order: Order, criteria: OrderFilter) -> bool:
    placed_on = order.placed_at.date()
    return (
        criteria.client_id in (None, order.client_id)
        and (criteria.company_ids is None or order.company_id in criteria.company_ids)
        and (criteria.statuses is None or order.status in criteria.statuses)
        and (criteria.placed_from is None or placed_on >= criteria.placed_from)
        and (criteria.placed_to is None or placed_on <= criteria.placed_to)
    )


def _paid_between(order: Order, start: date, end: date) -> bool:
    """Counts towards the volume: paid on a day of ``start..end`` and not cancelled since."""
    paid_at = order.paid_at
    return (
        order.status is not OrderStatus.CANCELLED
        and paid_at is not None
        and start <= paid_at.date() <= end
    )


def _order_keys(order: Order) -> Iterator[str]:
    yield f"order number {order.number}"
    if order.invoice is not None:
        yield f"invoice number {order.invoice.number}"


class InMemoryOrderRepository(_AggregateRepository[Order]):
    kind = "order"

    def __init__(self, db: InMemoryDatabase) -> None:
        super().__init__(db, db.orders, _order_keys)

    def get_by_number(self, number: str) -> Order:
        found = self._find(lambda order: order.number == number)
        if found is None:
            raise NotFound(f"order {number} not found", number=number)
        return found

    def list(self, criteria: OrderFilter) -> Sequence[Order]:
        return [self.get(order.id) for order in self._page(criteria)]

    def summaries(self, criteria: OrderFilter) -> Sequence[OrderSummary]:
        return [OrderSummary.of(order) for order in self._page(criteria)]

    def _page(self, criteria: OrderFilter) -> Sequence[Order]:
        """The page of visible orders, newest first; read only (stored ones are not copies)."""
        newest_first = sorted(
            (order for order in self._visible() if _matches(order, criteria)),
            key=lambda order: (order.placed_at, order.id),
            reverse=True,
        )
        return newest_first[criteria.offset : criteria.offset + criteria.limit]

    def ids_in_status(self, statuses: Iterable[OrderStatus]) -> Sequence[str]:
        """Oldest first, so a worker serves orders in the order they came."""
        wanted = frozenset(statuses)
        chosen = [order for order in self._visible() if order.status in wanted]
        return [order.id for order in sorted(chosen, key=lambda o: (o.placed_at, o.id))]

    def overdue_invoices(self, today: date) -> Sequence[str]:
        chosen = [order for order in self._visible() if order.is_invoice_expired(today)]
        return [order.id for order in sorted(chosen, key=lambda o: (o.placed_at, o.id))]

    def find_by_invoice(self, invoice_number: str) -> Order | None:
        return self._find(
            lambda order: order.invoice is not None and order.invoice.number == invoice_number
        )

    def paid_volume(self, client_id: str, start: date, end: date) -> Decimal:
        return sum(
            (
                order.totals.goods_gross
                for order in self._visible()
                if order.client_id == client_id and _paid_between(order, start, end)
            ),
            ZERO,
        )

    def paid_volumes(self, start: date, end: date) -> Mapping[str, Decimal]:
        volumes: dict[str, Decimal] = {}
        for order in self._visible():
            if _paid_between(order, start, end):
                volumes[order.client_id] = volumes.get(order.client_id, ZERO) + (
                    order.totals.goods_gross
                )
        return volumes

    def report_rows(self, criteria: ReportFilter) -> Iterator[ReportRow]:
        """Committed orders only, as the SQL store reads them."""
        with self._db.lock:
            chosen = [order for order in self._table.values() if _in_report(order, criteria)]
        for order in sorted(chosen, key=lambda o: (o.placed_at, o.number)):
            yield from _report_rows(order)

    def report_size(self, criteria: ReportFilter) -> int:
        with self._db.lock:
            stored = list(self._table.values())
        return sum(len(order.lines) for order in stored if _in_report(order, criteria))


def _in_report(order: Order, criteria: ReportFilter) -> bool:
    placed_on = order.placed_at.astimezone(UTC).date()
    return (
        order.client_id == criteria.client_id
        and (criteria.company_ids is None or order.company_id in criteria.company_ids)
        and (criteria.statuses is None or order.status in criteria.statuses)
        and (criteria.placed_from is None or placed_on >= criteria.placed_from)
        and (criteria.placed_to is None or placed_on <= criteria.placed_to)
    )


def _report_rows(order: Order) -> Iterator[ReportRow]:
    for position, line in enumerate(order.lines):
        yield ReportRow(
            order_id=order.id,
            order_number=order.number,
            placed_at=order.placed_at,
            status=order.status,
            company_id=order.company_id,
            position=position,
            sku=line.sku,
            name=line.name,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            gross=line.gross,
            vat_rate=line.vat_rate,
            vat=line.vat,
        )


class InMemoryTaskRepository(_AggregateRepository[ManagerTask]):
    kind = "task"

    def __init__(self, db: InMemoryDatabase) -> None:
        super().__init__(db, db.tasks)

    def list_open(self) -> Sequence[ManagerTask]:
        """Oldest first."""
        open_tasks = [task for task in self._visible() if task.status is TaskStatus.OPEN]
        open_tasks.sort(key=lambda task: (task.created_at, task.id))
        return [self.get(task.id) for task in open_tasks]


class InMemoryProductRepository:
    """The catalogue; an upsert replaces the product with the same SKU."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self._pending: dict[str, Product] = {}

    def upsert(self, product: Product) -> None:
        self._pending[product.sku] = product

    def get_many(self, skus: Iterable[str]) -> Mapping[str, Product]:
        visible = self._visible()
        return {sku: visible[sku] for sku in skus if sku in visible}

    def list(self, *, limit: int = 100, offset: int = 0) -> Sequence[Product]:
        by_sku = sorted(self._visible().values(), key=lambda product: product.sku)
        return by_sku[offset : offset + limit]

    def _visible(self) -> Mapping[str, Product]:
        with self._db.lock:
            return {**self._db.products, **self._pending}

    def prepare(self) -> None:
        """Last writer wins: a product has no version."""

    def apply(self) -> None:
        self._db.products.update(self._pending)
        self._pending.clear()


class InMemoryContractPriceRepository:
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self._pending: dict[tuple[str, str], Decimal] = {}

    def prices_for(self, client_id: str) -> Mapping[str, Decimal]:
        with self._db.lock:
            visible = {**self._db.prices, **self._pending}
        return {sku: price for (owner, sku), price in visible.items() if owner == client_id}

    def set_price(self, client_id: str, sku: str, price: Decimal) -> None:
        self._pending[(client_id, sku)] = price

    def prepare(self) -> None:
        """Last writer wins: a price has no version."""

    def apply(self) -> None:
        self._db.prices.update(self._pending)
        self._pending.clear()


class InMemoryManagerRepository:
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self._pending: dict[str, Manager] = {}

    def add(self, manager: Manager) -> None:
        if manager.id in self._visible():
            raise Conflict(f"manager {manager.id} already exists", id=manager.id)
        self._pending[manager.id] = manager

    def get(self, manager_id: str) -> Manager:
        try:
            return self._visible()[manager_id]
        except KeyError:
            raise NotFound(f"manager {manager_id} not found", id=manager_id) from None

    def list(self) -> Sequence[Manager]:
        return sorted(self._visible().values(), key=lambda m: (m.full_name, m.id))

    def _visible(self) -> Mapping[str, Manager]:
        with self._db.lock:
            return {**self._db.managers, **self._pending}

    def prepare(self) -> None:
        taken = sorted(self._pending.keys() & self._db.managers.keys())
        if taken:
            raise Conflict(f"manager {taken[0]} already exists", id=taken[0])

    def apply(self) -> None:
        self._db.managers.update(self._pending)
        self._pending.clear()


class InMemoryOutboxRepository:
    """Messages written by this unit of work and claimed messages it completes, both
    stored with its commit (see :class:`~.memory_queue.InMemoryOutboxQueue`)."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self._pending: dict[str, OutboxMessage] = {}
        self._completions: dict[str, str] = {}  # message id -> the worker claiming it

    def add(self, message: OutboxMessage) -> None:
        self._pending[message.id] = message

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        with self._db.lock:
            stored = [
                message
                for message in self._db.outbox.values()
                if self._db.deliveries[message.id].processed_at is None
            ]
        messages = [*stored, *self._pending.values()]
        return sorted(messages, key=lambda m: (m.created_at, m.id))[:limit]

    def complete(self, message_id: str, *, worker: str) -> None:
        self._completions[message_id] = worker

    def prepare(self) -> None:
        taken = sorted(self._pending.keys() & self._db.outbox.keys())
        if taken:
            raise Conflict(f"outbox message {taken[0]} already exists", id=taken[0])
        for message_id, worker in self._completions.items():
            delivery = self._db.deliveries.get(message_id)
            if delivery is None or not delivery.is_held_by(worker):
                raise lost_claim(message_id, worker)

    def apply(self) -> None:
        for message_id in self._completions:
            self._db.deliveries[message_id] = self._db.deliveries[message_id].completed()
        self._completions.clear()
        for message in self._pending.values():
            self._db.deliveries[message.id] = Delivery(available_at=message.created_at)
        self._db.outbox.update(self._pending)
        self._pending.clear()


class InMemoryUnitOfWork(EventCollector):
    """One transaction at a time over an :class:`InMemoryDatabase`."""

    # Typed as the ports, not the classes: the UnitOfWork protocol's attributes are settable.
    clients: ClientRepository
    orders: OrderRepository
    products: ProductRepository
    prices: ContractPriceRepository
    managers: ManagerRepository
    tasks: TaskRepository
    outbox: OutboxRepository
    logins: LoginRepository

    def __init__(self, db: InMemoryDatabase, topics: Topics = None) -> None:
        self._db = db
        self._topics = topics
        self._committed_events: list[DomainEvent] = []
        self._begin()

    def _begin(self) -> None:
        """Forget everything loaded or pending: the next read starts from the database."""
        clients = self.clients = InMemoryClientRepository(self._db)
        orders = self.orders = InMemoryOrderRepository(self._db)
        tasks = self.tasks = InMemoryTaskRepository(self._db)
        products = self.products = InMemoryProductRepository(self._db)
        prices = self.prices = InMemoryContractPriceRepository(self._db)
        managers = self.managers = InMemoryManagerRepository(self._db)
        outbox = self._outbox = InMemoryOutboxRepository(self._db)
        self.outbox = outbox
        logins = self.logins = InMemoryLoginRepository(self._db.logins, self._db.lock)
        self._participants: tuple[_Participant, ...] = (
            clients,
            orders,
            tasks,
            products,
            prices,
            managers,
            outbox,
            logins,
        )
        self._event_sources = (clients, orders)

    def __enter__(self) -> Self:
        self._committed_events.clear()
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        events = self._take_events()
        try:
            for event in worth_storing(events, self._topics):
                self._outbox.add(message_from_event(event))
            with self._db.lock:
                for participant in self._participants:
                    participant.prepare()
                for participant in self._participants:
                    participant.apply()
        except Exception:
            self.rollback()
            raise
        # Kept apart so that the rollback on leaving the block cannot drop them.
        self._committed_events.extend(events)

    def read_ahead_for_order(self, client_id: str, skus: Iterable[str]) -> None:
        """Nothing to gain in memory: every read is a dictionary lookup."""

    def rollback(self) -> None:
        self._begin()


@attrs.frozen(eq=False)
class InMemoryUnitOfWorkFactory:
    """Units of work over one shared database; a fresh database unless one is given.
    ``topics``: the events written to the outbox (:data:`.messages.Topics`)."""

    db: InMemoryDatabase = attrs.Factory(InMemoryDatabase)
    topics: Topics = None

    def __call__(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self.db, self.topics)
