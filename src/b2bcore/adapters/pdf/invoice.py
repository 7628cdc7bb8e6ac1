"""Счёт на оплату, laid out as Russian accountants know it (the 1C look): the payee's
bank box, the title, supplier and buyer, the lines, totals with VAT per rate, the
amount in words, the due date and the signatures. Long orders run over several
pages with the table header repeated; the totals always follow the last line."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from b2bcore.adapters.pdf.sheet import Column, Form, Sheet, Table, wrap
from b2bcore.documents.model import InvoiceDocument
from b2bcore.documents.text import long_date, money, quantity, rate, short_date, vat_label

_TITLE_SIZE = 13
_SIZE = 8.5


def render_invoice(doc: InvoiceDocument) -> bytes:
    title = f"Счёт на оплату № {doc.number} от {long_date(doc.issued_on)}"
    return Form(
        pagesize=A4,
        title=title,
        table=Table.measure(_columns(doc, A4[0] - 24 * mm), _rows(doc), size=_SIZE),
        header=lambda sheet: _first_page_header(sheet, doc, title),
        footer=lambda sheet, y: _footer(sheet, doc, y),
        page_label=f"Счёт № {doc.number} от {short_date(doc.issued_on)}",
    ).render()


def _columns(doc: InvoiceDocument, width: float) -> list[Column]:
    fixed = [
        Column("Кол-во", 17 * mm, "right"),
        Column("Ед.", 11 * mm, "center"),
        Column("Цена", 24 * mm, "right"),
        Column("Сумма", 27 * mm, "right"),
    ]
    if doc.mixed_rates:
        fixed.insert(0, Column("НДС", 15 * mm, "center"))
    number = Column("№", 8 * mm, "center")
    name_width = width - number.width - sum(c.width for c in fixed)
    return [number, Column("Товары (работы, услуги)", name_width), *fixed]


def _rows(doc: InvoiceDocument) -> list[list[str]]:
    rows = []
    for line in doc.lines:
        row = [str(line.number), line.name]
        if doc.mixed_rates:
            row.append(rate(line.vat_rate))
        row += [quantity(line.quantity), line.unit, money(line.price), money(line.amount)]
        rows.append(row)
    return rows


def _first_page_header(sheet: Sheet, doc: InvoiceDocument, title: str) -> float:
    y = _bank_box(sheet, doc, sheet.top)
    y -= 7 * mm
    sheet.text(sheet.left, y, title, _TITLE_SIZE, bold=True)
    y -= 2.5 * mm
    sheet.line(sheet.left, y, sheet.right, y, 1.5)
    y -= 1.5 * mm
    label = 30 * mm
    for caption, text in (
        ("Поставщик\n(Исполнитель):", doc.seller.describe()),
        ("Покупатель\n(Заказчик):", doc.buyer.describe()),
        ("Основание:", doc.basis),
    ):
        top = y
        sheet.paragraph(sheet.left, top, label, caption, _SIZE)
        bottom = sheet.paragraph(
            sheet.left + label, top, sheet.content_width - label, text, _SIZE, bold=True
        )
        y = min(bottom, top - 2 * _SIZE * 1.22) - 2 * mm
    return y - 1 * mm


def _bank_box(sheet: Sheet, doc: InvoiceDocument, top: float) -> float:
    """The payee's bank details in the box a payment order is filled from."""
    seller, bank = doc.seller, doc.seller.bank
    assert bank is not None  # Party.of_seller refuses a seller without a bank
    x0, x3 = sheet.left, sheet.right
    x2 = x3 - 52 * mm  # account values
    x1 = x2 - 14 * mm  # "БИК" / "Сч. №"
    xm = x0 + (x1 - x0) / 2  # ИНН | КПП
    size = _SIZE
    line = size * 1.22
    bank_lines = max(1, len(_fit(bank.bank_name, x1 - x0)))
    row1 = (bank_lines + 1) * line + 2 * mm
    row2 = line + 2 * mm
    row3 = max(2, len(_fit(seller.name, x1 - x0)) + 1) * line + 2 * mm
    y1, y2, y3 = top - row1, top - row1 - row2, top - row1 - row2 - row3
    sheet.box(x0, top, x3 - x0, top - y3)
    for x, upper, lower in ((x1, top, y3), (x2, top, y3), (xm, y1, y2)):
        sheet.line(x, upper, x, lower)
    sheet.line(x0, y1, x3, y1)
    sheet.line(x0, y2, x1, y2)
    sheet.line(x1, top - row1 / 2, x3, top - row1 / 2)
    pad = 1.5 * mm
    sheet.paragraph(x0 + pad, top - 0.5 * mm, x1 - x0 - 2 * pad, bank.bank_name, size)
    sheet.text(x0 + pad, y1 + pad, "Банк получателя", size - 1.5)
    sheet.text(x1 + pad, top - line, "БИК", size)
    sheet.text(x2 + pad, top - line, bank.bik, size)
    sheet.text(x1 + pad, top - row1 / 2 - line, "Сч. №", size)
    sheet.text(x2 + pad, top - row1 / 2 - line, bank.correspondent_account, size)
    sheet.text(x0 + pad, y1 - line, f"ИНН {seller.inn}", size)
    sheet.text(xm + pad, y1 - line, f"КПП {seller.kpp}" if seller.kpp else "КПП —", size)
    sheet.text(x1 + pad, y1 - line, "Сч. №", size)
    sheet.text(x2 + pad, y1 - line, bank.settlement_account, size)
    sheet.paragraph(x0 + pad, y2 - 0.5 * mm, x1 - x0 - 2 * pad, seller.name, size)
    sheet.text(x0 + pad, y3 + pad, "Получатель", size - 1.5)
    return y3


