"""The unit of work on SQLAlchemy Core: reads as they come, every write in one commit.

Reading needs no transaction of its own making (see :class:`.Link`); ``commit``
opens one transaction (:func:`.writing`: on PostgreSQL its statements go out in
one pipelined batch) and, in it, marks the completed outbox messages processed
(if their worker still holds them), writes every changed aggregate with its
version check, the pending products, prices, managers and outbox messages, and
then every domain event the loaded or added aggregates raised, as outbox
messages. Any exception -- a conflict, a refused row, an event that cannot be
serialized -- rolls all of it back and leaves the unit of work empty, as the
in-memory one does.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Self

import attrs
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from b2bcore.adapters.persistence.messages import EventCollector, Topics, worth_storing
from b2bcore.adapters.persistence.sql.integrity import busy_conflict
from b2bcore.adapters.persistence.sql.repositories import (
    Link,
    Participant,
    SqlClientRepository,
    SqlContractPriceRepository,
    SqlLoginRepository,
    SqlManagerRepository,
    SqlOrderRepository,
    SqlOutboxRepository,
    SqlProductRepository,
    SqlTaskRepository,
)
from b2bcore.adapters.persistence.sql.writes import writing
from b2bcore.domain.events import DomainEvent
from b2bcore.ports.logins import LoginRepository
from b2bcore.ports.outbox import OutboxRepository
from b2bcore.ports.repositories import (
    ClientRepository,
    ContractPriceRepository,
    ManagerRepository,
    OrderRepository,
    ProductRepository,
    TaskRepository,
    UnitOfWork,
)


class SqlUnitOfWork(EventCollector):
    """One ``with`` block over a database; not shared between threads."""

    # Typed as the ports, not the classes: the UnitOfWork protocol's attributes are settable.
    clients: ClientRepository
    orders: OrderRepository
    products: ProductRepository
    prices: ContractPriceRepository
    managers: ManagerRepository
    tasks: TaskRepository
    outbox: OutboxRepository
    logins: LoginRepository

    def __init__(self, engine: Engine, topics: Topics = None) -> None:
        self._link = Link(engine)
        self._topics = topics
        self._committed_events: list[DomainEvent] = []
        self._begin()

    def _begin(self) -> None:
        """Forget everything loaded or pending: the next read starts from the database."""
        managers = self.managers = SqlManagerRepository(self._link)
        clients = self.clients = self._sql_clients = SqlClientRepository(self._link)
        products = self.products = self._sql_products = SqlProductRepository(self._link)
        orders = self.orders = SqlOrderRepository(self._link)
        prices = self.prices = SqlContractPriceRepository(self._link)
        tasks = self.tasks = SqlTaskRepository(self._link)
        outbox = self._outbox = SqlOutboxRepository(self._link)
        self.outbox = outbox
        logins = self.logins = SqlLoginRepository(self._link)
        self._event_sources = (clients, orders)
        # In the order the foreign keys need: a client's manager before it, and so on.
        self._writers: tuple[Participant, ...] = (
            managers,
            clients,
            products,
            orders,
            prices,
            tasks,
            logins,
        )

    def __enter__(self) -> Self:
        self._committed_events.clear()
        self._begin()
        self._link.enter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._link.leave()

    def read_ahead_for_order(self, client_id: str, skus: Iterable[str]) -> None:
        """The client, the products and the client's contract prices in one round trip
        (:meth:`.Link.read_ahead`), for the repositories' next reads of them."""
        reads = [
            self._sql_clients.read_of(client_id),
            self._sql_products.read_of(skus),
            SqlContractPriceRepository.read_of(client_id),
        ]
        self._link.read_ahead([read for read in reads if read is not None])

    def commit(self) -> None:
        self._link.forget_reads_ahead()
        events = self._take_events()
        if not events and not any(p.has_changes() for p in (*self._writers, self._outbox)):
            return  # a read-only unit of work takes no write lock
        try:
            with writing(self._link.connection()) as writes:
                # First: a worker that lost its claim is refused before anything is written.
                self._outbox.write_completions(writes)
                for writer in self._writers:
                    writer.write(writes)
                self._outbox.write_events(writes, worth_storing(events, self._topics))
                writes.finish()
        except DBAPIError as exc:
            self.rollback()
            conflict = busy_conflict(exc)
            if conflict is None:
                raise
            raise conflict from exc
        except BaseException:
            self.rollback()
            raise
        for participant in (*self._writers, self._outbox):
            participant.committed()
        # Kept apart so that the rollback on leaving the block cannot drop them.
        self._committed_events.extend(events)

    def rollback(self) -> None:
        self._begin()


@attrs.frozen(eq=False)
class SqlUnitOfWorkFactory:
    """Units of work over one engine (see :func:`.create_engine_from_url`); ``topics``:
    the events written to the outbox (:data:`.messages.Topics`)."""

    engine: Engine
    topics: Topics = None

    def __call__(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine, self.topics)
