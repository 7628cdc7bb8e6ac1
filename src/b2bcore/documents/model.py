"""What goes on an invoice and on the shipping documents, built from an order.

Pure values: a renderer (the :class:`~b2bcore.ports.documents.DocumentRenderer`
port) turns them into PDF, and tests read them back. Amounts come from the
order's own lines and totals (VAT-inclusive, rounded per line), so a document
matches the order and the accounting system to the kopeck. Delivery, when the
order pays for it, is one more line, a service.

Seller requisites come from configuration (anything shaped like
:class:`SellerDetails`, e.g. ``Settings.seller``); the buyer's from its company.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import attrs

from b2bcore.documents.words import amount_in_words
from b2bcore.domain.client import Company
from b2bcore.domain.errors import IllegalTransition, InvalidValue
from b2bcore.domain.money import ZERO, VatRate, to_money
from b2bcore.domain.order import Order

DELIVERY_NAME = "Доставка"
SERVICE_UNITS = frozenset({"усл", "усл.", "услуга", "усл. ед."})

# ОКЕИ codes of the units a shop usually sells in; the УПД and ТОРГ-12 print them.
UNIT_CODES = {
    "шт": "796",
    "шт.": "796",
    "усл": "—",
    "усл.": "—",
    "кг": "166",
    "г": "163",
    "т": "168",
    "л": "112",
    "м": "006",
    "м2": "055",
    "м3": "113",
    "упак": "778",
    "уп": "778",
    "компл": "839",
    "пар": "715",
    "рул": "736",
    "ч": "356",
}


class SellerDetails(Protocol):
    """The shop's legal entity as configuration describes it (``Settings.seller``)."""

    @property
    def name(self) -> str: ...
    @property
    def inn(self) -> str: ...
    @property
    def kpp(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def bank_name(self) -> str: ...
    @property
    def bik(self) -> str: ...
    @property
    def correspondent_account(self) -> str: ...
    @property
    def settlement_account(self) -> str: ...
    @property
    def director(self) -> str: ...
    @property
    def accountant(self) -> str: ...


@attrs.frozen(kw_only=True)
class BankDetails:
    bank_name: str
    bik: str
    correspondent_account: str
    settlement_account: str


@attrs.frozen(kw_only=True)
class Party:
    """A seller or buyer with the requisites documents print."""

    name: str
    inn: str
    kpp: str = ""
    address: str = ""
    bank: BankDetails | None = None

    @property
    def inn_kpp(self) -> str:
        """INN/KPP as the УПД prints it ("7707083893/773601001"); the INN alone if no KPP."""
        return f"{self.inn}/{self.kpp}" if self.kpp else self.inn

    def describe(self) -> str:
        """One paragraph: name, INN, KPP, address and bank, as the invoice's party lines."""
        parts = [self.name, f"ИНН {self.inn}"]
        if self.kpp:
            parts.append(f"КПП {self.kpp}")
        if self.address:
            parts.append(self.address)
        if self.bank is not None:
            parts += [
                f"р/с {self.bank.settlement_account}",
                f"в банке {self.bank.bank_name}",
                f"БИК {self.bank.bik}",
                f"к/с {self.bank.correspondent_account}",
            ]
        return ", ".join(parts)

    @classmethod
    def of_company(cls, company: Company) -> Party:
        """A client's company: its full registered name; bank details if it gave them."""
        requisites = company.requisites
        account = company.bank_account
        bank = None
        if account is not None:
            bank = BankDetails(
                bank_name=account.bank_name,
                bik=str(account.bik),
                correspondent_account=str(account.correspondent_account),
                settlement_account=str(account.settlement_account),
            )
        return cls(
            name=requisites.full_name,
            inn=str(requisites.inn),
            kpp="" if requisites.kpp is None else str(requisites.kpp),
            address=requisites.legal_address,
            bank=bank,
        )

    @classmethod
    def of_seller(cls, seller: SellerDetails) -> Party:
        """The shop: every requisite an invoice needs to be paid must be configured."""
        for field in ("name", "inn", "bank_name", "bik", "settlement_account"):
            if not str(getattr(seller, field)).strip():
                raise InvalidValue(f"seller.{field}", "must be set in the configuration")
        return cls(
            name=seller.name,
            inn=seller.inn,
            kpp=seller.kpp,
            address=seller.address,
            bank=BankDetails(
                bank_name=seller.bank_name,
                bik=seller.bik,
                correspondent_account=seller.correspondent_account,
                settlement_account=seller.settlement_account,
            ),
        )


@attrs.frozen(kw_only=True)
class Signatories:
    director: str = ""
    accountant: str = ""


@attrs.frozen(kw_only=True)
class DocumentLine:
    """One numbered line; ``price`` and ``amount`` include VAT, as the order's do."""

    number: int
    sku: str
    name: str
    unit: str
    quantity: int
    price: Decimal
    amount: Decimal
    vat_rate: VatRate
    vat: Decimal

    @property
    def net_amount(self) -> Decimal:
        """Стоимость без налога: the amount less the VAT it contains."""
        return self.amount - self.vat

    @property
    def net_price(self) -> Decimal:
        """Цена без налога, rounded to kopecks (the amounts, not this, are exact)."""
        return to_money(self.net_amount / self.quantity)

    @property
    def unit_code(self) -> str:
        return UNIT_CODES.get(self.unit.strip().lower(), "—")

    @property
    def is_service(self) -> bool:
        return self.unit.strip().lower() in SERVICE_UNITS


@attrs.frozen(kw_only=True)
class DocumentTotals:
    amount: Decimal
    vat: Decimal
    vat_by_rate: tuple[tuple[VatRate, Decimal], ...]

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.vat

    @classmethod
    def of(cls, lines: Iterable[DocumentLine]) -> DocumentTotals:
        amount, by_rate = ZERO, dict[VatRate, Decimal]()
        for line in lines:
            amount += line.amount
            by_rate[line.vat_rate] = by_rate.get(line.vat_rate, ZERO) + line.vat
        ordered = sorted(by_rate.items(), key=lambda kv: _RATE_ORDER.index(kv[0]))
        return cls(amount=amount, vat=sum(by_rate.values(), ZERO), vat_by_rate=tuple(ordered))


_RATE_ORDER = (VatRate.VAT22, VatRate.VAT10, VatRate.VAT0, VatRate.NO_VAT)


@attrs.frozen(kw_only=True)
class InvoiceDocument:
    """Счёт на оплату."""

    number: str
    issued_on: date
    due_date: date
    seller: Party
    buyer: Party
    basis: str
    lines: tuple[DocumentLine, ...]
    totals: DocumentTotals
    signatories: Signatories = Signatories()

    @property
    def amount_in_words(self) -> str:
        return amount_in_words(self.totals.amount)

    @property
    def mixed_rates(self) -> bool:
        """More than one VAT rate: the table then shows each line's rate."""
        return len(self.totals.vat_by_rate) > 1


class PrimaryKind(enum.Enum):
    """The separate primary documents a shop may issue instead of an УПД."""

    WAYBILL = "torg12"  # товарная накладная ТОРГ-12: the goods
    TAX_INVOICE = "invoice_factura"  # счёт-фактура: everything, with VAT
    ACT = "act"  # акт: the services (delivery included)


@attrs.frozen(kw_only=True)
class ShipmentDocument:
    """What every shipping document carries: parties, the shipment, lines, totals."""

    number: str
    issued_on: date
    seller: Party
    buyer: Party
    consignee_address: str
    basis: str
    payment_document: str
    lines: tuple[DocumentLine, ...]
    totals: DocumentTotals
    signatories: Signatories = Signatories()

    @property
    def amount_in_words(self) -> str:
        return amount_in_words(self.totals.amount)


@attrs.frozen(kw_only=True)
class UpdDocument(ShipmentDocument):
    """УПД, status 1: serves as счёт-фактура and as the transfer document (СЧФДОП)."""

    status: int = 1


@attrs.frozen(kw_only=True)
class PrimaryDocument(ShipmentDocument):
    """ТОРГ-12, счёт-фактура or act, for a shop that issues them separately."""

    kind: PrimaryKind


# -- building them from an order --------------------------------------------------


def document_lines(order: Order) -> tuple[DocumentLine, ...]:
    """The order's lines, numbered from 1, then delivery if the order pays for it."""
    lines = [
        DocumentLine(
            number=index,
            sku=line.sku,
            name=line.name,
            unit=line.unit,
            quantity=line.quantity,
            price=line.unit_price,
            amount=line.gross,
            vat_rate=line.vat_rate,
            vat=line.vat,
        )
        for index, line in enumerate(order.lines, start=1)
    ]
    if order.delivery.gross:
        lines.append(
            DocumentLine(
                number=len(lines) + 1,
                sku="",
                name=DELIVERY_NAME,
                unit="усл",
                quantity=1,
                price=order.delivery.gross,
                amount=order.delivery.gross,
                vat_rate=order.delivery.vat_rate,
                vat=order.delivery.vat,
            )
        )
    return tuple(lines)


def _basis(order: Order) -> str:
    return f"Заказ № {order.number} от {order.placed_at:%d.%m.%Y}"


def build_invoice(
    order: Order, company: Company, seller: SellerDetails, signatories: Signatories | None = None
) -> InvoiceDocument:
    """The invoice of an invoiced order; its number, date and due date are the order's."""
    invoice = order.invoice
    if invoice is None:
        raise IllegalTransition(
            action="print the invoice of", state=order.status.value, detail="not invoiced yet"
        )
    lines = document_lines(order)
    return InvoiceDocument(
        number=invoice.number,
        issued_on=invoice.issued_on,
        due_date=invoice.due_date,
        seller=Party.of_seller(seller),
        buyer=Party.of_company(company),
        basis=_basis(order),
        lines=lines,
        totals=DocumentTotals.of(lines),
        signatories=signatories or _signatories(seller),
    )


def shipment_number(order_number: str, prefix: str) -> str:
    """Like the invoice's: ``B2B-2026-000123`` gives ``УПД-2026-000123``, so a retried
    step never issues a document under a second number."""
    _, _, rest = order_number.partition("-")
    return f"{prefix}-{rest or order_number}"


def _shipment(
    order: Order,
    company: Company,
    seller: SellerDetails,
    shipped_on: date,
    *,
    number: str,
    lines: tuple[DocumentLine, ...],
) -> dict[str, Any]:
    """The fields every shipping document of the order shares."""
    payments = [f"№ {p.payment_id} от {p.received_at:%d.%m.%Y}" for p in order.payments]
    base = ShipmentDocument(
        number=number,
        issued_on=shipped_on,
        seller=Party.of_seller(seller),
        buyer=Party.of_company(company),
        consignee_address=order.delivery_address,
        basis=_basis(order),
        payment_document=", ".join(payments) or "—",
        lines=lines,
        totals=DocumentTotals.of(lines),
        signatories=_signatories(seller),
    )
    return attrs.asdict(base, recurse=False)


def build_upd(
    order: Order, company: Company, seller: SellerDetails, shipped_on: date
) -> UpdDocument:
    """The УПД (status 1) of a shipped order: every line, goods and services."""
    number = shipment_number(order.number, "УПД")
    lines = document_lines(order)
    return UpdDocument(**_shipment(order, company, seller, shipped_on, number=number, lines=lines))


_PREFIXES = {PrimaryKind.WAYBILL: "ТН", PrimaryKind.TAX_INVOICE: "СФ", PrimaryKind.ACT: "АКТ"}


def build_primary(
    order: Order, company: Company, seller: SellerDetails, shipped_on: date
) -> list[PrimaryDocument]:
    """ТОРГ-12 for the goods, an act for the services (delivery too), and a счёт-фактура
    for all of it; a document with no lines is not issued."""
    lines = document_lines(order)
    chosen = {
        PrimaryKind.WAYBILL: [line for line in lines if not line.is_service],
        PrimaryKind.ACT: [line for line in lines if line.is_service],
        PrimaryKind.TAX_INVOICE: list(lines),
    }
    documents = []
    for kind, picked in chosen.items():
        if not picked:
            continue
        renumbered = tuple(attrs.evolve(line, number=i) for i, line in enumerate(picked, 1))
        number = shipment_number(order.number, _PREFIXES[kind])
        fields = _shipment(order, company, seller, shipped_on, number=number, lines=renumbered)
        documents.append(PrimaryDocument(kind=kind, **fields))
    return documents


def _signatories(seller: SellerDetails) -> Signatories:
    return Signatories(director=seller.director, accountant=seller.accountant)
