"""Clocks: the system clock for production, a settable one for tests and the demo.

Use cases read time only through the :class:`~b2bcore.ports.clock.Clock` port,
so a test can freeze it, jump a day ahead to expire an invoice, or run the demo
on a fixed date.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from b2bcore.domain.errors import InvalidValue


def _aware_utc(at: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused because its zone is a guess."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue("at", "must be timezone-aware", at.isoformat())
    return at.astimezone(UTC)


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; shared safely between threads."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware_utc(at)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FixedClock({self.now().isoformat()})"

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        """Jump to ``at`` (backwards too: tests of late bank postings need that)."""
        moved = _aware_utc(at)
        with self._lock:
            self._at = moved

    def advance(self, **timedelta_kwargs: float) -> datetime:
        """Move forward by ``timedelta(**timedelta_kwargs)``; returns the new time."""
        step = timedelta(**timedelta_kwargs)
        with self._lock:
            self._at += step
            return self._at