def _fit(text: str, width: float) -> tuple[str, ...]:
    return wrap(text, width - 3 * mm, _SIZE)


def _footer(sheet: Sheet, doc: InvoiceDocument, y: float) -> float:
    """Totals, the amount in words, the due date and the signatures; returns the y under."""
    size = _SIZE + 0.5
    line = size * 1.45
    amounts = sheet.right - 1.2 * mm
    labels = sheet.right - 30 * mm
    y -= 1 * mm
    totals = [("Итого:", money(doc.totals.amount))]
    for vat_rate, vat in doc.totals.vat_by_rate:
        shown = "—" if vat_rate.percent is None else money(vat)
        totals.append((f"{vat_label(vat_rate)}:", shown))
    totals.append(("Всего к оплате:", money(doc.totals.amount)))
    for caption, amount in totals:
        y -= line
        sheet.text(labels, y, caption, size, bold=True, align="right")
        sheet.text(amounts, y, amount, size, bold=True, align="right")
    y -= 3 * mm
    count = f"Всего наименований {len(doc.lines)}, на сумму {money(doc.totals.amount)} руб."
    y = sheet.paragraph(sheet.left, y, sheet.content_width, count, size)
    y = sheet.paragraph(sheet.left, y, sheet.content_width, doc.amount_in_words, size, bold=True)
    y -= 2 * mm
    due = f"Оплатить не позднее {short_date(doc.due_date)}"
    y = sheet.paragraph(sheet.left, y, sheet.content_width, due, size)
    y = sheet.paragraph(
        sheet.left,
        y,
        sheet.content_width,
        f"В назначении платежа укажите номер счёта: «Оплата по счёту № {doc.number}».",
        size - 1,
    )
    y -= 2 * mm
    sheet.line(sheet.left, y, sheet.right, y, 1.5)
    y -= 10 * mm
    half = sheet.content_width / 2
    for index, (role, person) in enumerate(
        (("Руководитель", doc.signatories.director), ("Бухгалтер", doc.signatories.accountant))
    ):
        x = sheet.left + index * (half + 4 * mm)
        sheet.signature(x, y, half - 4 * mm, role=role, person=person, size=size)
    return y - 4 * mm
