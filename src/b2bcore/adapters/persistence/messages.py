"""Domain events as outbox messages: the serialization both storage adapters share,
and the one way they word a completion that came too late."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

import cattrs

from b2bcore.domain.client import CorporateClient
from b2bcore.domain.errors import Conflict
from b2bcore.domain.events import DomainEvent
from b2bcore.domain.order import Order
from b2bcore.ports.outbox import OutboxMessage

_converter = cattrs.Converter()
_converter.register_unstructure_hook(Decimal, str)
_converter.register_unstructure_hook(datetime, datetime.isoformat)
_converter.register_unstructure_hook(date, date.isoformat)


def event_payload(event: DomainEvent) -> dict[str, Any]:
    """The event's fields as JSON-ready data; raises TypeError for anything else."""
    data = _converter.unstructure(event)
    if not isinstance(data, dict):
        raise TypeError(f"event {event!r} did not serialize to a mapping")
    _check_json_ready(data, event.name)
    return data


Topics = frozenset[str] | None
"""The names of the events a unit of work writes to the outbox; ``None``: every event.

The application passes the topics its worker handles (``HANDLED_TOPICS``): an
event nobody acts on (a payment recorded, a delivery) would only be written,
claimed and marked done, a quarter of the pipeline's outbox traffic. A shop that
reads the outbox itself builds its factory with ``topics=None``.
"""


def worth_storing(events: Iterable[DomainEvent], topics: Topics) -> list[DomainEvent]:
    """The events of ``topics`` (all of them if it is None), in their order."""
    return list(events) if topics is None else [e for e in events if e.name in topics]


def message_id() -> str:
    """A new message's id: 32 hex digits, the first 12 the time in milliseconds and the
    rest random -- UUIDv7's layout. Newer messages sort after older ones, so the
    outbox's primary key grows at its end, where its pages are in memory, instead of
    at a random place of the whole index."""
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


def message_from_event(event: DomainEvent) -> OutboxMessage:
    payload = event_payload(event)
    aggregate_id = str(payload.get("order_id") or payload.get("client_id") or "")
    return OutboxMessage(
        id=message_id(),
        topic=event.name,
        aggregate_id=aggregate_id,
        payload=payload,
        created_at=event.occurred_at,
    )


def lost_claim(message_id: str, worker: str) -> Conflict:
    """The Conflict of completing a message ``worker`` no longer holds: its lease ran out
    and another worker claimed it, or it is already processed, or it was never stored."""
    return Conflict(
        f"outbox message {message_id} is no longer claimed by worker {worker}",
        id=message_id,
        worker=worker,
    )


class _Sources(Protocol):
    def seen(self) -> Iterable[CorporateClient] | Iterable[Order]: ...


class EventCollector:
    """The domain events a unit of work's aggregates raised, for ``collect_events``;
    shared by the in-memory and SQL units of work."""

    _committed_events: list[DomainEvent]
    _event_sources: tuple[_Sources, _Sources]

    def collect_events(self) -> list[DomainEvent]:
        """Events of loaded and added aggregates, committed or not, oldest first; once each."""
        events = [*self._committed_events, *self._take_events()]
        self._committed_events.clear()
        return sorted(events, key=lambda event: event.occurred_at)

    def _take_events(self) -> list[DomainEvent]:
        taken: list[DomainEvent] = []
        for source in self._event_sources:
            for aggregate in source.seen():
                taken.extend(aggregate.events)
                aggregate.events.clear()
        return taken


def _check_json_ready(value: object, where: str) -> None:
    if value is None or isinstance(value, str | int | float | bool):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json_ready(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_json_ready(item, where)
        return
    raise TypeError(f"{where}: {type(value).__name__} cannot go into the outbox")
