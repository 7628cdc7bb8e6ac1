"""CSV reports. By default what Russian Excel opens with a double click: UTF-8 with a
BOM (without it Excel reads the file as Windows-1251), ``;`` between fields and a
decimal comma (with ``;``, Excel in a Russian locale reads "1234,50" as a number).
With another delimiter, amounts use a decimal point. Dates are DD.MM.YYYY HH:MM."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO

import attrs

from b2bcore.domain.money import ZERO
from b2bcore.ports.reports import CellKind, ReportColumn, add_to_total


@attrs.frozen(kw_only=True)
class CsvReportWriter:
    delimiter: str = ";"
    bom: bool = True

    @property
    def extension(self) -> str:
        return "csv"

    def write(
        self,
        columns: Sequence[ReportColumn],
        rows: Iterable[Sequence[object]],
        out: BinaryIO,
        *,
        title: str,
        totals_label: str,
    ) -> int:
        del title  # a CSV file has no sheet to name
        text = io.TextIOWrapper(out, encoding="utf-8-sig" if self.bom else "utf-8", newline="")
        try:
            writer = csv.writer(text, delimiter=self.delimiter)
            writer.writerow([column.title for column in columns])
            totals: list[Decimal | int] = [ZERO if c.kind is CellKind.MONEY else 0 for c in columns]
            summed = [i for i, column in enumerate(columns) if column.total]
            count = 0
            for row in rows:
                for index in summed:
                    totals[index] = add_to_total(totals[index], row[index])
                writer.writerow([self._cell(value) for value in row])
                count += 1
            footer: list[object] = [""] * len(columns)
            footer[0] = totals_label
            for index in summed:
                footer[index] = totals[index]
            writer.writerow([self._cell(value) for value in footer])
            text.flush()
        finally:
            text.detach()  # the caller owns ``out``
        return count

    def _cell(self, value: object) -> str:
        if isinstance(value, Decimal):
            number = f"{value:.2f}"
            return number.replace(".", ",") if self.delimiter == ";" else number
        if isinstance(value, datetime):
            return f"{value:%d.%m.%Y %H:%M}"
        return "" if value is None else str(value)
