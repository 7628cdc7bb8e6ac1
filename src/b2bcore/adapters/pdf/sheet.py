"""A small drawing kit over a reportlab canvas: text, wrapped paragraphs, boxes, tables
that break across pages with their header repeated.

Coordinates are points from the bottom-left corner, as in PDF. A sheet made with
``dry=True`` draws nothing and only measures, so a layout can learn how tall a
block will be before it decides where page breaks go.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Literal

import attrs
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from b2bcore.adapters.pdf.fonts import BOLD, REGULAR, assign_repertoire, register_fonts

Align = Literal["left", "right", "center"]
PADDING = 1.2 * mm
LEADING = 1.22  # line height as a multiple of the font size


def font(bold: bool) -> str:
    return BOLD if bold else REGULAR


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width``: at spaces, and inside a word
    only when the word alone is too wide (an article code, a URL)."""
    register_fonts()
    face = font(bold)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if stringWidth(candidate, face, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            rest = word
            while stringWidth(rest, face, size) > width and len(rest) > 1:
                cut = _fitting_prefix(rest, width, face, size)
                lines.append(rest[:cut])
                rest = rest[cut:]
            current = rest
        lines.append(current)
    return lines


def _fitting_prefix(word: str, width: float, face: str, size: float) -> int:
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(word[:middle], face, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


@attrs.frozen
class Column:
    title: str
    width: float
    align: Align = "left"


@attrs.frozen
class Cell:
    """A table cell's text with its wrapped lines, measured once."""

    lines: tuple[str, ...]
    bold: bool = False


class Sheet:
    """One document being drawn: pages of one size, fonts registered, margins known."""

    def __init__(
        self,
        pagesize: tuple[float, float],
        *,
        margin: float = 12 * mm,
        title: str = "",
        dry: bool = False,
    ) -> None:
        register_fonts()
        self.width, self.height = pagesize
        self.margin = margin
        self.left, self.right = margin, self.width - margin
        self.top, self.bottom = self.height - margin, margin
        self.dry = dry
        self._buffer = io.BytesIO()
        # The initial font too is ours: no reference to a font the reader must have.
        self.canvas = Canvas(
            self._buffer,
            pagesize=pagesize,
            pageCompression=1,
            invariant=1,
            initialFontName=REGULAR,  # type: ignore[arg-type]  # typeshed says float; it is a name
        )
        if not dry:
            assign_repertoire(self.canvas._doc)  # type: ignore[attr-defined]  # not in typeshed
        self.canvas.setTitle(title)
        self.canvas.setAuthor("b2bcore")
        self.canvas.setCreator("b2bcore")

    @property
    def content_width(self) -> float:
        return self.right - self.left

    # -- drawing -------------------------------------------------------------------

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 9,
        *,
        bold: bool = False,
        align: Align = "left",
    ) -> None:
        if self.dry or not text:
            return
        self.canvas.setFont(font(bold), size)
        if align == "right":
            self.canvas.drawRightString(x, y, text)
        elif align == "center":
            self.canvas.drawCentredString(x, y, text)
        else:
            self.canvas.drawString(x, y, text)

    def paragraph(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        size: float = 9,
        *,
        bold: bool = False,
        align: Align = "left",
    ) -> float:
        """Draw ``text`` wrapped to ``width`` with its first baseline below ``y``; returns
        the y under the last line."""
        leading = size * LEADING
        for line in wrap(text, width, size, bold=bold):
            y -= leading
            anchor = {"left": x, "right": x + width, "center": x + width / 2}[align]
            self.text(anchor, y + size * 0.25, line, size, bold=bold, align=align)
        return y

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.5) -> None:
        if self.dry:
            return
        self.canvas.setLineWidth(width)
        self.canvas.line(x1, y1, x2, y2)

    def box(self, x: float, y: float, width: float, height: float, line: float = 0.5) -> None:
        """A rectangle whose top-left corner is (x, y)."""
        if self.dry:
            return
        self.canvas.setLineWidth(line)
        self.canvas.rect(x, y - height, width, height)

    def signature(
        self, x: float, y: float, width: float, *, role: str, person: str, size: float = 7
    ) -> None:
        """Role, a line to sign on and the person's name on a second line, with the
        small captions "(подпись)" and "(ф.и.о.)" under them."""
        role_width = width * 0.42
        self.paragraph(x, y + size * LEADING, role_width, role, size)
        sign = (x + role_width + 2 * mm, x + role_width + width * 0.22)
        name = (sign[1] + 3 * mm, x + width - 2 * mm)
        for start, end, caption in ((*sign, "(подпись)"), (*name, "(ф.и.о.)")):
            self.line(start, y, end, y, 0.4)
            self.text((start + end) / 2, y - 6, caption, 5, align="center")
        self.text((name[0] + name[1]) / 2, y + 1.5, person, size, align="center")

    def new_page(self) -> None:
        if not self.dry:
            self.canvas.showPage()

    def finish(self) -> bytes:
        self.canvas.save()
        return self._buffer.getvalue()


# -- tables ---------------------------------------------------------------------------


