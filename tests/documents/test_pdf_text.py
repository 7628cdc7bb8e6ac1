"""The PDFs say what the order says: text read back with pypdf."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from b2bcore.adapters.pdf import PdfDocumentRenderer
from b2bcore.documents.model import InvoiceDocument, PrimaryKind, build_primary, build_upd
from b2bcore.documents.text import money, short_date
from b2bcore.domain.money import VatRate
from tests.documents.samples import (
    SELLER,
    SHIPPED_ON,
    company,
    invoice_of,
    order_with,
    pages_text,
    product,
    spaced,
    text_of,
)

RENDERER = PdfDocumentRenderer()


@pytest.fixture(scope="module")
def invoice() -> InvoiceDocument:
    return invoice_of(order_with([product(1), product(2), product(3)]))


@pytest.fixture(scope="module")
def invoice_text(invoice: InvoiceDocument) -> str:
    return text_of(RENDERER.invoice(invoice))


def test_invoice_is_a_pdf() -> None:
    """The renderer says PDF and writes one."""
    assert RENDERER.content_type == "application/pdf"
    assert RENDERER.invoice(invoice_of(order_with([product(1)]))).startswith(b"%PDF-")


def test_invoice_shows_title_number_and_date(invoice: InvoiceDocument, invoice_text: str) -> None:
    """The invoice is headed "Счёт на оплату № … от 2 марта 2026 г."."""
    assert f"Счёт на оплату № {invoice.number} от 2 марта 2026 г." in invoice_text


def test_invoice_shows_the_sellers_requisites(invoice_text: str) -> None:
    """Seller's name, INN, KPP, address, bank, BIK, correspondent and settlement accounts."""
    for value in (
        SELLER.name,
        f"ИНН {SELLER.inn}",
        f"КПП {SELLER.kpp}",
        SELLER.address,
        SELLER.bank_name,
        SELLER.bik,
        SELLER.correspondent_account,
        SELLER.settlement_account,
    ):
        assert value in invoice_text


def test_invoice_shows_the_buyers_requisites(invoice: InvoiceDocument, invoice_text: str) -> None:
    """Buyer's name, INN, KPP, address and bank details."""
    buyer = invoice.buyer
    assert buyer.bank is not None
    for value in (
        f"ИНН {buyer.inn}",
        f"КПП {buyer.kpp}",
        buyer.bank.bik,
        buyer.bank.settlement_account,
        buyer.bank.correspondent_account,
    ):
        assert value in invoice_text
    assert spaced(buyer.name) in invoice_text


def test_invoice_shows_every_line(invoice: InvoiceDocument, invoice_text: str) -> None:
    """Each line: number, name, quantity, unit, price and amount, in one row."""
    for line in invoice.lines:
        row = f"{line.number} {line.name} {line.quantity} {line.unit} "
        row += f"{spaced(money(line.price))} {spaced(money(line.amount))}"
        assert row in invoice_text


def test_invoice_shows_totals_vat_and_words(invoice: InvoiceDocument, invoice_text: str) -> None:
    """Итого, the VAT at 22 %, Всего к оплате, the amount in words and the due date."""
    total = spaced(money(invoice.totals.amount))
    assert f"Итого: {total}" in invoice_text
    assert f"В том числе НДС 22 %: {spaced(money(invoice.totals.vat))}" in invoice_text
    assert f"Всего к оплате: {total}" in invoice_text
    assert invoice.amount_in_words in invoice_text
    assert f"Оплатить не позднее {short_date(invoice.due_date)}" in invoice_text


def test_invoice_has_a_signature_block(invoice_text: str) -> None:
    """Руководитель and Бухгалтер sign, with the names from configuration."""
    for value in ("Руководитель", "Бухгалтер", SELLER.director, SELLER.accountant):
        assert value in invoice_text


def test_fonts_are_embedded_subsets() -> None:
    """The typeface travels inside the PDF: nothing depends on the reader's fonts."""
    reader = PdfReader(BytesIO(RENDERER.invoice(invoice_of(order_with([product(1)])))))
    fonts = reader.pages[0]["/Resources"]["/Font"]  # type: ignore[index]
    objects = [font.get_object() for font in fonts.values()]
    assert objects
    assert all("PTSans" in str(font["/BaseFont"]) for font in objects)
    assert all("/FontFile2" in font["/FontDescriptor"] for font in objects)


