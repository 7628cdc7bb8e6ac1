"""The renderer's memos (wrapped lines, widths, encoded strings) are shared by every
document of the process: what one document drew must never show in the next."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from b2bcore.adapters.pdf import PdfDocumentRenderer
from b2bcore.adapters.pdf.fonts import BOLD, REGULAR
from b2bcore.adapters.pdf.sheet import wrap
from b2bcore.documents.model import build_upd
from tests.documents.samples import (
    SELLER,
    SHIPPED_ON,
    company,
    invoice_of,
    order_with,
    product,
    text_of,
)

RENDERER = PdfDocumentRenderer()


def test_orders_rendered_one_after_another_each_show_their_own_lines() -> None:
    """Two orders with different goods, invoice and УПД: each PDF names its own goods
    and none of the other's."""
    goods = (
        ["Бумага офисная А4", "Скрепки 28 мм"],
        ["Маркер перманентный", "Степлер №24"],
    )
    for own, other in (goods, goods[::-1]):
        order = order_with([product(i, name=name) for i, name in enumerate(own, 1)])
        for pdf in (
            RENDERER.invoice(invoice_of(order)),
            RENDERER.upd(build_upd(order, company(), SELLER, SHIPPED_ON)),
        ):
            text = text_of(pdf)
            assert [name for name in own if name in text] == own
            assert [name for name in other if name in text] == []


def test_a_document_renders_the_same_whatever_came_before() -> None:
    """The same invoice is the same bytes before and after other documents, one with
    characters outside the usual repertoire among them."""
    invoice = invoice_of(order_with([product(1), product(2)]))
    before = RENDERER.invoice(invoice)
    RENDERER.invoice(invoice_of(order_with([product(1, name="Crème brûlée, Straße")])))
    RENDERER.upd(build_upd(order_with([product(5)]), company(), SELLER, SHIPPED_ON))
    assert RENDERER.invoice(invoice) == before


def test_unusual_characters_keep_their_own_codes_in_each_document() -> None:
    """Characters outside the repertoire get codes in the order a document first uses
    them, so the same name is encoded differently in two documents; both read back
    as written."""
    names = ["Straße Ø 5", "Crème brûlée"]
    for order in (names, names[::-1]):
        doc = invoice_of(order_with([product(i, name=name) for i, name in enumerate(order, 1)]))
        text = text_of(RENDERER.invoice(doc))
        assert all(name in text for name in names)


def test_wrapped_lines_cannot_be_changed_by_a_caller() -> None:
    """A memoized wrap hands out an immutable tuple."""
    lines = wrap("Счёт на оплату " * 10, 100, 9)
    assert isinstance(lines, tuple)
    assert wrap("Счёт на оплату " * 10, 100, 9) == lines


def _fonts(pdf: bytes) -> dict[str, tuple[int, int]]:
    """Each embedded face's subset: base font name → (last code, number of widths)."""
    fonts = PdfReader(BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    return {
        str(f["/BaseFont"]): (int(f["/LastChar"]), len(f["/Widths"]))
        for f in (ref.get_object() for ref in fonts.values())
    }


def test_font_objects_formatted_once_are_the_ones_reportlab_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The usual subset's font objects are formatted by the first document that uses it
    and then reused: a document gets the same bytes from reportlab as from them."""
    invoice = invoice_of(order_with([product(1), product(2)]))
    RENDERER.invoice(invoice)  # the fonts are registered, their objects formatted
    for face in (REGULAR, BOLD):
        monkeypatch.setattr(pdfmetrics.getFont(face), "_standard_objects", ())
    by_reportlab = RENDERER.invoice(invoice)
    assert all(pdfmetrics.getFont(face)._standard_objects for face in (REGULAR, BOLD))
    assert RENDERER.invoice(invoice) == by_reportlab


def test_a_document_with_unusual_characters_gets_its_own_font_objects() -> None:
    """Characters outside the repertoire (in a goods name, set in the regular face) make
    that face's subset bigger: its font is made for the document, not taken from the
    usual documents, and the next usual document has the usual fonts again."""
    usual = invoice_of(order_with([product(1)]))
    before = _fonts(RENDERER.invoice(usual))
    name = "Crème brûlée, Straße Ø 5"
    unusual = RENDERER.invoice(invoice_of(order_with([product(1, name=name)])))
    regular, bold = "/AAAAAA+PTSans-Regular", "/AAAAAA+PTSans-Bold"
    assert before.keys() == {regular, bold}
    assert _fonts(unusual) == {
        regular: (before[regular][0] + 5, before[regular][1] + 5),
        bold: before[bold],
    }
    assert name in text_of(unusual)
    assert _fonts(RENDERER.invoice(usual)) == before
