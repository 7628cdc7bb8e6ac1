"""Persistence: the repositories and unit of work of :mod:`b2bcore.ports.repositories`."""

from b2bcore.adapters.persistence.memory import (
    InMemoryClientRepository,
    InMemoryContractPriceRepository,
    InMemoryDatabase,
    InMemoryManagerRepository,
    InMemoryOrderRepository,
    InMemoryProductRepository,
    InMemoryTaskRepository,
    InMemoryUnitOfWork,
    InMemoryUnitOfWorkFactory,
)

__all__ = [
    "InMemoryClientRepository",
    "InMemoryContractPriceRepository",
    "InMemoryDatabase",
    "InMemoryManagerRepository",
    "InMemoryOrderRepository",
    "InMemoryProductRepository",
    "InMemoryTaskRepository",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkFactory",
]
