"""Statements compiled once by SQLAlchemy and run by the driver: the hot path.

SQLAlchemy builds, types and compiles every statement b2bcore sends. A few of them a
busy process sends for every order -- an aggregate by id, its insert and versioned
update, an outbox message's insert and completion, the next document number. For
those, :class:`Prepared` keeps what SQLAlchemy compiled (the SQL text, the order of
its parameters, the type processors of its parameters and columns) per dialect and
set of parameter names, and runs it on the DBAPI cursor: the same text and values
``Connection.execute`` would send, without the execution context, result object and
compiled-cache lookup it builds around every execution -- which cost as much CPU as
the driver itself (61 against 30 µs for a SELECT by primary key on PostgreSQL).

A driver error goes through the connection's own error handling, so it arrives
wrapped as ``Connection.execute`` wraps it (an ``IntegrityError`` for
:mod:`.integrity` to word) and a connection found dead is invalidated (for
:class:`.Link` to read again on a fresh one). Transactions stay SQLAlchemy's: a
write runs inside ``Connection.begin()``, whose ``BEGIN`` the driver (PostgreSQL) or
the begin event (SQLite, :mod:`.engine`) has sent; a read outside one runs as the
connection is, which is autocommit on PostgreSQL (:func:`.reading_connection`)
and, on SQLite, a statement that is its own transaction.

What SQLAlchemy must finish at execution time cannot be prepared: an expanding
``IN`` list, a Python-side column default. :meth:`Prepared.for_dialect` refuses
those at the first execution, so a test running the statement finds the mistake.
The ``before_cursor_execute`` and ``after_cursor_execute`` events see prepared
statements, with ``None`` for the execution context (a tracer keeps working, and
the tests count statements with them); echo logging does not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn
from weakref import WeakKeyDictionary

import attrs
import psycopg
from sqlalchemy import (
    ClauseElement,
    Connection,
    Dialect,
    Insert,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.sql.compiler import SQLCompiler

Parameters = Mapping[str, Any]
RowData = Mapping[Any, Any]
"""A row read, by column name: a prepared statement's dict or SQLAlchemy's ``RowMapping``."""
Processor = Callable[[Any], Any]


@attrs.define(eq=False)  # one per compilation, compared and hashed as itself
class _Compiled:
    """One compilation: for a dialect and the names of the parameters given."""

    compiled: SQLCompiler
    sql: str
    defaults: dict[str, Any]
    """Every parameter's value when none is given: ``None``, or the value bound in the
    statement itself (``.values(value=1)``, a limit)."""
    positions: tuple[str, ...] | None
    """The parameters' names in the order a positional driver (SQLite) takes them."""
    processors: tuple[tuple[str, Processor], ...]
    results: tuple[tuple[str, ...], tuple[Processor | None, ...]] | None = None
    """The result columns' names and processors, from the first run's cursor description
    (a processor may depend on the type the driver reports)."""
    insert_parts: tuple[str, str] | None = None
    """A plain ``INSERT … VALUES (…)`` with named parameters (nothing after the values,
    no ``RETURNING``): the text before ``VALUES`` and the parenthesized values, for
    :mod:`.writes` to put several such inserts into one statement."""

    def bind(self, parameters: Parameters | None) -> dict[str, Any] | list[Any]:
        values = self.defaults.copy()
        if parameters:
            values.update(parameters)
        for name, process in self.processors:
            values[name] = process(values[name])
        if self.positions is None:
            return values
        return [values[name] for name in self.positions]


