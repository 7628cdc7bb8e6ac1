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
  the templates by the server (ids in the form :func:`message_id` gives them: the
  statement's time and random digits, then the row's number). Nothing per client
  is built in Python but the change record itself.
* SQLite, whose commit already holds the database's write lock: the versions
  are checked with one SELECT, the rows updated by an ``executemany``, and the
  messages (templates filled in Python) inserted by another.

A client not at the version read means someone else committed a change of it:
``Conflict``, and the commit's transaction rolls back with everything else in it.

A whole recomputation (:func:`recompute`) brings no client to Python. The policy's
tiers become a ``CASE`` over the paid volume in kopecks (the highest tier whose
threshold the volume reached, as ``DiscountPolicy.tier_for`` chooses). On
PostgreSQL two statements do the rest. The first chooses the clients whose tier
differs from their discount into a temporary table: a read, so PostgreSQL runs it
in parallel, which it never does for a statement that writes. The second updates
those clients where their discount is still the one read, inserts their messages
(made by the server from one template per tier, the client's id and old percent
put in) and returns the changes. A client changed by someone else meanwhile is
updated on top of that change (only its discount and version are set, the version
counted from the newest one); one whose discount someone else changed, which only
another recomputation does, is left as that one set it. On SQLite, whose commit
holds the write lock, the clients whose tier differs are selected and written by
:func:`write`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

