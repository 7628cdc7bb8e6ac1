"""The outbox table: domain events stored in the transaction of the change that raised them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, insert, select

from b2bcore.adapters.persistence.messages import message_from_event
from b2bcore.adapters.persistence.sql.integrity import execute
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import outbox
from b2bcore.domain.events import DomainEvent
from b2bcore.ports.outbox import OutboxMessage


class SqlOutboxRepository:
    """Messages added here are stored by the commit; ``pending`` shows them at once."""

    def __init__(self, link: Link) -> None:
        self._link = link
        self._pending: dict[str, OutboxMessage] = {}

    def add(self, message: OutboxMessage) -> None:
        self._pending[message.id] = message

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        """Messages not yet processed, oldest first."""
        statement = (
            select(outbox)
            .where(outbox.c.processed_at.is_(None))
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(limit)
        )
        stored = [
            OutboxMessage(
                id=row["id"],
                topic=row["topic"],
                aggregate_id=row["aggregate_id"],
                payload=row["payload"],
                created_at=row["created_at"],
            )
            for row in self._link.rows(statement)
        ]
        messages = [*stored, *self._pending.values()]
        return sorted(messages, key=lambda m: (m.created_at, m.id))[:limit]

    def write_events(self, connection: Connection, events: Iterable[DomainEvent]) -> None:
        """Serialize the events into the commit's transaction; a refused one undoes it all."""
        for event in events:
            self.add(message_from_event(event))
        self.write(connection)

    def write(self, connection: Connection) -> None:
        for message in self._pending.values():
            row = {
                "id": message.id,
                "topic": message.topic,
                "aggregate_id": message.aggregate_id,
                "payload": dict(message.payload),
                "created_at": message.created_at,
                "available_at": message.created_at,
            }
            execute(connection, insert(outbox), outbox, row, row)

    def has_changes(self) -> bool:
        return bool(self._pending)

    def committed(self) -> None:
        self._pending.clear()
