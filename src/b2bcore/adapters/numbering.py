"""Document numbers for tests and the demo, counted in memory.

Order and invoice numbers restart every year per series (``ЗК-2026-000001``);
the production adapter uses a database sequence, this one a locked dict so two
threads of the demo never hand out the same number.
"""

from __future__ import annotations

import threading

from b2bcore.domain.errors import InvalidValue


class InMemoryNumberSequence:
    """Counters per (series, year), starting at 1."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def next_value(self, series: str, year: int) -> int:
        if not series.strip():
            raise InvalidValue("series", "must not be empty", series)
        with self._lock:
            value = self._last.get((series, year), 0) + 1
            self._last[(series, year)] = value
            return value