def test_rouble_sign_and_cyrillic_survive() -> None:
    """A name with ₽, «», № and ё comes back as written."""
    name = "Сертификат на 5 000 ₽ «Ёлка» № 7"
    text = text_of(RENDERER.invoice(invoice_of(order_with([product(1, name=name)]))))
    assert name in text


# -- bad input -------------------------------------------------------------------------


def test_a_buyer_without_bank_details_still_gets_an_invoice() -> None:
    """No bank box for the buyer, everything else as usual."""
    doc = invoice_of(order_with([product(1)]), with_bank=False)
    text = text_of(RENDERER.invoice(doc))
    assert f"Покупатель (Заказчик): {spaced(doc.buyer.describe())}" in text
    assert "40702810" + "9" not in text.replace(SELLER.settlement_account, "")


def test_zero_vat_lines_mixed_with_22_percent() -> None:
    """Each rate gets its own totals line and every line shows its rate."""
    rates = [VatRate.VAT22, VatRate.VAT0, VatRate.NO_VAT, VatRate.VAT22]
    doc = invoice_of(order_with([product(i, rate=r) for i, r in enumerate(rates, 1)]))
    text = text_of(RENDERER.invoice(doc))
    by_rate = dict(doc.totals.vat_by_rate)
    assert f"В том числе НДС 22 %: {spaced(money(by_rate[VatRate.VAT22]))}" in text
    assert "В том числе НДС 0 %: 0,00" in text
    assert "Без НДС: —" in text
    assert f"{doc.lines[2].number} {doc.lines[2].name} без НДС" in text


def test_a_500_line_order_breaks_pages_with_totals_on_the_last() -> None:
    """Every line is printed once, across pages; the totals stand on the last page only."""
    doc = invoice_of(order_with([product(i) for i in range(1, 501)]))
    pages = pages_text(RENDERER.invoice(doc))
    assert len(pages) > 5
    text = " ".join(pages)
    for line in doc.lines:
        assert f" {line.number} {line.name} " in text
    assert all("Всего к оплате" not in page for page in pages[:-1])
    assert f"Всего к оплате: {spaced(money(doc.totals.amount))}" in pages[-1]
    assert all("Товары (работы, услуги)" in page for page in pages)  # header repeated
    assert f"страница {len(pages)} из {len(pages)}" in pages[-1]


def test_very_long_names_are_wrapped_not_cut() -> None:
    """A 300-character name, a word longer than the column among it, is printed whole."""
    name = "Кабель силовой ВВГнг(А)-LS 3х2,5 " * 6 + "АРТИКУЛ-" + "Z" * 90
    doc = invoice_of(order_with([product(1, name=name), product(2)]))
    text = text_of(RENDERER.invoice(doc)).replace(" ", "")
    assert name.replace(" ", "") in text


# -- the shipping documents ------------------------------------------------------------


def test_upd_shows_status_parties_lines_and_totals() -> None:
    """The УПД: status 1, seller and buyer with INN/KPP, every line, VAT and totals."""
    order = order_with([product(1), product(2)])
    upd = build_upd(order, company(), SELLER, SHIPPED_ON)
    text = text_of(RENDERER.upd(upd))
    assert "Универсальный передаточный документ" in text
    assert "Статус: 1" in text
    assert f"Счёт-фактура № {upd.number} от 5 марта 2026 г." in text
    assert f"ИНН/КПП продавца: {upd.seller.inn_kpp}" in text
    assert f"ИНН/КПП покупателя: {upd.buyer.inn_kpp}" in text
    for line in upd.lines:
        assert spaced(money(line.net_amount)) in text
        assert spaced(money(line.amount)) in text
    totals = upd.totals
    expected = f"Всего к оплате (9) {spaced(money(totals.net_amount))} X "
    expected += f"{spaced(money(totals.vat))} {spaced(money(totals.amount))}"
    assert expected in text


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        (PrimaryKind.WAYBILL, "ТОВАРНАЯ НАКЛАДНАЯ №"),
        (PrimaryKind.TAX_INVOICE, "Счёт-фактура №"),
        (PrimaryKind.ACT, "Акт №"),
    ],
)
def test_separate_documents_carry_their_title_and_total(kind: PrimaryKind, title: str) -> None:
    """ТОРГ-12, счёт-фактура and act each name themselves and print their total."""
    order = order_with([product(1), product(2, unit="усл")])
    doc = next(d for d in build_primary(order, company(), SELLER, SHIPPED_ON) if d.kind is kind)
    text = text_of(RENDERER.primary(doc))
    assert f"{title} {doc.number}" in text
    assert spaced(money(doc.totals.amount)) in text
