"""The shipping documents: the УПД (status 1) and, for a shop that issues them
separately, the ТОРГ-12 waybill, the счёт-фактура and the act.

The УПД and the счёт-фактура follow the Federal Tax Service's form (letter
ММВ-20-3/96@; the fields keep the form's numbers, "(2б)", "[11]"); the ТОРГ-12
carries the unified form's fields in a compact layout; the act reads like the
acts 1C prints. All are A4, landscape but the act.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from b2bcore.adapters.pdf.sheet import Column, Form, Sheet, Table, merged_row
from b2bcore.documents.model import (
    DocumentLine,
    Party,
    PrimaryDocument,
    PrimaryKind,
    ShipmentDocument,
    UpdDocument,
)
from b2bcore.documents.text import long_date, money, quantity, rate, short_date, vat_label

_SIZE = 7
_HEAD = 6
LANDSCAPE = landscape(A4)
_MARGIN = 12 * mm


def render_upd(doc: UpdDocument) -> bytes:
    title = f"Универсальный передаточный документ № {doc.number} от {long_date(doc.issued_on)}"
    table = _tax_table(doc)
    return Form(
        pagesize=LANDSCAPE,
        title=title,
        table=table,
        header=lambda sheet: _tax_header(sheet, doc, status_strip=True),
        footer=lambda sheet, y: _upd_footer(sheet, doc, table, y),
        page_label=f"УПД № {doc.number} от {short_date(doc.issued_on)}",
        margin=_MARGIN,
    ).render()


def render_primary(doc: PrimaryDocument) -> bytes:
    renderers: dict[PrimaryKind, Callable[[PrimaryDocument], bytes]] = {
        PrimaryKind.TAX_INVOICE: _render_tax_invoice,
        PrimaryKind.WAYBILL: _render_waybill,
        PrimaryKind.ACT: _render_act,
    }
    return renderers[doc.kind](doc)


# -- the tax invoice part, shared by the УПД and the счёт-фактура --------------------------


def _tax_columns(width: float) -> list[Column]:
    fixed = [
        Column("№ п/п", 8 * mm, "center"),
        Column("Код товара/ работ, услуг\nА", 17 * mm, "center"),
        None,
        Column("Код вида товара\n1б", 9 * mm, "center"),
        Column("Ед. изм.: код\n2", 10 * mm, "center"),
        Column("условное обозна-чение\n2а", 13 * mm, "center"),
        Column("Коли-чество (объём)\n3", 14 * mm, "right"),
        Column("Цена (тариф) за единицу измерения\n4", 19 * mm, "right"),
        Column("Стоимость товаров (работ, услуг), без налога — всего\n5", 23 * mm, "right"),
        Column("В том числе сумма акциза\n6", 12 * mm, "center"),
        Column("Налоговая ставка\n7", 13 * mm, "center"),
        Column("Сумма налога, предъявляемая покупателю\n8", 20 * mm, "right"),
        Column("Стоимость товаров (работ, услуг), с налогом — всего\n9", 23 * mm, "right"),
        Column("Страна: код\n10", 10 * mm, "center"),
        Column("наиме-нование\n10а", 11 * mm, "center"),
        Column("Рег. номер декла-рации или партии\n11", 14 * mm, "center"),
    ]
    name_width = width - sum(c.width for c in fixed if c is not None)
    name = Column(
        "Наименование товара (описание работ, услуг), имущественного права\n1а", name_width
    )
    return [name if c is None else c for c in fixed]


def _tax_row(line: DocumentLine) -> list[str]:
    return [
        str(line.number),
        line.sku or "—",
        line.name,
        "—",
        line.unit_code,
        line.unit,
        quantity(line.quantity),
        money(line.net_price),
        money(line.net_amount),
        "без акциза",
        rate(line.vat_rate),
        "без НДС" if line.vat_rate.percent is None else money(line.vat),
        money(line.amount),
        "—",
        "—",
        "—",
    ]


def _tax_table(doc: ShipmentDocument) -> Table:
    return Table.measure(
        _tax_columns(LANDSCAPE[0] - 2 * _MARGIN),
        [_tax_row(line) for line in doc.lines],
        size=_SIZE,
        header_size=_HEAD,
    )


def _tax_totals(sheet: Sheet, doc: ShipmentDocument, table: Table, y: float) -> float:
    """The "Всего к оплате" row under columns 5, 8 and 9."""
    totals = doc.totals
    return merged_row(
        sheet,
        table,
        sheet.left,
        y,
        [
            (8, "Всего к оплате (9)", "left"),
            (1, money(totals.net_amount), "right"),
            (2, "X", "center"),
            (1, money(totals.vat), "right"),
            (1, money(totals.amount), "right"),
            (3, "", "left"),
        ],
    )


def _field(sheet: Sheet, x: float, y: float, width: float, *, caption: str, value: str) -> float:
    """One header line of the form: "Продавец: ООО …  (2)"; returns the y under it."""
    number_width = 9 * mm
    text, _, number = caption.rpartition(" ")
    sheet.text(x + width, y - _SIZE * 1.22 + 1.7, number, _SIZE - 0.5, align="right")
    y_after = sheet.paragraph(x, y, width - number_width, f"{text} {value}", _SIZE + 0.5)
    sheet.line(x + 34 * mm, y_after + 0.6, x + width - number_width, y_after + 0.6, 0.3)
    return y_after - 0.6 * mm


def _tax_header(sheet: Sheet, doc: ShipmentDocument, *, status_strip: bool) -> float:
    top = sheet.top
    x = sheet.left
    if status_strip:
        strip = 36 * mm
        y = sheet.paragraph(
            x, top, strip - 3 * mm, "Универсальный передаточный документ", 9, bold=True
        )
        sheet.text(x, y - 12, "Статус: 1", 9, bold=True)
        sheet.paragraph(
            x,
            y - 16,
            strip - 3 * mm,
            "1 — счёт-фактура и передаточный документ (акт)\n2 — передаточный документ (акт)",
            _HEAD,
        )
        x += strip
    width = sheet.right - x
    y = top
    title = f"Счёт-фактура № {doc.number} от {long_date(doc.issued_on)}"
    sheet.text(x, y - 10, title, 10, bold=True)
    sheet.text(sheet.right, y - 10, "(1)", _SIZE - 0.5, align="right")
    y -= 13
    sheet.text(x, y - 8, "Исправление № — от —", _SIZE + 0.5)
    sheet.text(sheet.right, y - 8, "(1а)", _SIZE - 0.5, align="right")
    y -= 12
    seller, buyer = doc.seller, doc.buyer
    shipped_lines = f"1–{len(doc.lines)}" if len(doc.lines) > 1 else "1"
    for caption, value in (
        ("Продавец: (2)", seller.name),
        ("Адрес: (2а)", seller.address),
        ("ИНН/КПП продавца: (2б)", seller.inn_kpp),
        ("Грузоотправитель и его адрес: (3)", "он же"),
        ("Грузополучатель и его адрес: (4)", f"{buyer.name}, {doc.consignee_address}"),
        ("К платёжно-расчётному документу (5)", doc.payment_document),
        (
            "Документ об отгрузке (5а)",
            f"№ п/п {shipped_lines} № {doc.number} от {short_date(doc.issued_on)}",
        ),
        ("Покупатель: (6)", buyer.name),
        ("Адрес: (6а)", buyer.address),
        ("ИНН/КПП покупателя: (6б)", buyer.inn_kpp),
        ("Валюта: наименование, код (7)", "Российский рубль, 643"),
        (
            "Идентификатор государственного контракта, договора (соглашения) (при наличии): (8)",
            "—",
        ),
    ):
        y = _field(sheet, x, y, width, caption=caption, value=value)
    if status_strip:
        sheet.line(x - 1.5 * mm, top, x - 1.5 * mm, y, 0.5)
    return y - 2 * mm


def _signature(sheet: Sheet, x: float, y: float, width: float, *, role: str, person: str) -> None:
    sheet.signature(x, y, width, role=role, person=person, size=_SIZE)


def _tax_signatures(sheet: Sheet, doc: ShipmentDocument, y: float) -> float:
    half = sheet.content_width / 2
    y -= 9 * mm
    _signature(
        sheet,
        sheet.left,
        y,
        half - 4 * mm,
        role="Руководитель организации или иное уполномоченное лицо",
        person=doc.signatories.director,
    )
    _signature(
        sheet,
        sheet.left + half,
        y,
        half,
        role="Главный бухгалтер или иное уполномоченное лицо",
        person=doc.signatories.accountant,
    )
    return y - 4 * mm


def _upd_footer(sheet: Sheet, doc: UpdDocument, table: Table, y: float) -> float:
    y = _tax_totals(sheet, doc, table, y)
    y = _tax_signatures(sheet, doc, y)
    y -= 2 * mm
    sheet.line(sheet.left, y, sheet.right, y, 1)
    half = sheet.content_width / 2
    left, right = sheet.left, sheet.left + half + 2 * mm
    width = half - 4 * mm

    def block(x: float, top: float, items: list[tuple[str, str]]) -> float:
        for caption, value in items:
            top = sheet.paragraph(x, top, width, f"{caption} {value}".strip(), _SIZE)
            top -= 0.8 * mm
        return top

    bottom_left = block(
        left,
        y,
        [
            ("Основание передачи (сдачи) / получения (приёмки) [8]:", doc.basis),
            ("Данные о транспортировке и грузе [9]:", "—"),
            ("Товар (груз) передал / услуги, результаты работ, права сдал [10]:", ""),
        ],
    )
    bottom_right = block(
        right,
        y,
        [
            ("", ""),
            ("", ""),
            ("Товар (груз) получил / услуги, результаты работ, права принял [15]:", ""),
        ],
    )
    y = min(bottom_left, bottom_right) - 5 * mm
    _signature(sheet, left, y, width, role="(должность)", person=doc.signatories.director)
    _signature(sheet, right, y, width, role="(должность)", person="")
    y -= 9 * mm
    y = min(
        block(
            left,
            y,
            [
                ("Дата отгрузки, передачи (сдачи) [11]:", long_date(doc.issued_on)),
                ("Иные сведения об отгрузке, передаче [12]:", "—"),
                (
                    "Наименование экономического субъекта — составителя документа [14]:",
                    _party_line(doc.seller),
                ),
            ],
        ),
        block(
            right,
            y,
            [
                ("Дата получения (приёмки) [16]:", "«___» ____________ 20___ г."),
                ("Иные сведения о получении, приёмке [17]:", "—"),
                (
                    "Наименование экономического субъекта — составителя документа [19]:",
                    _party_line(doc.buyer),
                ),
            ],
        ),
    )
    sheet.text(left, y - 8, "М. П.", _SIZE)
    sheet.text(right, y - 8, "М. П.", _SIZE)
    return y - 10


def _party_line(party: Party) -> str:
    return f"{party.name}, ИНН/КПП {party.inn_kpp}"


# -- the separate documents -----------------------------------------------------------


def _render_tax_invoice(doc: PrimaryDocument) -> bytes:
    table = _tax_table(doc)

    def footer(sheet: Sheet, y: float) -> float:
        return _tax_signatures(sheet, doc, _tax_totals(sheet, doc, table, y))

    return Form(
        pagesize=LANDSCAPE,
        title=f"Счёт-фактура № {doc.number} от {long_date(doc.issued_on)}",
        table=table,
        header=lambda sheet: _tax_header(sheet, doc, status_strip=False),
        footer=footer,
        page_label=f"Счёт-фактура № {doc.number} от {short_date(doc.issued_on)}",
        margin=_MARGIN,
    ).render()


def _waybill_columns(width: float) -> list[Column]:
    fixed = [
        Column("№ п/п", 8 * mm, "center"),
        None,
        Column("Код товара", 20 * mm, "center"),
        Column("Ед. изм.: наиме-нование", 14 * mm, "center"),
        Column("код по ОКЕИ", 12 * mm, "center"),
        Column("Коли-чество (масса нетто)", 17 * mm, "right"),
        Column("Цена, руб. коп.", 21 * mm, "right"),
        Column("Сумма без учёта НДС, руб. коп.", 25 * mm, "right"),
        Column("НДС: ставка", 14 * mm, "center"),
        Column("сумма, руб. коп.", 21 * mm, "right"),
        Column("Сумма с учётом НДС, руб. коп.", 25 * mm, "right"),
    ]
    name_width = width - sum(c.width for c in fixed if c is not None)
    name = Column("Товар: наименование, характеристика, сорт, артикул", name_width)
    return [name if c is None else c for c in fixed]


def _render_waybill(doc: PrimaryDocument) -> bytes:
    rows = [
        [
            str(line.number),
            line.name,
            line.sku or "—",
            line.unit,
            line.unit_code,
            quantity(line.quantity),
            money(line.net_price),
            money(line.net_amount),
            rate(line.vat_rate),
            "—" if line.vat_rate.percent is None else money(line.vat),
            money(line.amount),
        ]
        for line in doc.lines
    ]
    table = Table.measure(_waybill_columns(LANDSCAPE[0] - 2 * _MARGIN), rows, size=_SIZE)
    title = f"Товарная накладная № {doc.number} от {long_date(doc.issued_on)}"

    def header(sheet: Sheet) -> float:
        y = sheet.top
        sheet.text(sheet.right, y - 6, "Унифицированная форма № ТОРГ-12", _HEAD, align="right")
        y -= 8
        consignee = f"{_party_line(doc.buyer)}, {doc.consignee_address}"
        for caption, value in (
            ("Грузоотправитель:", _party_line(doc.seller) + f", {doc.seller.address}"),
            ("Грузополучатель:", consignee),
            ("Поставщик:", doc.seller.describe()),
            ("Плательщик:", doc.buyer.describe()),
            ("Основание:", doc.basis),
        ):
            sheet.text(sheet.left, y - _SIZE * 1.22, caption, _SIZE + 0.5)
            y = sheet.paragraph(
                sheet.left + 28 * mm, y, sheet.content_width - 28 * mm, value, _SIZE + 0.5
            )
            y -= 1 * mm
        y -= 4 * mm
        heading = f"ТОВАРНАЯ НАКЛАДНАЯ № {doc.number} от {long_date(doc.issued_on)}"
        sheet.text(sheet.left + sheet.content_width / 2, y, heading, 11, bold=True, align="center")
        return y - 4 * mm

    def footer(sheet: Sheet, y: float) -> float:
        totals = doc.totals
        y = merged_row(
            sheet,
            table,
            sheet.left,
            y,
            [
                (7, "Всего по накладной", "right"),
                (1, money(totals.net_amount), "right"),
                (1, "X", "center"),
                (1, money(totals.vat), "right"),
                (1, money(totals.amount), "right"),
            ],
        )
        y -= 2 * mm
        count = (
            "Товарная накладная имеет приложение на — листах и содержит "
            f"{len(doc.lines)} порядковых номеров записей"
        )
        y = sheet.paragraph(sheet.left, y, sheet.content_width, count, _SIZE + 0.5)
        words = f"Всего отпущено на сумму: {doc.amount_in_words}"
        y = sheet.paragraph(sheet.left, y, sheet.content_width, words, _SIZE + 0.5, bold=True)
        half = sheet.content_width / 2
        right = sheet.left + half + 2 * mm
        width = half - 4 * mm
        y -= 9 * mm
        _signature(
            sheet,
            sheet.left,
            y,
            width,
            role="Отпуск груза разрешил",
            person=doc.signatories.director,
        )
        _signature(sheet, right, y, width, role="Груз принял", person="")
        y -= 9 * mm
        _signature(
            sheet,
            sheet.left,
            y,
            width,
            role="Главный (старший) бухгалтер",
            person=doc.signatories.accountant,
        )
        _signature(sheet, right, y, width, role="Груз получил грузополучатель", person="")
        y -= 9 * mm
        _signature(sheet, sheet.left, y, width, role="Отпуск груза произвёл", person="")
        y -= 6 * mm
        sheet.text(sheet.left, y, f"М. П.   {long_date(doc.issued_on)}", _SIZE)
        sheet.text(right, y, "М. П.   «___» ____________ 20___ г.", _SIZE)
        return y - 4 * mm

    return Form(
        pagesize=LANDSCAPE,
        title=title,
        table=table,
        header=header,
        footer=footer,
        page_label=f"ТОРГ-12 № {doc.number} от {short_date(doc.issued_on)}",
        margin=_MARGIN,
    ).render()


def _render_act(doc: PrimaryDocument) -> bytes:
    size = 8.5
    columns = [
        Column("№", 8 * mm, "center"),
        Column("Наименование работ, услуг", 91 * mm),
        Column("Кол-во", 16 * mm, "right"),
        Column("Ед.", 12 * mm, "center"),
        Column("Цена", 27 * mm, "right"),
        Column("Сумма", 32 * mm, "right"),
    ]
    rows = [
        [
            str(line.number),
            line.name,
            quantity(line.quantity),
            line.unit,
            money(line.price),
            money(line.amount),
        ]
        for line in doc.lines
    ]
    table = Table.measure(columns, rows, size=size)
    title = f"Акт № {doc.number} от {long_date(doc.issued_on)}"

    def header(sheet: Sheet) -> float:
        y = sheet.top - 14
        sheet.text(sheet.left, y, title, 13, bold=True)
        y -= 3 * mm
        sheet.line(sheet.left, y, sheet.right, y, 1.5)
        y -= 1 * mm
        for caption, value in (
            ("Исполнитель:", doc.seller.describe()),
            ("Заказчик:", doc.buyer.describe()),
            ("Основание:", doc.basis),
        ):
            sheet.text(sheet.left, y - size * 1.22 + size * 0.25, caption, size)
            y = (
                sheet.paragraph(
                    sheet.left + 28 * mm, y, sheet.content_width - 28 * mm, value, size, bold=True
                )
                - 2 * mm
            )
        return y - 2 * mm

    def footer(sheet: Sheet, y: float) -> float:
        amounts, labels = sheet.right - 1.2 * mm, sheet.right - 34 * mm
        lines = [("Итого:", money(doc.totals.amount))]
        lines += [
            (f"{vat_label(r)}:", "—" if r.percent is None else money(v))
            for r, v in doc.totals.vat_by_rate
        ]
        for caption, amount in lines:
            y -= size * 1.45
            sheet.text(labels, y, caption, size, bold=True, align="right")
            sheet.text(amounts, y, amount, size, bold=True, align="right")
        y -= 3 * mm
        total = f"Всего оказано услуг {len(doc.lines)}, на сумму {money(doc.totals.amount)} руб."
        y = sheet.paragraph(sheet.left, y, sheet.content_width, total, size)
        y = sheet.paragraph(
            sheet.left, y, sheet.content_width, doc.amount_in_words, size, bold=True
        )
        y -= 2 * mm
        y = sheet.paragraph(
            sheet.left,
            y,
            sheet.content_width,
            "Вышеперечисленные услуги выполнены полностью и в срок. "
            "Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет.",
            size,
        )
        y -= 2 * mm
        sheet.line(sheet.left, y, sheet.right, y, 1.5)
        half = sheet.content_width / 2
        y -= 6 * mm
        sheet.text(sheet.left, y, "ИСПОЛНИТЕЛЬ", size, bold=True)
        sheet.text(sheet.left + half + 4 * mm, y, "ЗАКАЗЧИК", size, bold=True)
        y -= 3 * mm
        sheet.paragraph(sheet.left, y, half - 6 * mm, doc.seller.name, size - 1)
        sheet.paragraph(sheet.left + half + 4 * mm, y, half - 6 * mm, doc.buyer.name, size - 1)
        y -= 14 * mm
        _signature(
            sheet,
            sheet.left,
            y,
            half - 6 * mm,
            role="Руководитель",
            person=doc.signatories.director,
        )
        _signature(sheet, sheet.left + half + 4 * mm, y, half - 6 * mm, role="", person="")
        return y - 6 * mm

    return Form(
        pagesize=A4,
        title=title,
        table=table,
        header=header,
        footer=footer,
        page_label=f"Акт № {doc.number} от {short_date(doc.issued_on)}",
    ).render()
