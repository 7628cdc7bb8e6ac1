"""The SQL repositories, one module per aggregate, all reading through one :class:`Link`."""

from b2bcore.adapters.persistence.sql.repositories.catalogue import (
    SqlContractPriceRepository,
    SqlManagerRepository,
    SqlProductRepository,
)
from b2bcore.adapters.persistence.sql.repositories.clients import SqlClientRepository
from b2bcore.adapters.persistence.sql.repositories.link import Link, Participant
from b2bcore.adapters.persistence.sql.repositories.logins import SqlLoginRepository
from b2bcore.adapters.persistence.sql.repositories.orders import SqlOrderRepository
from b2bcore.adapters.persistence.sql.repositories.outbox import SqlOutboxRepository
from b2bcore.adapters.persistence.sql.repositories.tasks import SqlTaskRepository

__all__ = [
    "Link",
    "Participant",
    "SqlClientRepository",
    "SqlContractPriceRepository",
    "SqlLoginRepository",
    "SqlManagerRepository",
    "SqlOrderRepository",
    "SqlOutboxRepository",
    "SqlProductRepository",
    "SqlTaskRepository",
]
