"""A unit of work's connection, and the part each repository plays in its commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Executable, Row, RowMapping

from b2bcore.adapters.persistence.sql.engine import reading_connection


class Participant(Protocol):
    """A repository's part in a commit."""

    def has_changes(self) -> bool:
        """Whether a commit would write anything of this repository."""

    def write(self, connection: Connection) -> None:
        """Write the pending changes inside the commit's transaction; raise to refuse."""

    def committed(self) -> None:
        """The transaction committed: what was written is now what is stored."""


class Link:
    """One connection for a unit of work, taken on the first read and given back at the end.

    Each read is a transaction of its own, ended as soon as the rows are in: no
    snapshot or lock outlives it, so a unit of work that has only read never
    holds up a writer (nor, on SQLite, fails because one committed meanwhile).
    Writes happen only in :meth:`SqlUnitOfWork.commit`, in one transaction.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def connection(self) -> Connection:
        if self._connection is None or self._connection.closed:
            self._connection = reading_connection(self._engine)
        return self._connection

    def rows(self, statement: Executable) -> Sequence[RowMapping]:
        connection = self.connection()
        try:
            return connection.execute(statement).mappings().all()
        finally:
            connection.rollback()

    def tuples(self, statement: Executable) -> Sequence[Row[Any]]:
        """Rows as named tuples: cheaper than mappings when there are very many."""
        connection = self.connection()
        try:
            return connection.execute(statement).all()
        finally:
            connection.rollback()

    def scalars(self, statement: Executable) -> Sequence[Any]:
        connection = self.connection()
        try:
            return connection.execute(statement).scalars().all()
        finally:
            connection.rollback()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
