"""A small drawing kit over a reportlab canvas: text, wrapped paragraphs, boxes, tables
that break across pages with their header repeated.

Coordinates are points from the bottom-left corner, as in PDF. A sheet made with
``dry=True`` draws nothing and only measures, so a layout can learn how tall a
block will be before it decides where page breaks go.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal

import attrs
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

from b2bcore.adapters.pdf.fonts import BOLD, REGULAR, assign_repertoire, register_fonts

Align = Literal["left", "right", "center"]
PADDING = 1.2 * mm
LEADING = 1.22  # line height as a multiple of the font size
PAGE_COMPRESSION_LEVEL = 3  # zlib level of the page content streams (see _PageFlate)


def font(bold: bool) -> str:
    return BOLD if bold else REGULAR


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> tuple[str, ...]:
    """``text`` broken into lines no wider than ``width``: at spaces, and inside a word
    only when the word alone is too wide (an article code, a URL).

    Memoized: a layout wraps the same labels and headings in every document, and
    each text twice (the dry run that measures, then the drawing). The lines come
    back as a tuple, so a cached result cannot be changed by a caller."""
    return _wrapped(text, width, size, bold)


@lru_cache(maxsize=4096)
def _wrapped(text: str, width: float, size: float, bold: bool) -> tuple[str, ...]:
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
    return tuple(lines)


@lru_cache(maxsize=4096)
def text_width(text: str, face: str, size: float) -> float:
    """The width of ``text`` in points; memoized like :func:`wrap`, for the right- and
    centre-aligned labels and amounts every document repeats."""
    register_fonts()
    return stringWidth(text, face, size)


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
        self._page_text: PDFTextObject | None = None
        self._page_font: tuple[str, float] | None = None
        self._stroke: float | None = None
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
        face = font(bold)
        if align == "right":
            x -= text_width(text, face, size)
        elif align == "center":
            x -= 0.5 * text_width(text, face, size)
        writer = self._text_object(face, size)
        writer.setTextOrigin(x, y)
        writer.textLine(text)

    def _text_object(self, face: str, size: float) -> PDFTextObject:
        """The page's one text object, in ``face`` at ``size``.

        All text of a page goes into a single BT … ET block, drawn when the page ends,
        and the font is set only when it changes: a text object per string (what
        ``drawString`` makes) was a large share of the drawing time. The text thus
        comes after the page's lines and boxes in the content stream; everything is
        opaque black, so the page looks the same."""
        if self._page_text is None:
            self._page_text = self.canvas.beginText()
            self._page_font = None
        if self._page_font != (face, size):
            self._page_text.setFont(face, size)
            self._page_font = (face, size)
        return self._page_text

    def _draw_page_text(self) -> None:
        if self._page_text is not None:
            self.canvas.drawText(self._page_text)
            self._page_text = None

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
        anchor = {"left": x, "right": x + width, "center": x + width / 2}[align]
        for line in wrap(text, width, size, bold=bold):
            y -= leading
            self.text(anchor, y + size * 0.25, line, size, bold=bold, align=align)
        return y

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.5) -> None:
        if self.dry:
            return
        self._line_width(width)
        self.canvas.line(x1, y1, x2, y2)

    def box(self, x: float, y: float, width: float, height: float, line: float = 0.5) -> None:
        """A rectangle whose top-left corner is (x, y)."""
        if self.dry:
            return
        self._line_width(line)
        self.canvas.rect(x, y - height, width, height)

    def _line_width(self, width: float) -> None:
        """Set the stroke width only when it changes (a table sets the same for
        every box)."""
        if width != self._stroke:
            self.canvas.setLineWidth(width)
            self._stroke = width

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
            self._draw_page_text()
            self.canvas.showPage()
            self._stroke = None  # a new page starts from the default graphics state

    def finish(self) -> bytes:
        self._draw_page_text()
        self.canvas.showPage()  # the last page is made here, so save() makes none
        # Each page's content stream made as reportlab would, with our filter.
        document = self.canvas._doc  # type: ignore[attr-defined]  # not in typeshed
        for page in document.Pages.pages:
            page.Contents = pdfdoc.PDFStream(content=page.stream, filters=[_PAGE_FLATE])
        self.canvas.save()
        return self._buffer.getvalue()


class _PageFlate:
    """The Flate filter for page content streams, in place of reportlab's.

    reportlab compresses a page at zlib level 6 and then encodes it in ASCII85
    (``rl_config.useA85``), which makes the stream a quarter bigger and is of no
    use in a file whose fonts are binary anyway. Level 3 without ASCII85 cost
    0.05 ms on an УПД's page against 0.18 ms, and its stream is about 10 % bigger
    than level 6's but smaller than reportlab's was."""

    pdfname = pdfdoc.PDFZCompress.pdfname

    @staticmethod
    def encode(content: str | bytes) -> bytes:
        data = content.encode("utf8") if isinstance(content, str) else content
        return zlib.compress(data, PAGE_COMPRESSION_LEVEL)

    @staticmethod
    def decode(encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


_PAGE_FLATE = _PageFlate()


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
                Cell(wrap(text, column.width - 2 * PADDING, cell_size, bold=bold), bold)
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