import attrs
from sqlalchemy import (
    JSON,
    TIMESTAMP,
    BigInteger,
    ClauseElement,
    Column,
    ColumnClause,
    ColumnElement,
    Connection,
    Dialect,
    Executable,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    TableValuedAlias,
    Text,
    bindparam,
    case,
    cast,
    column,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from b2bcore.adapters.persistence.messages import message_from_event, message_id
from b2bcore.adapters.persistence.sql.engine import json_dumps
from b2bcore.adapters.persistence.sql.integrity import domain_error, execute
from b2bcore.adapters.persistence.sql.prepared import Prepared
from b2bcore.adapters.persistence.sql.repositories.orders import paid_between
from b2bcore.adapters.persistence.sql.tables import clients, orders, outbox
from b2bcore.adapters.persistence.sql.types import Percent, UtcDateTime
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.errors import Conflict
from b2bcore.domain.events import DiscountChanged

BATCH = 5_000
"""Clients per statement: bounds the memory a batch takes."""

_PLACEHOLDER = "@client_id@"  # a client id no real one equals; see _Template
_OLD_PLACEHOLDER = "@old_percent@"  # no percent's text; see _Template.to


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

    @classmethod
    def to(cls, new: Decimal, now: datetime) -> _Template:
        """The message of a change to ``new`` from any old discount: the old percent is a
        placeholder too, for the server to put the old percent's text in."""
        made = cls.of(DiscountChange(client_id="", old=new, new=new, version=0, now=now))
        payload = {**made.payload, "old_percent": _OLD_PLACEHOLDER}
        text = json_dumps(payload)
        if text.count(json_dumps(_OLD_PLACEHOLDER)) != 1:
            raise AssertionError(f"unexpected DiscountChanged message: {text!r}")
        return attrs.evolve(made, payload=payload, text=text)


def _recordset(name: str, *columns: ColumnClause[Any]) -> TableValuedAlias:
    """``json_to_recordset(:name)``: rows sent as one JSON text, which the driver passes
    as it is -- no per-value quoting, unlike an array of strings."""
    return (
        func.json_to_recordset(cast(bindparam(name, type_=Text), JSON))
        .table_valued(*columns)
        .render_derived(name=name, with_types=True)
    )


def _ordered_ids() -> ColumnElement[str]:
    """Message ids made by the server, shaped as :func:`message_id`'s: the first 20 hex
    digits of one :func:`message_id` for the whole statement (``id_prefix``: its time
    and 32 random bits), then 12 of the row's number -- so a statement's messages go
    to the end of the primary key, in order, and no two rows share an id."""
    return func.concat(
        bindparam("id_prefix", type_=Text),
        func.lpad(func.to_hex(func.row_number().over()), 12, "0"),
        type_=Text,
    )


def _id_prefix() -> str:
    return message_id()[:20]


_changes = _recordset(
    "changes",
    column("id", String),
    column("version", Integer),
    column("discount", Integer),
    column("template", Integer),
)


def _message_columns() -> tuple[ColumnClause[Any], ...]:
    """A message template's columns, as the server fills templates in (new ones each time:
    a column belongs to one recordset)."""
    return (
        column("topic", String),
        column("payload", Text),
        column("created_at", TIMESTAMP(timezone=True)),
    )


_templates = _recordset("templates", column("template", Integer), *_message_columns())
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
            _ordered_ids(),
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
_utc = UtcDateTime()


def write(
    connection: Connection, changes: Iterable[DiscountChange], *, versions_read_here: bool = False
) -> None:
    """Store ``changes`` and their outbox messages in the connection's transaction;
    ``versions_read_here``: the versions were read in this very transaction, which
    holds SQLite's write lock, so they need no checking again."""
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
            moved = _write_sqlite(connection, batch, numbers, made, check=not versions_read_here)
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
    parameters = {
        "changes": json_dumps(changes),
        "templates": json_dumps(used),
        "id_prefix": _id_prefix(),
    }
    found = execute(connection, _UPDATE_AND_NOTIFY, outbox, {}, parameters)
    updated = set(found.scalars())
    return next((c.client_id for c in batch if c.client_id not in updated), None)


def _write_sqlite(
    connection: Connection,
    batch: Sequence[DiscountChange],
    numbers: Sequence[int],
    templates: Sequence[_Template],
    *,
    check: bool = True,
) -> str | None:
    # The commit holds the database's write lock (BEGIN IMMEDIATE), so the versions
    # checked here cannot move before the UPDATEs run.
    if check:
        statement = select(clients.c.id, clients.c.version).where(
            clients.c.id.in_([change.client_id for change in batch])
        )
        stored = {row.id: row.version for row in connection.execute(statement)}
        moved = next((c.client_id for c in batch if stored.get(c.client_id) != c.version), None)
        if moved is not None:
            return moved
    # The values as the columns' types bind them, each distinct one made once: rows of
    # plain values for the driver's executemany, no per-row type processing.
    dialect = connection.dialect
    hundredths = {
        new: _PERCENT_TYPE.process_bind_param(new, dialect) for new in {c.new for c in batch}
    }
    updates = [(hundredths[c.new], c.client_id, c.version) for c in batch]
    connection.exec_driver_sql(_UPDATE_SQLITE, updates)
    stored_at = outbox.c.created_at.type.bind_processor(dialect)
    assert stored_at is not None
    times = {n: stored_at(templates[n].created_at) for n in set(numbers)}
    ahead, behind = {}, {}
    for n in set(numbers):  # the payload's text on both sides of the client's id
        ahead[n], behind[n] = templates[n].text.split(json_dumps(_PLACEHOLDER))
    messages = [
        (
            message_id(),
            templates[n].topic,
            change.client_id,
            f"{ahead[n]}{json_dumps(change.client_id)}{behind[n]}",
            times[n],
            times[n],
        )
        for change, n in zip(batch, numbers, strict=True)
    ]
    try:
        connection.exec_driver_sql(_INSERT_SQLITE, messages)
    except IntegrityError as exc:
        raise domain_error(exc, outbox, {}) from exc
    return None


_UPDATE_SQLITE = (
    "UPDATE clients SET discount_percent = ?, version = version + 1 WHERE id = ? AND version = ?"
)
_INSERT_SQLITE = (
    "INSERT INTO outbox (id, topic, aggregate_id, payload, created_at, available_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


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


# -- a whole recomputation ---------------------------------------------------------


def recompute(
    connection: Connection, policy: DiscountPolicy, start: date, end: date, now: datetime
) -> dict[str, tuple[Decimal, Decimal]]:
    """Every client's discount set to its tier for the volume paid ``start..end``, with
    its message, in the connection's transaction; ``{client_id: (old, new)}``."""
    wanted = _wanted(policy, start, end)
    if connection.dialect.name != "postgresql":
        selected = connection.execute(wanted).all()
        changes = [
            DiscountChange(client_id=r.id, old=r.old, new=r.new, version=r.version, now=now)
            for r in selected
        ]
        write(connection, changes, versions_read_here=True)
        return {change.client_id: (change.old, change.new) for change in changes}
    dialect = connection.dialect
    tiers = [
        {
            "new": _PERCENT_TYPE.process_bind_param(percent, dialect),
            "topic": template.topic,
            "payload": template.text,
            "created_at": _utc_text(template.created_at, dialect),
        }
        for percent in sorted({tier.percent for tier in policy.tiers})
        for template in [_Template.to(percent, now)]
    ]
    # JIT compiles these statements' functions for longer than it saves running them.
    connection.exec_driver_sql("SET LOCAL jit = off")
    # Choosing is a read, which PostgreSQL runs in parallel; a statement that writes
    # (the update) never is. So: chosen into a temporary table first, then written.
    connection.execute(_CreateTemporaryTableAs(_wanted_table, wanted))
    parameters = {"tiers": json_dumps(tiers), "id_prefix": _id_prefix()}
    rows = _RECOMPUTE.tuples(connection, parameters)
    # Hundredths to Decimals once per distinct (old, new): 100 000 clients share a handful.
    made: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    moved: dict[str, tuple[Decimal, Decimal]] = {}
    for client_id, old, new in rows:
        change = made.get((old, new))
        if change is None:
            change = made[old, new] = (_percent_from(old, dialect), _percent_from(new, dialect))
        moved[client_id] = change
    return moved


def _percent_from(hundredths: int, dialect: Dialect) -> Decimal:
    made = _PERCENT_TYPE.process_result_value(hundredths, dialect)
    assert made is not None
    return made


_PERCENT_TYPE = Percent()
_tiers = _recordset("tiers", column("new", Integer), *_message_columns())


def tier_of(volume: ColumnElement[Any], policy: DiscountPolicy) -> ColumnElement[Decimal]:
    """``policy.tier_for(volume).percent`` for a volume in kopecks: the highest tier
    whose threshold (rounded up to a whole kopeck) the volume reached."""
    highest_first = sorted(policy.tiers, key=lambda tier: tier.threshold, reverse=True)
    lowest = literal(highest_first[-1].percent, Percent())
    if len(highest_first) == 1:  # one tier for every volume: a CASE needs a WHEN
        return lowest
    return case(
        *(
            (
                volume >= literal(_kopecks_from(tier.threshold), BigInteger),
                literal(tier.percent, Percent()),
            )
            for tier in highest_first[:-1]
        ),
        else_=lowest,
    )


def _kopecks_from(threshold: Decimal) -> int:
    return int((threshold * 100).to_integral_value(rounding=ROUND_CEILING))


def _wanted(policy: DiscountPolicy, start: date, end: date) -> Any:
    """The clients whose tier differs from their discount: id, version, old, new."""
    volumes = (
        select(orders.c.client_id, func.sum(orders.c.goods_gross).label("volume"))
        .where(*paid_between(start, end))
        .group_by(orders.c.client_id)
        .subquery("volumes")
    )
    tiered = (
        select(
            clients.c.id,
            clients.c.version,
            clients.c.discount_percent.label("old"),
            tier_of(type_coerce(func.coalesce(volumes.c.volume, 0), BigInteger), policy).label(
                "new"
            ),
        )
        .select_from(clients.outerjoin(volumes, volumes.c.client_id == clients.c.id))
        .subquery("tiered")
    )
    return select(tiered).where(tiered.c.new != tiered.c.old)


class _CreateTemporaryTableAs(Executable, ClauseElement):
    """``CREATE TEMPORARY TABLE name ON COMMIT DROP AS query`` (SQLAlchemy's recipe for
    a construct it lacks): the query's parameters bound as any statement's."""

    inherit_cache = False

    def __init__(self, table: Table, query: Select[Any]) -> None:
        self.table = table
        self.query = query


@compiles(_CreateTemporaryTableAs)
def _create_temporary_table_as(
    element: _CreateTemporaryTableAs, compiler: SQLCompiler, **kw: Any
) -> str:
    name = compiler.preparer.format_table(element.table)
    return (
        f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS {compiler.process(element.query, **kw)}"
    )


# What the first statement chose, for the second to write: dropped at the transaction's end.
_wanted_table = Table(
    "discount_recomputation",
    MetaData(),
    Column("id", String),
    Column("version", Integer),
    Column("old", Percent),
    Column("new", Percent),
)


def _recompute_statement(wanted: Any) -> Any:
    """PostgreSQL: update the wanted clients still at the discount read, insert their
    messages, return the changes (see the module's docstring)."""
    moved = (
        update(clients)
        .where(clients.c.id == wanted.c.id, clients.c.discount_percent == wanted.c.old)
        .values(discount_percent=wanted.c.new, version=clients.c.version + 1)
        .returning(clients.c.id, wanted.c.old, wanted.c.new)
        .cte("moved")
    )
    # The old percent's JSON text from integer hundredths ("5.00" for 500): digits and a
    # point, nothing to escape. The client's id goes through to_json, which escapes.
    hundredths = type_coerce(moved.c.old, Integer)
    old_json = func.concat(
        '"',
        cast(hundredths // 100, Text),
        ".",
        func.lpad(cast(hundredths % 100, Text), 2, "0"),
        '"',
        type_=Text,
    )
    payload = func.replace(
        func.replace(
            _tiers.c.payload,
            literal(json_dumps(_PLACEHOLDER)),
            cast(func.to_json(moved.c.id), Text),
        ),
        literal(json_dumps(_OLD_PLACEHOLDER)),
        old_json,
    )
    sent = (
        insert(outbox)
        .from_select(
            ["id", "topic", "aggregate_id", "payload", "created_at", "available_at"],
            select(
                _ordered_ids(),
                _tiers.c.topic,
                moved.c.id,
                cast(payload, JSON),
                _tiers.c.created_at,
                _tiers.c.created_at,
            ).select_from(moved.join(_tiers, _tiers.c.new == type_coerce(moved.c.new, Integer))),
        )
        .cte("sent")
    )
    return select(
        moved.c.id, type_coerce(moved.c.old, Integer), type_coerce(moved.c.new, Integer)
    ).add_cte(sent)


_RECOMPUTE = Prepared(_recompute_statement(_wanted_table))
