"""Number sequences for documents people read: orders, invoices."""

from __future__ import annotations

from typing import Protocol


class NumberSequence(Protocol):
    def next_value(self, series: str, year: int) -> int:
        """The next number of ``series`` in ``year``, starting at 1, never repeated."""
        ...
