"""The outbox table: domain events stored in the transaction of the change that raised them,
and the completions of claimed messages, checked and stored in that transaction too."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, insert, select, update

from b2bcore.adapters.persistence.messages import lost_claim, message_from_event
from b2bcore.adapters.persistence.sql.prepared import Prepared, RowData
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import outbox
from b2bcore.adapters.persistence.sql.writes import Writes
from b2bcore.domain.events import DomainEvent
from b2bcore.ports.outbox import OutboxMessage

# Built once: every commit with an event, every completed message runs them.
_INSERT = Prepared(insert(outbox))
_COMPLETE = Prepared(
    update(outbox)
    .where(
        outbox.c.id == bindparam("b_id"),
        outbox.c.claimed_by == bindparam("b_worker"),
        outbox.c.processed_at.is_(None),
    )
    .values(
        # Every right-hand side reads the row as it was: the claim's time.
        processed_at=outbox.c.claimed_at,
        claimed_by=None,
        claimed_at=None,
        claimed_until=None,
    )
)


def message_from_row(row: RowData) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        topic=row["topic"],
        aggregate_id=row["aggregate_id"],
        payload=row["payload"],
        created_at=row["created_at"],
    )


class SqlOutboxRepository:
    """Messages added here are stored by the commit; ``pending`` shows them at once."""

    def __init__(self, link: Link) -> None:
        self._link = link
        self._pending: dict[str, OutboxMessage] = {}
        self._completions: dict[str, str] = {}  # message id -> the worker claiming it

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
        stored = [message_from_row(row) for row in self._link.rows(statement)]
        messages = [*stored, *self._pending.values()]
        return sorted(messages, key=lambda m: (m.created_at, m.id))[:limit]

    def complete(self, message_id: str, *, worker: str) -> None:
        self._completions[message_id] = worker

    def write_completions(self, writes: Writes) -> None:
        """Mark the completed messages processed in the commit's transaction, if ``worker``
        still holds each; one it lost raises Conflict, undoing the whole commit.

        On PostgreSQL a concurrent claim of the message holds its row lock; this
        waits for it and then sees the new holder, so the answer is never stale.
        """
        for message_id, worker in self._completions.items():
            writes.run(
                _COMPLETE,
                {"b_id": message_id, "b_worker": worker},
                table=outbox,
                expect_one=functools.partial(lost_claim, message_id, worker),
            )

    def write_events(self, writes: Writes, events: Iterable[DomainEvent]) -> None:
        """Serialize the events into the commit's transaction; a refused one undoes it all."""
        for event in events:
            self.add(message_from_event(event))
        self.write(writes)

    def write(self, writes: Writes) -> None:
        for message in self._pending.values():
            row = {
                "id": message.id,
                "topic": message.topic,
                "aggregate_id": message.aggregate_id,
                "payload": dict(message.payload),
                "created_at": message.created_at,
                "available_at": message.created_at,
            }
            writes.run(_INSERT, row, table=outbox)

    def has_changes(self) -> bool:
        return bool(self._pending or self._completions)

    def committed(self) -> None:
        self._pending.clear()
        self._completions.clear()
