"""Orders and documents for the document tests, built through the real domain."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

from b2bcore.application.context import SellerRequisites
from b2bcore.documents.model import InvoiceDocument, build_invoice
from b2bcore.domain.client import Company
from b2bcore.domain.identifiers import BankAccount
from b2bcore.domain.money import VatRate
from b2bcore.domain.order import Order
from b2bcore.domain.pricing import OrderLine, Product
from tests.builders import invoiced_order, make_client, make_order
from tests.strategies import with_correspondent_key, with_settlement_key

SELLER = SellerRequisites(director="Петров П. П.", accountant="Сидорова А. А.")
SHIPPED_ON = date(2026, 3, 5)
BUYER_BANK = BankAccount.create(
    bik="044525974",
    correspondent_account=with_correspondent_key("044525974", "30101810045250000974"),
    settlement_account=with_settlement_key("044525974", "40702810010000000011"),
    bank_name="АО «ТБанк»",
)


def company(*, with_bank: bool = True) -> Company:
    """The buyer: ООО "Ромашка", with or without its bank details."""
    client = make_client()
    buyer = next(iter(client.companies.values()))
    buyer.bank_account = BUYER_BANK if with_bank else None
    return buyer


def product(
    number: int, *, name: str | None = None, rate: VatRate = VatRate.VAT22, unit: str = "шт"
) -> Product:
    return Product(
        sku=f"SKU-{number:04d}",
        name=name or f"Бумага офисная А4, 500 листов, вариант {number}",
        list_price=Decimal("1234.56") + number,
        vat_rate=rate,
        unit=unit,
    )


def order_with(products: list[Product], *, quantity: int = 3) -> Order:
    """An invoiced order with one line per product (quantities 3, 4, 5, …) and delivery."""
    order = invoiced_order(make_order())
    order.lines = tuple(OrderLine.price(p, quantity + i % 7) for i, p in enumerate(products))
    return order


def invoice_of(order: Order, *, with_bank: bool = True) -> InvoiceDocument:
    return build_invoice(order, company(with_bank=with_bank), SELLER)


# -- reading PDFs back -------------------------------------------------------------------


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace (no-break spaces too) made one space."""
    reader = PdfReader(BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def text_of(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


def spaced(text: str) -> str:
    """What the model writes, as :func:`pages_text` reads it back."""
    return re.sub(r"\s+", " ", text)


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def render_first_page(pdf: bytes, folder: Path, dpi: int = 60) -> Path:
    """Page 1 as a PNG, by poppler's pdftoppm (what a person would see)."""
    source = folder / "document.pdf"
    source.write_bytes(pdf)
    binary = pdftoppm()
    assert binary is not None
    subprocess.run(
        [
            binary,
            "-png",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(folder / "page"),
        ],
        check=True,
        capture_output=True,
    )
    return folder / "page.png"
