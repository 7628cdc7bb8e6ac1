"""The transactional outbox: domain events stored with the change that raised them.

A unit of work writes every domain event of its aggregates into the outbox in
the same transaction as the aggregates themselves, so a crash can never leave a
change without its follow-up or a follow-up without its change. The worker
drains the outbox and makes the external calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
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


class OutboxRepository(Protocol):
    def add(self, message: OutboxMessage) -> None: ...

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        """Messages not yet processed, oldest first."""
        ...
