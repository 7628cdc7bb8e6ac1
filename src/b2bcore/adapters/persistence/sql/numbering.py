"""Document numbers from the database: a counter row per series and year.

``next_value`` is one statement in a short transaction of its own --
``INSERT ... ON CONFLICT DO UPDATE SET value = value + 1 RETURNING value`` -- so
the first number of a year needs no separate "create the row" step that two
processes could race on, and a number is never handed out twice. A number taken
by a unit of work that then fails is lost (a gap), as with any database
sequence; numbers are unique, not gapless.

With ``block`` above 1 the sequence takes that many numbers per statement
(``value = value + block``) and hands them out from memory, as a PostgreSQL
sequence's ``CACHE`` does: a statement for every ``block`` numbers instead of
every number. Numbers stay unique; but processes drawing at the same time hand
out numbers from their own blocks, so numbers no longer follow the time of
drawing across processes, and the unused rest of a block is lost (a gap) when
its process stops.

A number is usually drawn inside a unit of work's ``with`` block (placing an
order). It then runs on that unit of work's connection, between its reads, still
in a transaction of its own (:meth:`.Link.idle_connection`): the same statement
and the same guarantees, without checking out, and pinging, a second connection.
"""

from __future__ import annotations

import threading
from collections import deque

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite

from b2bcore.adapters.persistence.sql.engine import reading_connection, write_transaction
from b2bcore.adapters.persistence.sql.prepared import Prepared
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import number_sequences
from b2bcore.domain.errors import InvalidValue

MAX_BLOCK = 1000


class SqlNumberSequence:
    """:class:`~b2bcore.ports.numbering.NumberSequence` on the ``number_sequences`` table."""

    def __init__(self, engine: Engine, *, block: int = 1) -> None:
        if not 1 <= block <= MAX_BLOCK:
            raise InvalidValue("number_block", f"must be from 1 to {MAX_BLOCK}", block)
        self._engine = engine
        self._block = block
        self._lock = threading.Lock()
        self._spare: dict[tuple[str, int], deque[int]] = {}
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(number_sequences).values(value=block)
        self._next = Prepared(
            statement.on_conflict_do_update(
                index_elements=[number_sequences.c.series, number_sequences.c.year],
                set_={"value": number_sequences.c.value + block},
            ).returning(number_sequences.c.value)
        )

    def next_value(self, series: str, year: int) -> int:
        if not series.strip():
            raise InvalidValue("series", "must not be empty", series)
        if self._block == 1:
            return self._take(series, year)
        key = (series, year)
        with self._lock:
            spare = self._spare.get(key)
            if spare:
                return spare.popleft()
        # Drawn without the lock (a statement may wait): two threads that both found
        # nothing spare each take a block, and the rest of both is kept.
        last = self._take(series, year)
        with self._lock:
            self._spare.setdefault(key, deque()).extend(range(last - self._block + 2, last + 1))
        return last - self._block + 1

    def _take(self, series: str, year: int) -> int:
        """The last number of a newly taken block."""
        values = {"series": series, "year": year}
        link = Link.open_on_this_thread(self._engine)
        borrowed = None if link is None else link.idle_connection()
        if borrowed is not None:
            return self._draw(borrowed, values)
        with reading_connection(self._engine) as connection:
            return self._draw(connection, values)

    def _draw(self, connection: Connection, values: dict[str, object]) -> int:
        if self._engine.dialect.name == "postgresql":
            # The connection reads in autocommit: one statement is atomic by itself, so
            # no BEGIN and COMMIT. The rollback only ends SQLAlchemy's bookkeeping.
            try:
                return int(self._next.scalar(connection, values))
            finally:
                connection.rollback()
        with write_transaction(connection):
            return int(self._next.scalar(connection, values))
