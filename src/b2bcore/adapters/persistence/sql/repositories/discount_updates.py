"""Discounts of many clients set at once, without loading them: a few statements per
batch instead of a read and a write per client.

Each batch is one versioned ``UPDATE`` (PostgreSQL: joined to ``unnest`` of three
arrays, so the statement is compiled once whatever the batch size; SQLite: an
``executemany``, cheap in-process) and one bulk ``INSERT`` of the batch's
``DiscountChanged`` outbox rows. A row that did not match its version means
someone else committed a change of that client: ``Conflict``, and the commit's
transaction is rolled back with everything else in it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import Connection, Integer, String, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from b2bcore.adapters.persistence.messages import message_from_event
from b2bcore.adapters.persistence.sql.integrity import execute
from b2bcore.adapters.persistence.sql.tables import clients, outbox
from b2bcore.adapters.persistence.sql.types import Percent
from b2bcore.domain.errors import Conflict
from b2bcore.domain.events import DiscountChanged
from b2bcore.ports.outbox import OutboxMessage

BATCH = 5_000
"""Clients per statement: bounds the memory the outbox rows of a batch take."""


@attrs.frozen
class DiscountChange:
    """A client's discount to set from ``old`` to ``new``, if its row is still at ``version``."""

    client_id: str
    old: Decimal
    new: Decimal
    version: int
    now: datetime


_unnested = (
    func.unnest(
        bindparam("ids", type_=ARRAY(String)),
        bindparam("versions", type_=ARRAY(Integer)),
        bindparam("discounts", type_=ARRAY(Percent)),
    )
    .table_valued("id", "version", "discount")
    .render_derived(name="changes")
)
_UPDATE_UNNESTED = (
    update(clients)
    .where(clients.c.id == _unnested.c.id, clients.c.version == _unnested.c.version)
    .values(discount_percent=_unnested.c.discount, version=clients.c.version + 1)
    .returning(clients.c.id)
)
_UPDATE_ONE = (
    update(clients)
    .where(clients.c.id == bindparam("b_id"), clients.c.version == bindparam("b_version"))
    .values(discount_percent=bindparam("b_discount", type_=Percent), version=clients.c.version + 1)
)


def write(connection: Connection, changes: Iterable[DiscountChange]) -> None:
    """Store ``changes`` and their outbox messages in the connection's transaction."""
    for batch in _batches(sorted(changes, key=lambda change: change.client_id)):
        moved = _update(connection, batch)
        if moved is not None:
            raise Conflict(
                f"client {moved} was changed by someone else; reload and try again", id=moved
            )
        rows = [_outbox_row(message_from_event(_event(change))) for change in batch]
        execute(connection, insert(outbox), outbox, {}, rows)


def _update(connection: Connection, batch: Sequence[DiscountChange]) -> str | None:
    """Update the batch's rows; the first client no longer at the version read, if any."""
    if connection.dialect.name == "postgresql":
        arrays = {
            "ids": [change.client_id for change in batch],
            "versions": [change.version for change in batch],
            "discounts": [change.new for change in batch],
        }
        updated = set(connection.execute(_UPDATE_UNNESTED, arrays).scalars())
        return next((c.client_id for c in batch if c.client_id not in updated), None)
    # SQLite: the commit holds the database's write lock (BEGIN IMMEDIATE), so the
    # versions checked here cannot move before the UPDATEs run.
    statement = select(clients.c.id, clients.c.version).where(
        clients.c.id.in_([change.client_id for change in batch])
    )
    stored = {row.id: row.version for row in connection.execute(statement)}
    moved = next((c.client_id for c in batch if stored.get(c.client_id) != c.version), None)
    if moved is None:
        rows = [
            {"b_id": change.client_id, "b_version": change.version, "b_discount": change.new}
            for change in batch
        ]
        connection.execute(_UPDATE_ONE, rows)
    return moved


def _event(change: DiscountChange) -> DiscountChanged:
    return DiscountChanged(
        occurred_at=change.now,
        client_id=change.client_id,
        old_percent=change.old,
        new_percent=change.new,
    )


def _outbox_row(message: OutboxMessage) -> dict[str, Any]:
    """The ``outbox`` row of a new message, as the outbox repository writes one."""
    return {
        "id": message.id,
        "topic": message.topic,
        "aggregate_id": message.aggregate_id,
        "payload": dict(message.payload),
        "created_at": message.created_at,
        "available_at": message.created_at,
    }


def _batches(changes: Sequence[DiscountChange]) -> Iterator[Sequence[DiscountChange]]:
    iterator = iter(changes)
    while batch := tuple(itertools.islice(iterator, BATCH)):
        yield batch