class Prepared:
    """A constant statement (a module or class attribute), run on the driver's cursor."""

    __slots__ = ("_by_dialect", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: WeakKeyDictionary[Dialect, dict[frozenset[str], _Compiled]] = (
            WeakKeyDictionary()
        )

    def for_dialect(self, dialect: Dialect, names: frozenset[str]) -> _Compiled:
        known = self._by_dialect.get(dialect)
        if known is None:
            known = self._by_dialect[dialect] = {}
        found = known.get(names)
        if found is None:
            found = known[names] = self._compile(dialect, names)
        return found

    def _compile(self, dialect: Dialect, names: frozenset[str]) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=sorted(names))
        assert isinstance(compiled, SQLCompiler)
        if (
            compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled.post_compile_params
            or compiled.literal_execute_params
            or compiled.escaped_bind_names
        ):
            raise TypeError(
                "this statement needs SQLAlchemy at execution time (an expanding IN, "
                f"a Python-side default); run it with Connection.execute: {compiled.string}"
            )
        processors = compiled._bind_processors  # what execute applies
        return _Compiled(
            insert_parts=_insert_parts(self.statement, compiled),
            compiled=compiled,
            sql=compiled.string,
            defaults=dict(compiled.construct_params(_check=False)),
            positions=tuple(compiled.positiontup or ()) if dialect.positional else None,
            processors=tuple(
                (name, process)
                for name, process in processors.items()
                if callable(process)  # a tuple type's would be a sequence: none here
            ),
        )

    # -- running ----------------------------------------------------------------------

    def rows(
        self, connection: Connection, parameters: Parameters | None = None
    ) -> list[dict[str, Any]]:
        """Every row, as a dict by column name, each value through its type's processor."""
        compiled, cursor = self._run(connection, parameters)
        return _fetched(connection, compiled, cursor, parameters)

    def tuples(
        self, connection: Connection, parameters: Parameters | None = None
    ) -> list[tuple[Any, ...]]:
        """Every row as a tuple in the columns' order, each value through its type's
        processor: the cheapest rows there are, for many of them."""
        compiled, cursor = self._run(connection, parameters)
        fetched, _names, processors = _fetch(connection, compiled, cursor, parameters)
        if not any(processors):
            return [tuple(row) for row in fetched]
        return [
            tuple(
                value if process is None else process(value)
                for value, process in zip(row, processors, strict=True)
            )
            for row in fetched
        ]

    def scalar(self, connection: Connection, parameters: Parameters | None = None) -> Any:
        """The first column of the only row; ``LookupError`` when there is none."""
        rows = self.rows(connection, parameters)
        if len(rows) != 1:
            raise LookupError(f"expected one row, got {len(rows)}")
        return next(iter(rows[0].values()))

    def execute(self, connection: Connection, parameters: Parameters | None = None) -> int:
        """Run a write; the number of rows it matched."""
        _compiled, cursor = self._run(connection, parameters)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def execute_many(self, connection: Connection, rows: Sequence[Parameters]) -> None:
        """Run a write once per row (all rows with the same parameter names)."""
        if not rows:
            return
        compiled = self.for_dialect(connection.dialect, frozenset(rows[0]))
        values = [compiled.bind(row) for row in rows]
        _send(connection, compiled, values, rows, many=True).close()

    def _run(
        self, connection: Connection, parameters: Parameters | None
    ) -> tuple[_Compiled, DBAPICursor]:
        compiled = self.for_dialect(connection.dialect, frozenset(parameters or ()))
        values = compiled.bind(parameters)
        return compiled, _send(connection, compiled, values, parameters, many=False)


def _send(
    connection: Connection,
    compiled: _Compiled,
    values: Any,
    parameters: Parameters | Sequence[Parameters] | None,
    *,
    many: bool,
) -> DBAPICursor:
    """Execute on a new cursor, between the statement events; the cursor, open (a
    read's rows are on it)."""
    sql = compiled.sql
    cursor = _cursor(connection)
    try:
        sql, values = before_cursor_execute(connection, cursor, sql, values, executemany=many)
        if many:
            cursor.executemany(sql, values)
        else:
            cursor.execute(sql, values)
    except Exception as exc:
        cursor.close()
        _raise_wrapped(connection, exc, compiled, parameters, cursor)
    after_cursor_execute(connection, cursor, sql, values, executemany=many)
    return cursor


def after_cursor_execute(
    connection: Connection, cursor: DBAPICursor, sql: str, values: Any, *, executemany: bool = False
) -> None:
    """The ``after_cursor_execute`` listeners, as :func:`before_cursor_execute` calls the
    ``before`` ones."""
    if _watched(connection):
        connection.dispatch.after_cursor_execute(connection, cursor, sql, values, None, executemany)


