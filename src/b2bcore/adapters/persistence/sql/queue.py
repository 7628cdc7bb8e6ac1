"""The outbox queue on the ``outbox`` table: each call one statement, a transaction of its own.

A claim is one statement::

    UPDATE outbox SET claimed_by = :worker, claimed_at = :now,
                      claimed_until = :now + :lease, attempts = attempts + 1
    WHERE id IN (SELECT id FROM outbox
                 WHERE processed_at IS NULL AND available_at <= :now
                   AND (claimed_until IS NULL OR claimed_until < :now)
                 ORDER BY available_at, created_at, id LIMIT :limit
                 FOR UPDATE SKIP LOCKED)
    RETURNING *

On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent claims pass each other
by: one skips the rows another is taking, and a row claimed meanwhile fails the
recheck of the ``WHERE`` under its lock, so no message is returned twice. SQLite
has no row locks (SQLAlchemy leaves the clause out there); the claim runs in a
``BEGIN IMMEDIATE`` transaction (:func:`.write_transaction`), which waits for
the database's single write lock, so claims run one after another.

The subquery walks ``ix_outbox_claim_order`` (partial: unprocessed messages
only). A completed message's ``processed_at`` is its ``claimed_at``, the time
the worker passed to the claim: see :meth:`.SqlOutboxRepository.write_completions`.

A turn at a periodic job (:meth:`SqlOutboxQueue.take_turn`) is one statement on
``job_turns`` too::

    INSERT INTO job_turns (job, taken_by, taken_at) VALUES (:job, :worker, :now)
    ON CONFLICT (job) DO UPDATE SET taken_by = excluded.taken_by,
                                    taken_at = excluded.taken_at
    WHERE job_turns.taken_at <= :now - :every
    RETURNING job

A row comes back only if the job's row was inserted or updated: the turn is the
caller's. On PostgreSQL a second caller racing for the same job waits for the
first one's row and then evaluates the ``WHERE`` against it, which the first
one's ``taken_at`` now fails; on SQLite the ``BEGIN IMMEDIATE`` transaction makes
the two run one after the other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    Update,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from b2bcore.adapters.persistence.sql.engine import AUTOCOMMIT, write_transaction
from b2bcore.adapters.persistence.sql.integrity import busy_conflict
from b2bcore.adapters.persistence.sql.prepared import RowData
from b2bcore.adapters.persistence.sql.repositories.outbox import message_from_row
from b2bcore.adapters.persistence.sql.tables import job_turns, outbox
from b2bcore.ports.outbox import ClaimedMessage, DeadMessage


class SqlOutboxQueue:
    """:class:`~b2bcore.ports.outbox.OutboxQueue` on a database migrated to head."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[ClaimedMessage]:
        ready = (
            select(outbox.c.id)
            .where(
                outbox.c.processed_at.is_(None),
                outbox.c.available_at <= now,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .order_by(outbox.c.available_at, outbox.c.created_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(outbox)
            .where(outbox.c.id.in_(ready))
            .values(
                claimed_by=worker,
                claimed_at=now,
                claimed_until=now + lease,
                attempts=outbox.c.attempts + 1,
            )
            .returning(*outbox.c)
        )
        with self._write() as connection:
            rows = connection.execute(statement).mappings().all()
        # RETURNING comes in no particular order.
        rows = sorted(rows, key=lambda r: (r["available_at"], r["created_at"], r["id"]))
        return [_claimed_message(row) for row in rows]

    def retry_later(
        self, message_id: str, *, worker: str, available_at: datetime, error: str
    ) -> None:
        with self._write() as connection:
            connection.execute(
                _release(message_id, worker).values(available_at=available_at, last_error=error)
            )

    def dead(self, message_id: str, *, worker: str, now: datetime, error: str) -> None:
        with self._write() as connection:
            connection.execute(
                _release(message_id, worker).values(
                    processed_at=now, failed_at=now, last_error=error
                )
            )

    def dead_messages(self, limit: int = 100) -> Sequence[DeadMessage]:
        statement = (
            select(outbox)
            .where(outbox.c.failed_at.is_not(None))
            .order_by(outbox.c.failed_at.desc(), outbox.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        return [
            DeadMessage(
                message=message_from_row(row),
                attempts=row["attempts"],
                error=row["last_error"] or "",
                failed_at=row["failed_at"],
            )
            for row in rows
        ]

    def backlog(self, now: datetime) -> int:  # noqa: ARG002  # the port's signature
        """Every unprocessed message, whatever ``now``: one waiting to be retried counts too."""
        statement = select(func.count()).select_from(outbox).where(outbox.c.processed_at.is_(None))
        with self._engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def take_turn(self, job: str, *, worker: str, now: datetime, every: timedelta) -> bool:
        insert = _upsert_into(job_turns, self._engine.dialect.name)
        statement = (
            insert.values(job=job, taken_by=worker, taken_at=now)
            .on_conflict_do_update(
                index_elements=[job_turns.c.job],
                set_={
                    "taken_by": insert.excluded.taken_by,
                    "taken_at": insert.excluded.taken_at,
                },
                where=job_turns.c.taken_at <= now - every,
            )
            .returning(job_turns.c.job)
        )
        with self._write() as connection:
            return connection.execute(statement).first() is not None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A connection for one writing statement, atomic by itself; a database too busy
        to take it is a Conflict to retry. On PostgreSQL it runs in autocommit: the
        statement is its own transaction, one round trip instead of three (``BEGIN``,
        the statement, ``COMMIT``) -- an idle worker claims nothing once a second, a
        busy one claims every batch. SQLite's ``BEGIN IMMEDIATE`` stays: it is what
        makes claims queue for the write lock (see the module's docstring)."""
        try:
            with self._engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execution_options(isolation_level=AUTOCOMMIT)
                    yield connection
                    return
                with write_transaction(connection):
                    yield connection
        except DBAPIError as exc:
            conflict = busy_conflict(exc)
            if conflict is None:
                raise
            raise conflict from exc


def _upsert_into(table: Table, dialect: str) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take ``ON CONFLICT … DO UPDATE``, in ``dialect``'s flavour."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database {dialect!r}: use sqlite or postgresql")


def _release(message_id: str, worker: str) -> Update:
    """An UPDATE giving up ``worker``'s claim of the message; matches nothing if the
    worker no longer holds it, which is the port's "does nothing"."""
    return (
        update(outbox)
        .where(
            outbox.c.id == message_id,
            outbox.c.claimed_by == worker,
            outbox.c.processed_at.is_(None),
        )
        .values(claimed_by=None, claimed_at=None, claimed_until=None)
    )


def _claimed_message(row: RowData) -> ClaimedMessage:
    return ClaimedMessage(
        message=message_from_row(row),
        worker=row["claimed_by"],
        attempts=row["attempts"],
        claimed_until=row["claimed_until"],
        last_error=row["last_error"],
    )
