"""Document numbers from the database: a counter row per series and year.

``next_value`` is one statement in a short transaction of its own --
``INSERT ... ON CONFLICT DO UPDATE SET value = value + 1 RETURNING value`` -- so
the first number of a year needs no separate "create the row" step that two
processes could race on, and a number is never handed out twice. A number taken
by a unit of work that then fails is lost (a gap), as with any database
sequence; numbers are unique, not gapless.

A number is usually drawn inside a unit of work's ``with`` block (placing an
order). It then runs on that unit of work's connection, between its reads, still
in a transaction of its own (:meth:`.Link.idle_connection`): the same statement
and the same guarantees, without checking out, and pinging, a second connection.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite

from b2bcore.adapters.persistence.sql.engine import reading_connection, write_transaction
from b2bcore.adapters.persistence.sql.prepared import Prepared
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import number_sequences
from b2bcore.domain.errors import InvalidValue


class SqlNumberSequence:
    """:class:`~b2bcore.ports.numbering.NumberSequence` on the ``number_sequences`` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(number_sequences).values(value=1)
        self._next = Prepared(
            statement.on_conflict_do_update(
                index_elements=[number_sequences.c.series, number_sequences.c.year],
                set_={"value": number_sequences.c.value + 1},
            ).returning(number_sequences.c.value)
        )

    def next_value(self, series: str, year: int) -> int:
        if not series.strip():
            raise InvalidValue("series", "must not be empty", series)
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
