"""The clocks and the in-memory number sequence."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from b2bcore.adapters.clock import FixedClock, SystemClock
from b2bcore.adapters.numbering import InMemoryNumberSequence
from b2bcore.domain.errors import InvalidValue

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_system_clock_is_aware_utc() -> None:
    """SystemClock.now() is an aware datetime in UTC."""
    assert SystemClock().now().utcoffset() == timedelta(0)


def test_fixed_clock_stands_still() -> None:
    """FixedClock returns the same instant until moved."""
    clock = FixedClock(T0)
    assert clock.now() == clock.now() == T0


def test_fixed_clock_advances_by_timedelta_arguments() -> None:
    """advance(days=1, hours=2) moves the clock and returns the new time."""
    clock = FixedClock(T0)
    assert clock.advance(days=1, hours=2) == T0 + timedelta(days=1, hours=2) == clock.now()


def test_fixed_clock_converts_to_utc() -> None:
    """An aware time in Moscow is kept as the same instant in UTC."""
    moscow = timezone(timedelta(hours=3))
    clock = FixedClock(datetime(2026, 11, 26, 15, 0, tzinfo=moscow))
    assert (clock.now(), clock.now().tzinfo) == (T0, UTC)


def test_fixed_clock_set_jumps() -> None:
    """set() moves the clock to any instant."""
    clock = FixedClock(T0)
    clock.set(T0 - timedelta(days=3))
    assert clock.now() == T0 - timedelta(days=3)


def test_naive_datetime_is_refused_at_construction() -> None:
    """FixedClock(naive) raises InvalidValue: the zone of a naive time is a guess."""
    with pytest.raises(InvalidValue):
        FixedClock(datetime(2026, 11, 26, 12, 0))


def test_naive_datetime_is_refused_by_set() -> None:
    """set(naive) raises InvalidValue and leaves the clock where it was."""
    clock = FixedClock(T0)
    with pytest.raises(InvalidValue):
        clock.set(datetime(2026, 11, 26, 12, 0))
    assert clock.now() == T0


def test_sequence_counts_per_series_and_year() -> None:
    """Each (series, year) starts at 1 and counts on its own."""
    numbers = InMemoryNumberSequence()
    drawn = [
        numbers.next_value("order", 2026),
        numbers.next_value("order", 2026),
        numbers.next_value("invoice", 2026),
        numbers.next_value("order", 2027),
    ]
    assert drawn == [1, 2, 1, 1]


def test_sequence_never_repeats_across_threads() -> None:
    """Eight threads drawing 500 numbers each get 4000 distinct numbers."""
    numbers = InMemoryNumberSequence()
    drawn: list[int] = []
    lock = threading.Lock()

    def draw() -> None:
        mine = [numbers.next_value("order", 2026) for _ in range(500)]
        with lock:
            drawn.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(drawn) == list(range(1, 4001))
