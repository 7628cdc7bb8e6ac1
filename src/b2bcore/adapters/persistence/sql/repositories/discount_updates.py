"""Discounts of many clients set at once, without loading them: one or two statements
per batch of clients instead of a read and a write per client.

Every client of a batch gets a ``DiscountChanged`` outbox message, serialized by
:func:`message_from_event` as the unit of work serializes any event. The
messages of a batch differ only in the client's id (and their own id), so each
distinct change -- (old, new, time), a handful per recomputation -- is
serialized once, as a *template* whose client id is a placeholder, and every
message is its template with the client's id put in.

* PostgreSQL: one statement per batch. The batch travels as one JSON text
  (``json_to_recordset``: no per-value quoting, one plan whatever the size): a
  versioned ``UPDATE … FROM`` the changes ``RETURNING`` the ids it matched, feeding,
  in the same statement, the ``INSERT … SELECT`` of their messages, made from
  the templates by the server (ids from ``gen_random_uuid()``, in the form
  ``uuid4().hex`` has). Nothing per client is built in Python but the change
  record itself.
* SQLite, whose commit already holds the database's write lock: the versions
  are checked with one SELECT, the rows updated by an ``executemany``, and the
  messages (templates filled in Python) inserted by another.

A client not at the version read means someone else committed a change of it:
``Conflict``, and the commit's transaction rolls back with everything else in it.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import (
    JSON,
    TIMESTAMP,
    ColumnClause,
    Connection,
    Dialect,
    Integer,
    String,
    TableValuedAlias,
    Text,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal,
    select,
    update,
)

from b2bcore.adapters.persistence.messages import message_from_event
from b2bcore.adapters.persistence.sql.engine import json_dumps
from b2bcore.adapters.persistence.sql.integrity import execute
from b2bcore.adapters.persistence.sql.tables import clients, outbox
from b2bcore.adapters.persistence.sql.types import Percent, UtcDateTime
from b2bcore.domain.errors import Conflict
from b2bcore.domain.events import DiscountChanged

BATCH = 5_000
"""Clients per statement: bounds the memory a batch takes."""

_PLACEHOLDER = "@client_id@"  # a client id no real one equals; see _Template


@attrs.frozen
class DiscountChange:
    """A client's discount to set from ``old`` to ``new``, if its row is still at ``version``."""

    client_id: str
    old: Decimal
    new: Decimal
    version: int
    now: datetime


@attrs.frozen
class _Template:
    """The ``DiscountChanged`` message of one (old, new, time), serialized once by
    :func:`message_from_event` with :data:`_PLACEHOLDER` as the client's id."""

    topic: str
    payload: dict[str, Any]
    text: str  # the payload as JSON
    created_at: datetime

    @classmethod
    def of(cls, change: DiscountChange) -> _Template:
        message = message_from_event(_event(change, _PLACEHOLDER))
        # The client's id must appear exactly once, as the value of client_id, and be the
        # message's aggregate: then filling it in is the same as serializing the event.
        text = json_dumps(message.payload)
        if (
            message.aggregate_id != _PLACEHOLDER
            or message.payload.get("client_id") != _PLACEHOLDER
            or text.count(_PLACEHOLDER) != 1
        ):
            raise AssertionError(f"unexpected DiscountChanged message: {message!r}")
        return cls(
            topic=message.topic,
            payload=dict(message.payload),
            text=text,
            created_at=message.created_at,
        )

    def row(self, client_id: str) -> dict[str, Any]:
        """The ``outbox`` row of the client's message."""
        return {
            "id": uuid.uuid4().hex,
            "topic": self.topic,
            "aggregate_id": client_id,
            "payload": {**self.payload, "client_id": client_id},
            "created_at": self.created_at,
            "available_at": self.created_at,
        }


def _recordset(name: str, *columns: ColumnClause[Any]) -> TableValuedAlias:
    """``json_to_recordset(:name)``: rows sent as one JSON text, which the driver passes
    as it is -- no per-value quoting, unlike an array of strings."""
    return (
        func.json_to_recordset(cast(bindparam(name, type_=Text), JSON))
        .table_valued(*columns)
        .render_derived(name=name, with_types=True)
    )


