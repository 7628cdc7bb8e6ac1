"""Durable storage on SQLAlchemy 2: SQLite embedded, PostgreSQL in production.

::

    engine = create_engine_from_url("sqlite:///b2b.db")  # or postgresql://...
    migrate.upgrade(engine)  # the schema, by Alembic
    uows = SqlUnitOfWorkFactory(engine)  # the UnitOfWorkFactory port
    numbers = SqlNumberSequence(engine)  # the NumberSequence port
    queue = SqlOutboxQueue(engine)  # the OutboxQueue port

See ``docs/storage.md`` for the tables, the constraints and why the aggregates
are mapped to rows by hand.
"""

from b2bcore.adapters.persistence.sql import migrate
from b2bcore.adapters.persistence.sql.engine import create_engine_from_url, normalize_url
from b2bcore.adapters.persistence.sql.numbering import SqlNumberSequence
from b2bcore.adapters.persistence.sql.queue import SqlOutboxQueue
from b2bcore.adapters.persistence.sql.tables import metadata
from b2bcore.adapters.persistence.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "SqlNumberSequence",
    "SqlOutboxQueue",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "create_engine_from_url",
    "metadata",
    "migrate",
    "normalize_url",
]
