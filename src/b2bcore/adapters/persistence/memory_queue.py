"""The outbox queue in memory: claims, leases, retries and dead letters.

Beside every stored message :class:`~.memory.InMemoryDatabase` keeps a
:class:`Delivery`, the state the SQL adapter keeps in the ``outbox`` row's own
columns. Every call runs under the database's lock, so two claims never return
the same message, and a unit of work's ``outbox.complete`` is checked against the
same state when it commits.

The periodic jobs' turns (:meth:`InMemoryOutboxQueue.take_turn`) are a
:class:`JobTurn` per job name in the database's ``job_turns``, as the SQL adapter
keeps them in the table of that name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from b2bcore.ports.outbox import ClaimedMessage, DeadMessage, OutboxMessage

if TYPE_CHECKING:  # memory.py imports this module for Delivery
    from b2bcore.adapters.persistence.memory import InMemoryDatabase


@attrs.frozen(kw_only=True)
class Delivery:
    """How far the delivery of one stored message got; replaced, never changed in place."""

    available_at: datetime
    attempts: int = 0
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    """The ``now`` of the claim; a completed message's ``processed_at``."""
    claimed_until: datetime | None = None
    processed_at: datetime | None = None
    failed_at: datetime | None = None
    """When a worker gave up on the message (``dead``); ``None`` if it never did."""
    last_error: str | None = None

    def is_claimable(self, now: datetime) -> bool:
        """Unprocessed, available and not under a live lease."""
        return (
            self.processed_at is None
            and self.available_at <= now
            and (self.claimed_until is None or self.claimed_until < now)
        )

    def is_held_by(self, worker: str) -> bool:
        """Unprocessed and last claimed by ``worker``: nobody has taken it over since."""
        return self.processed_at is None and self.claimed_by == worker

    def claimed(self, worker: str, now: datetime, lease: timedelta) -> Delivery:
        return attrs.evolve(
            self,
            attempts=self.attempts + 1,
            claimed_by=worker,
            claimed_at=now,
            claimed_until=now + lease,
        )

    def completed(self) -> Delivery:
        return attrs.evolve(self._released(), processed_at=self.claimed_at)

    def retried(self, available_at: datetime, error: str) -> Delivery:
        return attrs.evolve(self._released(), available_at=available_at, last_error=error)

    def failed(self, now: datetime, error: str) -> Delivery:
        return attrs.evolve(self._released(), processed_at=now, failed_at=now, last_error=error)

    def _released(self) -> Delivery:
        return attrs.evolve(self, claimed_by=None, claimed_at=None, claimed_until=None)


@attrs.frozen(kw_only=True)
class JobTurn:
    """Who took the last turn at a periodic job, and their ``now`` when they took it."""

    taken_by: str
    taken_at: datetime


@attrs.frozen(eq=False)
class InMemoryOutboxQueue:
    """:class:`~b2bcore.ports.outbox.OutboxQueue` over an :class:`InMemoryDatabase`."""

    db: InMemoryDatabase

    def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[ClaimedMessage]:
        with self.db.lock:
            deliveries = self.db.deliveries
            ready = sorted(
                (m for m in self.db.outbox.values() if deliveries[m.id].is_claimable(now)),
                key=lambda m: (deliveries[m.id].available_at, m.created_at, m.id),
            )[:limit]
            claimed: list[ClaimedMessage] = []
            for message in ready:
                delivery = deliveries[message.id] = deliveries[message.id].claimed(
                    worker, now, lease
                )
                claimed.append(_claimed_message(message, delivery))
        return claimed

    def retry_later(
        self, message_id: str, *, worker: str, available_at: datetime, error: str
    ) -> None:
        with self.db.lock:
            delivery = self.db.deliveries.get(message_id)
            if delivery is not None and delivery.is_held_by(worker):
                self.db.deliveries[message_id] = delivery.retried(available_at, error)

    def dead(self, message_id: str, *, worker: str, now: datetime, error: str) -> None:
        with self.db.lock:
            delivery = self.db.deliveries.get(message_id)
            if delivery is not None and delivery.is_held_by(worker):
                self.db.deliveries[message_id] = delivery.failed(now, error)

    def dead_messages(self, limit: int = 100) -> Sequence[DeadMessage]:
        with self.db.lock:
            dead = [
                DeadMessage(
                    message=self.db.outbox[message_id],
                    attempts=delivery.attempts,
                    error=delivery.last_error or "",
                    failed_at=delivery.failed_at,
                )
                for message_id, delivery in self.db.deliveries.items()
                if delivery.failed_at is not None
            ]
        dead.sort(key=lambda d: (d.failed_at, d.message.id), reverse=True)
        return dead[:limit]

    def backlog(self, now: datetime) -> int:  # noqa: ARG002  # the port's signature
        """Every unprocessed message, whatever ``now``: one waiting to be retried counts too."""
        with self.db.lock:
            return sum(1 for d in self.db.deliveries.values() if d.processed_at is None)

    def take_turn(self, job: str, *, worker: str, now: datetime, every: timedelta) -> bool:
        with self.db.lock:
            last = self.db.job_turns.get(job)
            if last is not None and last.taken_at > now - every:
                return False
            self.db.job_turns[job] = JobTurn(taken_by=worker, taken_at=now)
            return True


def _claimed_message(message: OutboxMessage, delivery: Delivery) -> ClaimedMessage:
    assert delivery.claimed_by is not None
    assert delivery.claimed_until is not None
    return ClaimedMessage(
        message=message,
        worker=delivery.claimed_by,
        attempts=delivery.attempts,
        claimed_until=delivery.claimed_until,
        last_error=delivery.last_error,
    )
