"""Persistence: the repositories and unit of work of :mod:`b2bcore.ports.repositories`,
and the outbox queue of :mod:`b2bcore.ports.outbox`."""

from b2bcore.adapters.persistence.memory import (
    InMemoryClientRepository,
    InMemoryContractPriceRepository,
    InMemoryDatabase,
    InMemoryManagerRepository,
    InMemoryOrderRepository,
    InMemoryOutboxRepository,
    InMemoryProductRepository,
    InMemoryTaskRepository,
    InMemoryUnitOfWork,
    InMemoryUnitOfWorkFactory,
)
from b2bcore.adapters.persistence.memory_logins import InMemoryLoginRepository
from b2bcore.adapters.persistence.memory_queue import InMemoryOutboxQueue

__all__ = [
    "InMemoryClientRepository",
    "InMemoryContractPriceRepository",
    "InMemoryDatabase",
    "InMemoryLoginRepository",
    "InMemoryManagerRepository",
    "InMemoryOrderRepository",
    "InMemoryOutboxQueue",
    "InMemoryOutboxRepository",
    "InMemoryProductRepository",
    "InMemoryTaskRepository",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkFactory",
]