@attrs.frozen
class Table:
    """Columns and rows of text, measured: each row's wrapped cells and height."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    heights: tuple[float, ...]
    header: tuple[Cell, ...]
    header_height: float
    size: float
    header_size: float

    @classmethod
    def measure(
        cls,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        size: float = 8,
        header_size: float | None = None,
        bold_rows: frozenset[int] = frozenset(),
    ) -> Table:
        head_size = header_size or size

        def cells(texts: Sequence[str], cell_size: float, bold: bool) -> tuple[Cell, ...]:
            return tuple(
                Cell(tuple(wrap(text, column.width - 2 * PADDING, cell_size, bold=bold)), bold)
                for text, column in zip(texts, columns, strict=True)
            )

        def height(row: tuple[Cell, ...], cell_size: float) -> float:
            return max(len(cell.lines) for cell in row) * cell_size * LEADING + 2 * PADDING

        header = cells([c.title for c in columns], head_size, False)
        measured = [cells(row, size, i in bold_rows) for i, row in enumerate(rows)]
        return cls(
            columns=tuple(columns),
            rows=tuple(measured),
            heights=tuple(height(row, size) for row in measured),
            header=header,
            header_height=height(header, head_size),
            size=size,
            header_size=head_size,
        )

    @property
    def width(self) -> float:
        return sum(column.width for column in self.columns)

    def draw_header(self, sheet: Sheet, x: float, y: float) -> float:
        return self._draw_row(
            sheet,
            (x, y),
            self.header,
            height=self.header_height,
            size=self.header_size,
            centred=True,
        )

    def draw_rows(self, sheet: Sheet, x: float, y: float, indexes: Sequence[int]) -> float:
        for index in indexes:
            y = self._draw_row(
                sheet, (x, y), self.rows[index], height=self.heights[index], size=self.size
            )
        return y

    def _draw_row(
        self,
        sheet: Sheet,
        corner: tuple[float, float],
        row: tuple[Cell, ...],
        *,
        height: float,
        size: float,
        centred: bool = False,
    ) -> float:
        x, y = corner
        left = x
        for cell, column in zip(row, self.columns, strict=True):
            sheet.box(left, y, column.width, height)
            align: Align = "center" if centred else column.align
            baseline = y - PADDING
            for text in cell.lines:
                baseline -= size * LEADING
                anchor = {
                    "left": left + PADDING,
                    "right": left + column.width - PADDING,
                    "center": left + column.width / 2,
                }[align]
                sheet.text(anchor, baseline + size * 0.25, text, size, bold=cell.bold, align=align)
            left += column.width
        return y - height


def paginate(
    heights: Sequence[float], first: float, later: float, footer: float
) -> list[list[int]]:
    """Row indexes per page: ``first`` and ``later`` are the space for rows on the first
    and on every other page; the last page must also hold ``footer`` (the totals), so
    rows move over until it does and the totals never stand on a page alone."""
    pages: list[list[int]] = [[]]
    space = first
    for index, height in enumerate(heights):
        if height > space and pages[-1]:
            pages.append([])
            space = later
        pages[-1].append(index)
        space -= height
    if space < footer:
        last = pages[-1]
        moved = [last.pop()] if len(last) > 1 else []
        pages.append(moved)
    return pages


def merged_row(
    sheet: Sheet,
    table: Table,
    x: float,
    y: float,
    cells: Sequence[tuple[int, str, Align]],
    *,
    size: float | None = None,
    bold: bool = True,
) -> float:
    """A row whose cells span ``span`` columns each (a totals row); returns the y under."""
    size = size or table.size
    widths = [column.width for column in table.columns]
    spans, start = [], 0
    for span, text, align in cells:
        spans.append((sum(widths[start : start + span]), text, align))
        start += span
    wrapped = [wrap(text, width - 2 * PADDING, size, bold=bold) for width, text, _ in spans]
    height = max(len(lines) for lines in wrapped) * size * LEADING + 2 * PADDING
    left = x
    for (width, _text, align), lines in zip(spans, wrapped, strict=True):
        sheet.box(left, y, width, height)
        baseline = y - PADDING
        for text in lines:
            baseline -= size * LEADING
            anchor = {"left": left + PADDING, "right": left + width - PADDING}.get(
                align, left + width / 2
            )
            sheet.text(anchor, baseline + size * 0.25, text, size, bold=bold, align=align)
        left += width
    return y - height


@attrs.frozen
class Form:
    """A document as pages: a header on the first page, a table that breaks across
    pages, a footer (totals, signatures) after the last row."""

    pagesize: tuple[float, float]
    title: str
    table: Table
    header: Callable[[Sheet], float]
    """Draws the first page's header from the top; returns the y under it."""
    footer: Callable[[Sheet, float], float]
    """Draws the totals and signatures from ``y`` down; returns the y under them."""
    page_label: str
    margin: float = 12 * mm

    def render(self) -> bytes:
        probe = Sheet(self.pagesize, margin=self.margin, dry=True)
        reserve = self.table.header_height + 6 * mm  # the table header and the page number
        first = self.header(probe) - probe.bottom - reserve
        later = self._continuation(probe) - probe.bottom - reserve
        footer = probe.top - self.footer(probe, probe.top)
        pages = paginate(self.table.heights, first, later, footer)
        sheet = Sheet(self.pagesize, margin=self.margin, title=self.title)
        for number, rows in enumerate(pages, start=1):
            if number == 1:
                y = self.header(sheet)
            else:
                sheet.new_page()
                y = self._continuation(sheet)
            if rows or number == 1:
                y = self.table.draw_header(sheet, sheet.left, y)
                y = self.table.draw_rows(sheet, sheet.left, y, rows)
            if number == len(pages):
                self.footer(sheet, y)
            label = f"{self.page_label} · страница {number} из {len(pages)}"
            sheet.text(sheet.right, sheet.bottom - 4 * mm, label, 7, align="right")
        return sheet.finish()

    def _continuation(self, sheet: Sheet) -> float:
        y = sheet.top - 9
        sheet.text(sheet.left, y, f"{self.title} (продолжение)", 9.5, bold=True)
        return y - 4 * mm
