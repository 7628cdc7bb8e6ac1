"""The writes of one commit, sent to PostgreSQL in as few round trips as they allow.

A unit of work's commit is a handful of statements: mark the claimed message done,
update the order where its version is still the one read, insert the events as
outbox messages. Sent one by one, each is a round trip, and the transaction's
``BEGIN`` one more. :func:`writing` gives the commit a :class:`Writes` instead: on
PostgreSQL it pipelines them (libpq's pipeline mode, through psycopg) -- ``BEGIN``
and every statement go out together and their results come back together -- and
checks what each must have matched (one row, for a versioned update or a
completion) once the results are in, before the transaction commits. A commit
whose statements expect nothing (placing an order: inserts only) also sends its
``COMMIT`` in the same batch: one round trip in all. Measured on the test server,
a commit of two updates and an insert took 165 µs of client and 150 µs of server
CPU one by one, and 127 and 95 µs pipelined.

On SQLite (calls inside the process, not round trips), or on a connection not
reading in autocommit, the statements run one by one inside
:func:`.write_transaction`, with the same checks.

A statement refused by a constraint surfaces when the batch's results come back;
it becomes the domain error :mod:`.integrity` words, for the statement whose table
holds the violated constraint, so the message names the same row as before. A
statement that is not a :class:`.Prepared` one runs on :attr:`Writes.connection`,
which first sends what is pending and checks it, so the order of the statements
is always the order they were given in.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from types import TracebackType
from typing import Any, NoReturn, Self

import attrs
import psycopg
from sqlalchemy import Connection, Dialect, Table
from sqlalchemy.exc import DBAPIError, IntegrityError

from b2bcore.adapters.persistence.sql.engine import AUTOCOMMIT, write_transaction
from b2bcore.adapters.persistence.sql.integrity import Values, domain_error
from b2bcore.adapters.persistence.sql.integrity import write as write_now
from b2bcore.adapters.persistence.sql.prepared import (
    Prepared,
    _Compiled,
    after_cursor_execute,
    before_cursor_execute,
)

Refusal = Callable[[], Exception]
"""What to raise when a statement expected to match one row matched none."""


@attrs.define
class _Sent:
    cursor: Any
    table: Table
    values: Values
    expect_one: Refusal | None


class Writes:
    """The statements of one commit, in order (see the module's docstring)."""

    def __init__(self, connection: Connection, *, pipelined: bool) -> None:
        self._connection = connection
        self._pipelined = pipelined
        self._raw: Any = connection.connection.dbapi_connection if pipelined else None
        self._stack: ExitStack | None = None  # the open pipeline
        self._sent: list[_Sent] = []
        self._begun = False
        self._held: list[_Held] = []  # queued, not sent yet (see _send)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._held = []
        if self._stack is not None:  # an error before the batch was sent: drop it
            stack, self._stack = self._stack, None
            self._close_cursors()
            stack.__exit__(exc_type, exc, tb)

    @property
    def connection(self) -> Connection:
        """The connection, for a statement SQLAlchemy runs: everything before it is sent
        and checked first, and on PostgreSQL the transaction is begun."""
        self._send(commit=False)
        if self._pipelined and not self._begun:
            try:
                self._raw.execute("BEGIN")
            except psycopg.Error as exc:
                self._raise_wrapped(exc, None)
            self._begun = True
        return self._connection

    def run(
        self,
        statement: Prepared,
        parameters: Values,
        *,
        table: Table,
        values: Values | None = None,
        expect_one: Refusal | None = None,
    ) -> None:
        """Run ``statement`` (now, or in the batch); ``values``: the row as an error
        message should name it (``parameters`` by default); ``expect_one``: the
        statement must match exactly one row, else that error undoes the commit."""
        shown = parameters if values is None else values
        if not self._pipelined:
            matched = write_now(self._connection, statement, table, shown, parameters)
            if expect_one is not None and matched != 1:
                raise expect_one()
            return
        self._held.append(_Held(statement, [parameters], _Sent(None, table, shown, expect_one)))

    def run_many(self, statement: Prepared, rows: Sequence[Values], *, table: Table) -> None:
        """Run ``statement`` once per row (rows of one shape); a refusal names no row."""
        if not rows:
            return
        if not self._pipelined:
            write_now(self._connection, statement, table, {}, rows)
            return
        self._held.append(_Held(statement, rows, _Sent(None, table, {}, None), many=True))

    def finish(self) -> None:
        """Send what is pending, with ``COMMIT`` if nothing waits on a check: the caller's
        commit then has nothing left to send."""
        self._send(commit=True)

    def end(self, *, commit: bool) -> None:
        """End the transaction, if one is open: commit it, or roll it back. A rollback
        that fails (the connection is gone) invalidates the connection and raises
        nothing, so the error that led to it is the one raised."""
        connection = self._connection
        try:
            ending: Any = connection  # SQLAlchemy's transaction, begun by a statement it ran
            if not connection.in_transaction():
                ending = self._raw  # the one the driver is in, if any
                if ending.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                    return
            if commit:
                ending.commit()
            else:
                ending.rollback()
        except psycopg.Error as exc:
            if not commit:
                connection.invalidate()
                return
            self._raise_wrapped(exc, None)
        except DBAPIError:
            if not commit:
                return
            raise

    # -- the pipeline ------------------------------------------------------------

    def _queue(
        self, statement: Prepared, rows: Sequence[Values], sent: _Sent, *, many: bool = False
    ) -> None:
        """Queue the statement in the pipeline (opened, with ``BEGIN``, by the first).
        psycopg reads whatever results have arrived meanwhile, so an earlier
        statement's refusal may surface here: it is raised as :meth:`_send` raises it."""
        connection = self._connection
        compiled = statement.for_dialect(connection.dialect, frozenset(rows[0]))
        sql = compiled.sql
        values: Any = [compiled.bind(row) for row in rows] if many else compiled.bind(rows[0])
        try:
            if self._stack is None:
                self._stack = ExitStack()
                self._stack.enter_context(self._raw.pipeline())
                if not self._begun:
                    self._raw.execute("BEGIN")
                    self._begun = True
            sent.cursor = cursor = self._raw.cursor()
            self._sent.append(sent)
            sql, values = before_cursor_execute(connection, cursor, sql, values, executemany=many)
            if many:
                cursor.executemany(sql, values)
            else:
                cursor.execute(sql, values)
        except psycopg.Error as exc:
            stack, self._stack = self._stack, None
            refused, self._sent = self._sent, []
            if stack is not None:
                with contextlib.suppress(psycopg.Error):  # the same refusal, or "aborted"
                    stack.close()
            culprit = _refused(refused)
            _close(refused)
            self._raise_wrapped(exc, culprit)

    def _send(self, *, commit: bool) -> None:
        """Send what is held: a commit of inserts alone as one statement (:meth:`_fused`);
        anything else through the pipeline, synced: every statement's result in, the
        first error raised (as the domain error it means), then each statement's
        expectation checked."""
        held, self._held = self._held, []
        fuse = commit and self._stack is None and not self._begun
        if fuse and _fusable(held, self._connection.dialect) and self._run_fused(held):
            return
        # Else, or refused by a constraint with nothing written: sent one statement at a
        # time, so a refusal names the very row refused (or, if whatever refused the
        # fused statement is gone by now, the commit succeeds).
        for waiting in held:
            self._queue(waiting.statement, waiting.rows, waiting.sent, many=waiting.many)
        if self._stack is None:
            return
        stack, self._stack = self._stack, None
        sent, self._sent = self._sent, []
        error: psycopg.Error | None = None
        if commit and not any(item.expect_one for item in sent):
            try:  # psycopg reads the results arrived so far: a refusal may surface here
                self._raw.execute("COMMIT")
            except psycopg.Error as exc:
                error = exc
        try:
            stack.close()  # leaving pipeline mode syncs and reads every result
        except psycopg.Error as exc:
            error = error or exc
        if error is not None:
            refused = _refused(sent)
            _close(sent)
            self._raise_wrapped(error, refused)
        matched = [item.cursor.rowcount for item in sent]  # closing a cursor forgets it
        _close(sent)
        for item, rows in zip(sent, matched, strict=True):
            if item.expect_one is not None and rows != 1:
                raise item.expect_one()

    def _run_fused(self, held: list[_Held]) -> bool:
        """The held inserts as one statement, ``WITH w0 AS (INSERT …), w1 AS (INSERT …)
        SELECT 1``: in autocommit it is a transaction by itself, all of it or none, with
        no ``BEGIN`` and ``COMMIT`` around it and no pipeline to drive -- a third of the
        client's time of the same inserts pipelined. The foreign keys are checked at the
        statement's end, when every row is in. False: a constraint refused it."""
        connection = self._connection
        bound: list[list[Any]] = []  # each statement's rows, bound (by parameter name)
        shape = []
        for item in held:
            compiled = item.statement.for_dialect(connection.dialect, frozenset(item.rows[0]))
            shape.append((compiled, len(item.rows)))
            bound.append([compiled.bind(row) for row in item.rows])
        sql, order = _fused_sql(tuple(shape))
        values: Any = [bound[i][j][name] for i, j, name in order]
        # $1-style, parsed by nobody: psycopg parses a %(name)s query of over 50
        # parameters anew on every execution.
        cursor: Any = psycopg.RawCursor(self._raw)
        try:
            sql, values = before_cursor_execute(connection, cursor, sql, values, executemany=False)
            cursor.execute(sql, values)
        except psycopg.errors.IntegrityError:
            return False
        except psycopg.Error as exc:
            self._raise_wrapped(exc, None)
        finally:
            cursor.close()
        after_cursor_execute(connection, cursor, sql, values)
        return True

    def _raise_wrapped(self, exc: psycopg.Error, refused: _Sent | None) -> NoReturn:
        """``exc`` as ``Connection.execute`` raises it (wrapped; a dead connection
        invalidated), a constraint's refusal as its domain error."""
        try:
            self._connection._handle_dbapi_exception(exc, None, None, None, None)
        except IntegrityError as wrapped:
            if refused is None:
                raise
            raise domain_error(wrapped, refused.table, refused.values) from wrapped

    def _close_cursors(self) -> None:
        _close(self._sent)
        self._sent = []


@attrs.define
class _Held:
    statement: Prepared
    rows: Sequence[Values]
    sent: _Sent
    many: bool = False


FUSED_ROWS = 64
"""At most this many rows go into one fused statement; a bigger commit is pipelined."""


def _fusable(held: list[_Held], dialect: Dialect) -> bool:
    """Inserts only, each a plain ``INSERT … VALUES`` and none expecting a row count."""
    return (
        bool(held)
        and sum(len(item.rows) for item in held) <= FUSED_ROWS
        and all(
            item.sent.expect_one is None
            and item.statement.for_dialect(dialect, frozenset(item.rows[0])).insert_parts
            is not None
            for item in held
        )
    )


@functools.lru_cache(maxsize=256)
def _fused_sql(
    shape: tuple[tuple[_Compiled, int], ...],
) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """The fused statement of inserts of ``shape`` -- (compiled insert, rows) each -- with
    ``$n`` parameters, and whose value each is: (statement, row, parameter name)."""
    order: list[tuple[int, int, str]] = []
    parts = []
    for i, (compiled, count) in enumerate(shape):
        assert compiled.insert_parts is not None
        head, group = compiled.insert_parts
        rows = []
        for j in range(count):

            def numbered(found: re.Match[str], i: int = i, j: int = j) -> str:
                order.append((i, j, found[1]))
                return f"${len(order)}"

            rows.append(_PARAMETER.sub(numbered, group))
        parts.append(f"w{i} AS ({head} VALUES {', '.join(rows)})")
    # pyformat doubles a literal %; $n-style takes it as it is.
    return f"WITH {', '.join(parts)} SELECT 1".replace("%%", "%"), tuple(order)


_PARAMETER = re.compile(r"%\((\w+)\)s")


def _close(sent: list[_Sent]) -> None:
    for item in sent:
        item.cursor.close()


def _refused(sent: list[_Sent]) -> _Sent | None:
    """The statement the server refused: the first without a result (psycopg gives a
    cursor its result only once the result is found to be no error)."""
    return next((item for item in sent if item.cursor.pgresult is None), None)


@contextmanager
def writing(connection: Connection) -> Iterator[Writes]:
    """A write transaction on ``connection`` with its :class:`Writes`; committed at the
    end of the block, rolled back on an error."""
    pipelined = (
        connection.dialect.name == "postgresql"
        and connection.get_execution_options().get("isolation_level") == AUTOCOMMIT
        and psycopg.Pipeline.is_supported()
    )
    if not pipelined:
        with write_transaction(connection), Writes(connection, pipelined=False) as writes:
            yield writes
        return
    # The driver, in autocommit, sends no BEGIN of its own: Writes sends it with the first
    # pipelined statement (none for a fused commit), and COMMIT (or ROLLBACK) follows it
    # from here unless finish() sent it already. SQLAlchemy's own transaction is begun
    # only by a statement it runs (Writes.connection).
    with Writes(connection, pipelined=True) as writes:
        try:
            yield writes
        except BaseException:
            writes.end(commit=False)
            raise
        writes.end(commit=True)