_changes = _recordset(
    "changes",
    column("id", String),
    column("version", Integer),
    column("discount", Integer),
    column("template", Integer),
)
_templates = _recordset(
    "templates",
    column("template", Integer),
    column("topic", String),
    column("payload", Text),
    column("created_at", TIMESTAMP(timezone=True)),
)
_moved = (
    update(clients)
    .where(clients.c.id == _changes.c.id, clients.c.version == _changes.c.version)
    .values(discount_percent=_changes.c.discount, version=clients.c.version + 1)
    .returning(clients.c.id, _changes.c.template)
    .cte("moved")
)
_UPDATE_AND_NOTIFY = (
    insert(outbox)
    .from_select(
        ["id", "topic", "aggregate_id", "payload", "created_at", "available_at"],
        select(
            func.replace(cast(func.gen_random_uuid(), Text), "-", ""),
            _templates.c.topic,
            _moved.c.id,
            cast(
                func.replace(
                    _templates.c.payload,
                    literal(json_dumps(_PLACEHOLDER)),
                    cast(func.to_json(_moved.c.id), Text),
                ),
                JSON,
            ),
            _templates.c.created_at,
            _templates.c.created_at,
        ).select_from(_moved.join(_templates, _templates.c.template == _moved.c.template)),
    )
    .returning(outbox.c.aggregate_id)
)
_UPDATE_ONE = (
    update(clients)
    .where(clients.c.id == bindparam("b_id"), clients.c.version == bindparam("b_version"))
    .values(discount_percent=bindparam("b_discount", type_=Percent), version=clients.c.version + 1)
)
_INSERT_MESSAGE = insert(outbox)
_utc = UtcDateTime()


def write(connection: Connection, changes: Iterable[DiscountChange]) -> None:
    """Store ``changes`` and their outbox messages in the connection's transaction."""
    templates: dict[tuple[Decimal, Decimal, datetime], int] = {}
    made: list[_Template] = []
    for batch in _batches(sorted(changes, key=lambda change: change.client_id)):
        numbers = []
        for change in batch:
            key = (change.old, change.new, change.now)
            if key not in templates:
                templates[key] = len(made)
                made.append(_Template.of(change))
            numbers.append(templates[key])
        if connection.dialect.name == "postgresql":
            moved = _write_postgresql(connection, batch, numbers, made)
        else:
            moved = _write_sqlite(connection, batch, numbers, made)
        if moved is not None:
            raise Conflict(
                f"client {moved} was changed by someone else; reload and try again", id=moved
            )


def _write_postgresql(
    connection: Connection,
    batch: Sequence[DiscountChange],
    numbers: Sequence[int],
    templates: Sequence[_Template],
) -> str | None:
    """Update the batch and insert its messages; the first client not at the version read."""
    dialect = connection.dialect
    percent_type = Percent()
    changes = [
        {
            "id": change.client_id,
            "version": change.version,
            "discount": percent_type.process_bind_param(change.new, dialect),
            "template": number,
        }
        for change, number in zip(batch, numbers, strict=True)
    ]
    used = [
        {
            "template": number,
            "topic": templates[number].topic,
            "payload": templates[number].text,
            "created_at": _utc_text(templates[number].created_at, dialect),
        }
        for number in sorted(set(numbers))
    ]
    parameters = {"changes": json_dumps(changes), "templates": json_dumps(used)}
    found = execute(connection, _UPDATE_AND_NOTIFY, outbox, {}, parameters)
    updated = set(found.scalars())
    return next((c.client_id for c in batch if c.client_id not in updated), None)


def _write_sqlite(
    connection: Connection,
    batch: Sequence[DiscountChange],
    numbers: Sequence[int],
    templates: Sequence[_Template],
) -> str | None:
    # The commit holds the database's write lock (BEGIN IMMEDIATE), so the versions
    # checked here cannot move before the UPDATEs run.
    statement = select(clients.c.id, clients.c.version).where(
        clients.c.id.in_([change.client_id for change in batch])
    )
    stored = {row.id: row.version for row in connection.execute(statement)}
    moved = next((c.client_id for c in batch if stored.get(c.client_id) != c.version), None)
    if moved is not None:
        return moved
    rows = [
        {"b_id": change.client_id, "b_version": change.version, "b_discount": change.new}
        for change in batch
    ]
    connection.execute(_UPDATE_ONE, rows)
    messages = [
        templates[number].row(change.client_id)
        for change, number in zip(batch, numbers, strict=True)
    ]
    execute(connection, _INSERT_MESSAGE, outbox, {}, messages)
    return None


def _utc_text(instant: datetime, dialect: Dialect) -> str:
    """The instant as the outbox stores it, in ISO 8601; a naive one is refused."""
    stored = _utc.process_bind_param(instant, dialect)
    assert stored is not None
    return stored.isoformat()


def _event(change: DiscountChange, client_id: str) -> DiscountChanged:
    return DiscountChanged(
        occurred_at=change.now,
        client_id=client_id,
        old_percent=change.old,
        new_percent=change.new,
    )


def _batches(changes: Sequence[DiscountChange]) -> Iterator[Sequence[DiscountChange]]:
    iterator = iter(changes)
    while batch := tuple(itertools.islice(iterator, BATCH)):
        yield batch
