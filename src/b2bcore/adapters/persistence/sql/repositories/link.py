"""A unit of work's connection, and the part each repository plays in its commit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Dialect, Engine, Executable, Row
from sqlalchemy.exc import DBAPIError

from b2bcore.adapters.persistence.sql.engine import reading_connection
from b2bcore.adapters.persistence.sql.prepared import (
    Prepared,
    RowData,
    rows_in_one,
    rows_together,
)
from b2bcore.adapters.persistence.sql.writes import Writes

T = TypeVar("T")


class Participant(Protocol):
    """A repository's part in a commit."""

    def has_changes(self) -> bool:
        """Whether a commit would write anything of this repository."""

    def write(self, writes: Writes) -> None:
        """Write the pending changes inside the commit's transaction; raise to refuse."""

    def committed(self) -> None:
        """The transaction committed: what was written is now what is stored."""


class Link:
    """One connection for a unit of work, taken on the first read and given back at the end.

    Each read is a transaction of its own, ended as soon as the rows are in: no
    snapshot or lock outlives it, so a unit of work that has only read never
    holds up a writer (nor, on SQLite, fails because one committed meanwhile).
    Writes happen only in :meth:`SqlUnitOfWork.commit`, in one transaction.
    Because no read shares a transaction with another, a read that finds its
    connection dead (the server restarted while the connection sat in the pool,
    which pings only connections idle for a while, see :mod:`.engine`) is
    repeated once on a fresh connection instead of failing the caller.

    While its unit of work's ``with`` block runs, the link is the thread's open
    link for its engine (:meth:`open_on_this_thread`): a statement that must run
    beside the unit of work rather than in it -- drawing a document number --
    borrows the idle connection instead of checking out (and pinging) another.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._ahead: dict[tuple[Prepared, frozenset[tuple[str, Any]]], list[dict[str, Any]]] = {}

    def connection(self) -> Connection:
        if self._connection is None or self._connection.closed:
            self._connection = reading_connection(self._engine)
        return self._connection

    @property
    def dialect(self) -> Dialect:
        return self._engine.dialect

    def enter(self) -> None:
        """The unit of work's block begins: lend the connection on this thread."""
        _open_links.push(self._engine, self)

    def leave(self) -> None:
        """The block ends: stop lending and give the connection back."""
        _open_links.pop(self._engine, self)
        self.forget_reads_ahead()
        self.close()

    def read_ahead(self, reads: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> None:
        """On PostgreSQL, run ``reads`` now, together -- as one statement
        (:func:`.rows_in_one`), or one pipeline when they cannot share one -- and keep
        their rows: the next :meth:`rows` (or :meth:`scalars`) of the same statement and
        parameters takes them instead of asking again. Each is still a read of its own,
        as if it had been asked a moment earlier. Elsewhere (SQLite: no round trips)
        nothing is done."""
        if not reads or self.dialect.name != "postgresql":
            return
        found = self._read(
            lambda connection: rows_in_one(connection, reads) or rows_together(connection, reads)
        )
        for (statement, parameters), rows in zip(reads, found, strict=True):
            self._ahead[statement, frozenset(parameters.items())] = rows

    def forget_reads_ahead(self) -> None:
        """Drop what :meth:`read_ahead` kept and no read took (before a commit changes it)."""
        self._ahead.clear()

    def _taken_ahead(
        self, statement: Prepared, parameters: Mapping[str, Any] | None
    ) -> list[dict[str, Any]] | None:
        return self._ahead.pop((statement, frozenset((parameters or {}).items())), None)

    @staticmethod
    def open_on_this_thread(engine: Engine) -> Link | None:
        """The innermost link a unit of work on this thread holds over ``engine``, if any."""
        return _open_links.innermost(engine)

    def idle_connection(self) -> Connection | None:
        """The connection, unless a transaction is open on it (a streamed read, a commit)."""
        connection = self.connection()
        return None if connection.in_transaction() else connection

    def rows(
        self, statement: Executable | Prepared, parameters: Mapping[str, Any] | None = None
    ) -> Sequence[RowData]:
        if isinstance(statement, Prepared):
            ahead = self._taken_ahead(statement, parameters) if self._ahead else None
            if ahead is not None:
                return ahead
            return self._read(lambda connection: statement.rows(connection, parameters))
        return self._read(
            lambda connection: connection.execute(statement, parameters).mappings().all()
        )

    def tuples(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        """Rows as named tuples: cheaper than mappings when there are very many."""
        return self._read(lambda connection: connection.execute(statement, parameters).all())

    def scalars(
        self, statement: Executable | Prepared, parameters: Mapping[str, Any] | None = None
    ) -> Sequence[Any]:
        if isinstance(statement, Prepared):
            ahead = self._taken_ahead(statement, parameters) if self._ahead else None
            if ahead is not None:
                return [next(iter(row.values())) for row in ahead]
            return self._read(
                lambda connection: [
                    next(iter(row.values())) for row in statement.rows(connection, parameters)
                ]
            )
        return self._read(
            lambda connection: connection.execute(statement, parameters).scalars().all()
        )

    def _read(self, read: Callable[[Connection], T]) -> T:
        """Run one read as a transaction of its own; once more on a fresh connection if
        the connection turned out dead (nothing was read or written on it, so nothing is
        lost by repeating)."""
        connection = self.connection()
        repeatable = not connection.in_transaction()
        try:
            return read(connection)
        except DBAPIError as exc:
            if not (repeatable and exc.connection_invalidated):
                raise
        finally:
            if not connection.invalidated:
                connection.rollback()
        self.close()
        connection = self.connection()
        try:
            return read(connection)
        finally:
            connection.rollback()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _OpenLinks(threading.local):
    """Per thread: the links of the units of work open there, innermost last, by engine.
    An engine without an open unit of work has no entry, so none is kept alive here."""

    def __init__(self) -> None:
        self._by_engine: dict[Engine, list[Link]] = {}

    def push(self, engine: Engine, link: Link) -> None:
        self._by_engine.setdefault(engine, []).append(link)

    def pop(self, engine: Engine, link: Link) -> None:
        links = self._by_engine.get(engine, [])
        for index in range(len(links) - 1, -1, -1):
            if links[index] is link:
                del links[index]
                break
        if not links:
            self._by_engine.pop(engine, None)

    def innermost(self, engine: Engine) -> Link | None:
        links = self._by_engine.get(engine)
        return links[-1] if links else None


_open_links = _OpenLinks()