def _insert_parts(statement: ClauseElement, compiled: SQLCompiler) -> tuple[str, str] | None:
    """See :attr:`_Compiled.insert_parts`."""
    if not (
        isinstance(statement, Insert)
        and not statement._returning
        and statement._post_values_clause is None
        and statement.select is None
        and not statement._multi_values
        and compiled.dialect.paramstyle == "pyformat"
    ):
        return None
    head, found, values = compiled.string.partition(" VALUES ")
    if not found or " VALUES " in values or (values[:1], values[-1:]) != ("(", ")"):
        return None
    return head, values


def _fetch(
    connection: Connection, compiled: _Compiled, cursor: DBAPICursor, parameters: Parameters | None
) -> tuple[Sequence[Any], tuple[str, ...], tuple[Processor | None, ...]]:
    """The raw rows on ``cursor``, the columns' names and processors; the cursor closed."""
    try:
        fetched = cursor.fetchall()
        names, processors = _result_columns(compiled, cursor)
    except Exception as exc:  # a broken connection while fetching
        _raise_wrapped(connection, exc, compiled, parameters, cursor)
    finally:
        cursor.close()
    return fetched, names, processors


def _fetched(
    connection: Connection, compiled: _Compiled, cursor: DBAPICursor, parameters: Parameters | None
) -> list[dict[str, Any]]:
    """The rows on ``cursor``, as dicts by column name through their processors; the
    cursor closed."""
    fetched, names, processors = _fetch(connection, compiled, cursor, parameters)
    if not any(processors):
        return [dict(zip(names, row, strict=True)) for row in fetched]
    return [
        {
            name: value if process is None else process(value)
            for name, value, process in zip(names, row, processors, strict=True)
        }
        for row in fetched
    ]


def rows_in_one(
    connection: Connection, reads: Sequence[tuple[Prepared, Parameters]]
) -> list[list[dict[str, Any]]] | None:
    """Each read's rows, as :meth:`Prepared.rows` gives them, all from one statement: a
    ``UNION ALL`` of the reads, each branch filling its own columns (the others typed
    NULLs) and saying which read it is. One statement instead of several, each row's
    values through its own column's processor. Rows of one read keep no order. None
    when two reads bind a parameter of the same name (the caller reads otherwise)."""
    names = [frozenset(parameters) for _prepared, parameters in reads]
    if sum(map(len, names)) != len(frozenset().union(*names)):
        return None
    union = _union_of(tuple(prepared for prepared, _ in reads), tuple(names))
    merged: dict[str, Any] = {}
    for _prepared, parameters in reads:
        merged.update(parameters)
    rows = union.prepared.rows(connection, merged)
    found: list[list[dict[str, Any]]] = [[] for _ in reads]
    for row in rows:
        read = row["read"]
        found[read].append({name: row[label] for name, label in union.columns[read]})
    return found


@attrs.frozen
class _Union:
    prepared: Prepared
    columns: tuple[tuple[tuple[str, str], ...], ...]
    """Per read: (its column's name, the union's label for it)."""


@functools.lru_cache(maxsize=64)
def _union_of(reads: tuple[Prepared, ...], _names: tuple[frozenset[str], ...]) -> _Union:
    subqueries = [
        prepared.statement.subquery(f"read{i}")  # type: ignore[attr-defined]
        for i, prepared in enumerate(reads)
    ]
    columns = tuple(
        tuple((column.key, f"r{i}_{n}") for n, column in enumerate(sub.c))
        for i, sub in enumerate(subqueries)
    )
    branches = []
    for i, sub in enumerate(subqueries):
        selected = [literal(i).label("read")]
        for j, other in enumerate(subqueries):
            for n, column in enumerate(other.c):
                value = column if j == i else cast(null(), column.type)
                selected.append(value.label(f"r{j}_{n}"))
        branches.append(select(*selected).select_from(sub))
    return _Union(Prepared(union_all(*branches)), columns)


