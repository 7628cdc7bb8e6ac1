"""Discounts of many clients set at once, without loading them: a few statements per
batch of clients instead of a read and a write per client.

Each batch is one versioned ``UPDATE`` and one bulk ``INSERT`` of the batch's
``DiscountChanged`` outbox rows (:func:`message_from_event`, as the unit of work
makes them). On PostgreSQL both statements read their rows from one JSON text
(``json_to_recordset``) -- the update returns the ids it matched -- so each is
one statement, compiled once, whatever the batch size, instead of one per row.
On SQLite, whose commit already holds the database's write lock, the versions
are checked with one SELECT and the rows updated by an ``executemany``.
A client not at the version read means someone else committed a change of it:
``Conflict``, and the commit's transaction rolls back with everything else in it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import (
    JSON,
    TIMESTAMP,
    ColumnClause,
    Connection,
    Integer,
    String,
    TableValuedAlias,
    Text,
    bindparam,
    cast,
    column,
    func,
    insert,
    select,
    update,
)

from b2bcore.adapters.persistence.messages import message_from_event
from b2bcore.adapters.persistence.sql.engine import json_dumps
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


def _recordset(name: str, *columns: ColumnClause[Any]) -> TableValuedAlias:
    """``json_to_recordset(:name)``: rows sent as one JSON text, which the driver passes
    as it is -- no per-value quoting, unlike an array of strings."""
    return (
        func.json_to_recordset(cast(bindparam(name, type_=Text), JSON))
        .table_valued(*columns)
        .render_derived(name=name, with_types=True)
    )


_changes = _recordset(
    "changes", column("id", String), column("version", Integer), column("discount", Integer)
)
_UPDATE_RECORDSET = (
    update(clients)
    .where(clients.c.id == _changes.c.id, clients.c.version == _changes.c.version)
    .values(discount_percent=_changes.c.discount, version=clients.c.version + 1)
    .returning(clients.c.id)
)
_messages = _recordset(
    "messages",
    column("id", String),
    column("topic", String),
    column("aggregate_id", String),
    column("payload", JSON),
    column("created_at", TIMESTAMP(timezone=True)),
)
_INSERT_RECORDSET = insert(outbox).from_select(
    ["id", "topic", "aggregate_id", "payload", "created_at", "available_at"],
    select(
        _messages.c.id,
        _messages.c.topic,
        _messages.c.aggregate_id,
        _messages.c.payload,
        _messages.c.created_at,
        _messages.c.created_at,
    ),
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
        _insert_messages(connection, [message_from_event(_event(change)) for change in batch])


def _update(connection: Connection, batch: Sequence[DiscountChange]) -> str | None:
    """Update the batch's rows; the first client no longer at the version read, if any."""
    if connection.dialect.name == "postgresql":
        percent_type = Percent()
        rows: list[dict[str, object]] = [
            {
                "id": change.client_id,
                "version": change.version,
                "discount": percent_type.process_bind_param(change.new, connection.dialect),
            }
            for change in batch
        ]
        found = connection.execute(_UPDATE_RECORDSET, {"changes": json_dumps(rows)})
        updated = set(found.scalars())
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


def _insert_messages(connection: Connection, messages: Sequence[OutboxMessage]) -> None:
    if connection.dialect.name == "postgresql":
        records = [
            {
                "id": message.id,
                "topic": message.topic,
                "aggregate_id": message.aggregate_id,
                "payload": dict(message.payload),
                "created_at": message.created_at.astimezone(UTC).isoformat(),
            }
            for message in messages
        ]
        execute(connection, _INSERT_RECORDSET, outbox, {}, {"messages": json_dumps(records)})
    else:
        execute(connection, insert(outbox), outbox, {}, [_outbox_row(m) for m in messages])


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
