"""Writing reports: a table of typed cells streamed into a file (CSV, XLSX)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import BinaryIO, Protocol

import attrs


class CellKind(enum.Enum):
    """What a column holds; a writer formats it (an XLSX number, a CSV "1234,50")."""

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"  # Decimal roubles
    DATETIME = "datetime"  # naive, already in the zone the report is read in


@attrs.frozen(kw_only=True)
class ReportColumn:
    title: str
    kind: CellKind = CellKind.TEXT
    width: int = 12
    """In characters, as a spreadsheet measures columns."""
    total: bool = False
    """Summed in the totals row."""


def add_to_total(total: Decimal | int, value: object) -> Decimal | int:
    """A totals cell plus one more value (an int quantity or a Decimal amount)."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return total + value
    raise TypeError(f"only numbers can be totalled, got {value!r}")


class ReportWriter(Protocol):
    @property
    def extension(self) -> str:
        """The file name extension, without the dot: ``csv``, ``xlsx``."""
        ...

    def write(
        self,
        columns: Sequence[ReportColumn],
        rows: Iterable[Sequence[object]],
        out: BinaryIO,
        *,
        title: str,
        totals_label: str,
    ) -> int:
        """Stream ``rows`` into ``out`` under a header of the columns' titles, then a
        totals row; in constant memory whatever the number of rows. Returns the number
        of data rows written."""
        ...
