"""The transactional outbox: domain events stored with the change that raised them.

A unit of work writes every domain event of its aggregates into the outbox in
the same transaction as the aggregates themselves, so a crash can never leave a
change without its follow-up or a follow-up without its change. Workers drain
it through :class:`OutboxQueue`: a message is *claimed* under a lease, handled,
and *completed* in the same transaction as the change its handler made. A
worker that dies loses its lease; after the lease runs out another worker
claims the message again, and the handler's external calls, being idempotent
by key, are not repeated.

The same queue hands out *turns* at the periodic jobs (:meth:`OutboxQueue.take_turn`),
so that of several workers on one database only one polls accounting and the ERP
at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import attrs


@attrs.frozen(kw_only=True)
class OutboxMessage:
    id: str
    topic: str
    """The event's class name, e.g. ``OrderPlaced``."""
    aggregate_id: str
    payload: Mapping[str, Any]
    """The event as JSON-ready data (strings, numbers, lists, mappings)."""
    created_at: datetime


@attrs.frozen(kw_only=True)
class ClaimedMessage:
    message: OutboxMessage
    worker: str
    attempts: int
    """How many times the message has been claimed, this claim included."""
    claimed_until: datetime
    last_error: str | None = None


@attrs.frozen(kw_only=True)
class DeadMessage:
    """A message a worker gave up on, with the reason, for the operator to see."""

    message: OutboxMessage
    attempts: int
    error: str
    failed_at: datetime


class OutboxRepository(Protocol):
    """The outbox as a unit of work sees it."""

    def add(self, message: OutboxMessage) -> None: ...

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        """Messages not yet processed (completed or dead), oldest first."""
        ...

    def complete(self, message_id: str, *, worker: str) -> None:
        """Mark the message processed when this unit of work commits, in its transaction.

        If by then the message is no longer claimed by ``worker`` (its lease ran
        out and another worker claimed it) the commit raises ``Conflict`` and
        stores nothing, so a change is never made twice.
        """
        ...


class OutboxQueue(Protocol):
    """Claiming work from the outbox; each call is its own short transaction."""

    def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[ClaimedMessage]:
        """Up to ``limit`` unprocessed messages, oldest first, that are available
        (``available_at <= now``) and not under a live lease; each is claimed for
        ``worker`` until ``now + lease`` and its attempts counted. Two concurrent
        claims never return the same message."""
        ...

    def retry_later(
        self, message_id: str, *, worker: str, available_at: datetime, error: str
    ) -> None:
        """Give the claim back; the message becomes available again at ``available_at``.
        Does nothing if ``worker`` no longer holds the claim."""
        ...

    def dead(self, message_id: str, *, worker: str, now: datetime, error: str) -> None:
        """Stop retrying the message: processed, with ``error`` kept for the operator.
        Does nothing if ``worker`` no longer holds the claim."""
        ...

    def dead_messages(self, limit: int = 100) -> Sequence[DeadMessage]:
        """Messages given up on, newest first."""
        ...

    def backlog(self, now: datetime) -> int:
        """Unprocessed messages, claimed or not (for status output and tests)."""
        ...

    def take_turn(self, job: str, *, worker: str, now: datetime, every: timedelta) -> bool:
        """Whether ``worker`` runs the periodic ``job`` now: True for exactly one caller
        per ``every``.

        The first to ask once the previous turn of ``job`` was taken ``every`` or longer
        before ``now`` (or was never taken) gets the turn, which is then taken at ``now``
        by ``worker``; everyone else gets False, also the holder asking again sooner.
        Two callers asking at the same instant never both get it; only an ``every`` of
        zero grants every call. Jobs of different names are independent.

        Nothing is released at the end of a job: a worker that dies mid-job delays the
        next turn by at most ``every``. The times are the callers' own clocks (the
        adapters read none), so a worker whose clock runs behind the others' gets a
        turn later, and one ahead of them sooner.
        """
        ...