def rows_together(
    connection: Connection, reads: Sequence[tuple[Prepared, Parameters]]
) -> list[list[dict[str, Any]]]:
    """Each read's rows, as :meth:`Prepared.rows` gives them, the reads sent together:
    on psycopg in one pipeline -- one round trip for all of them -- elsewhere one by
    one. For reads only (a connection in autocommit: each is its own transaction)."""
    raw = connection.connection.dbapi_connection
    if not isinstance(raw, psycopg.Connection) or not psycopg.Pipeline.is_supported():
        return [prepared.rows(connection, parameters) for prepared, parameters in reads]
    sent: list[tuple[_Compiled, DBAPICursor, Parameters]] = []
    watched = _watched(connection)
    try:
        with raw.pipeline():
            for prepared, parameters in reads:
                compiled = prepared.for_dialect(connection.dialect, frozenset(parameters))
                values: Any = compiled.bind(parameters)
                cursor = raw.cursor()
                sent.append((compiled, cursor, parameters))
                sql, values = before_cursor_execute(
                    connection, cursor, compiled.sql, values, executemany=False
                )
                cursor.execute(sql, values)
                if watched:
                    connection.dispatch.after_cursor_execute(
                        connection, cursor, sql, values, None, False
                    )
    except Exception as exc:  # a refusal surfaces when the pipeline syncs: the last read's
        for _compiled, cursor, _parameters in sent:
            cursor.close()
        if not sent:
            if isinstance(exc, connection.dialect.loaded_dbapi.Error):
                connection._handle_dbapi_exception(exc, "", None, None, None)
            raise
        compiled, cursor, parameters = sent[-1]
        _raise_wrapped(connection, exc, compiled, parameters, cursor)
    return [
        _fetched(connection, compiled, cursor, parameters) for compiled, cursor, parameters in sent
    ]


def _result_columns(
    compiled: _Compiled, cursor: DBAPICursor
) -> tuple[tuple[str, ...], tuple[Processor | None, ...]]:
    if compiled.results is not None:
        return compiled.results
    description = cursor.description or ()
    columns = compiled.compiled._result_columns
    if len(columns) != len(description):
        raise TypeError(f"{len(description)} columns came back, {len(columns)} compiled")
    dialect = compiled.compiled.dialect
    compiled.results = (
        tuple(column.keyname for column in columns),
        tuple(
            column.type._cached_result_processor(dialect, described[1])
            for column, described in zip(columns, description, strict=True)
        ),
    )
    return compiled.results


def _watched(connection: Connection) -> bool:
    """Whether anyone listens to the connection's statement events (a tracer, a test)."""
    return bool(connection._has_events or connection.engine._has_events)


def before_cursor_execute(
    connection: Connection, cursor: DBAPICursor, sql: str, values: Any, *, executemany: bool
) -> tuple[str, Any]:
    """The ``before_cursor_execute`` listeners, as ``Connection.execute`` calls them but
    without an execution context (``None``); one registered with ``retval=True`` may
    change the statement and its parameters."""
    if not _watched(connection):
        return sql, values
    for listener in connection.dispatch.before_cursor_execute:
        sql, values = listener(connection, cursor, sql, values, None, executemany)
    return sql, values


def _cursor(connection: Connection) -> DBAPICursor:
    """A cursor of the connection's DBAPI connection (checked out, or reconnected)."""
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    return dbapi_connection.cursor()


def _raise_wrapped(
    connection: Connection,
    exc: Exception,
    compiled: _Compiled,
    parameters: Parameters | Sequence[Parameters] | None,
    cursor: DBAPICursor,
) -> NoReturn:
    """Raise ``exc`` as ``Connection.execute`` would: a driver error wrapped, a dead
    connection invalidated; anything else as it is."""
    if not isinstance(exc, connection.dialect.loaded_dbapi.Error):
        raise exc
    connection._handle_dbapi_exception(exc, compiled.sql, parameters, cursor, None)
