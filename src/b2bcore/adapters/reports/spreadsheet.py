"""XLSX reports through openpyxl's write-only mode: rows go straight to the file, so
memory stays flat for a million rows. Amounts are numbers with two decimals, dates
real dates, the header bold and frozen with a filter, columns sized for their
content, and a totals row (values, not formulas, so any reader sees the sums)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

import attrs
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from b2bcore.domain.money import ZERO
from b2bcore.ports.reports import CellKind, ReportColumn, add_to_total

_FORMATS = {
    CellKind.MONEY: "#,##0.00",
    CellKind.INTEGER: "#,##0",
    CellKind.DATETIME: "DD.MM.YYYY HH:MM",
}
_MAX_TITLE = 31  # Excel's limit for a sheet name


@attrs.frozen
class XlsxReportWriter:
    @property
    def extension(self) -> str:
        return "xlsx"

    def write(
        self,
        columns: Sequence[ReportColumn],
        rows: Iterable[Sequence[object]],
        out: BinaryIO,
        *,
        title: str,
        totals_label: str,
    ) -> int:
        book = Workbook(write_only=True)
        # Any: openpyxl's stubs leave out what a write-only sheet shares with a normal one
        # (column widths, frozen panes, the filter).
        sheet: Any = book.create_sheet(title[:_MAX_TITLE] or "Report")
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
        bold = Font(bold=True)
        sheet.append([_cell(sheet, column.title, None, bold) for column in columns])
        # One styled cell per column, reused: write-only mode writes a row as it is
        # appended, so only the values change from row to row.
        cells = [_cell(sheet, None, _FORMATS.get(column.kind)) for column in columns]
        styled = [cell if cell.has_style else None for cell in cells]
        summed = [i for i, column in enumerate(columns) if column.total]
        totals: list[Decimal | int] = [ZERO if c.kind is CellKind.MONEY else 0 for c in columns]
        count = 0
        for row in rows:
            values: list[Any] = list(row)
            for index in summed:
                totals[index] = add_to_total(totals[index], row[index])
            for index, cell in enumerate(styled):
                if cell is not None and values[index] is not None:
                    cell.value = values[index]
                    values[index] = cell
            sheet.append(values)
            count += 1
        footer: list[object] = [_cell(sheet, totals_label, None, bold)]
        for index, column in enumerate(columns[1:], start=1):
            value = totals[index] if column.total else None
            footer.append(_cell(sheet, value, _FORMATS.get(column.kind), bold))
        sheet.append(footer)
        book.save(out)
        return count


def _cell(
    sheet: WriteOnlyWorksheet, value: Any, number_format: str | None, font: Font | None = None
) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell
