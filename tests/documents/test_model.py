"""Building the invoice and the shipping documents from an order."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from b2bcore.documents.model import (
    DELIVERY_NAME,
    PrimaryKind,
    build_invoice,
    build_primary,
    build_upd,
)
from b2bcore.domain.errors import IllegalTransition, InvalidValue
from b2bcore.domain.money import VatRate
from tests.builders import make_order
from tests.documents.samples import SELLER, SHIPPED_ON, company, invoice_of, order_with, product


def test_invoice_lines_are_the_orders_then_delivery() -> None:
    """Each order line in order, numbered from 1, then delivery as a service."""
    order = order_with([product(1), product(2)])
    doc = invoice_of(order)
    assert [(line.number, line.sku, line.amount) for line in doc.lines[:2]] == [
        (1, "SKU-0001", order.lines[0].gross),
        (2, "SKU-0002", order.lines[1].gross),
    ]
    assert (doc.lines[2].number, doc.lines[2].name, doc.lines[2].unit) == (3, DELIVERY_NAME, "усл")


def test_invoice_totals_match_the_order_to_the_kopeck() -> None:
    """The document's total and VAT are the order's, delivery included."""
    order = order_with([product(n) for n in range(1, 8)])
    doc = invoice_of(order)
    assert doc.totals.amount == order.gross_total
    assert doc.totals.vat == order.totals.vat


def test_invoice_carries_the_orders_invoice_number_and_dates() -> None:
    """Number, date and due date come from the order's invoice."""
    order = order_with([product(1)])
    doc = invoice_of(order)
    assert order.invoice is not None
    assert (doc.number, doc.issued_on, doc.due_date) == (
        order.invoice.number,
        order.invoice.issued_on,
        order.invoice.due_date,
    )


def test_an_order_without_an_invoice_has_no_invoice_document() -> None:
    """Printing the invoice of an order not yet invoiced is refused."""
    with pytest.raises(IllegalTransition):
        build_invoice(make_order(), company(), SELLER)


def test_a_buyer_without_bank_details_is_printed_without_them() -> None:
    """The buyer's bank is optional on an invoice: name, INN, KPP and address remain."""
    doc = invoice_of(order_with([product(1)]), with_bank=False)
    assert doc.buyer.bank is None
    assert "р/с" not in doc.buyer.describe()
    assert "ИНН 7707083893" in doc.buyer.describe()


@pytest.mark.parametrize("field", ["inn", "bank_name", "bik", "settlement_account"])
def test_a_seller_without_requisites_cannot_invoice(field: str) -> None:
    """An invoice nobody can pay is refused, naming the configuration field."""
    seller = attrs.evolve(SELLER, **{field: " "})
    with pytest.raises(InvalidValue, match=f"seller.{field}"):
        build_invoice(order_with([product(1)]), company(), seller)


def test_vat_is_summed_per_rate_in_a_fixed_order() -> None:
    """22 % first, then 10 %, 0 % and "без НДС", each with the VAT its lines contain."""
    rates = [VatRate.NO_VAT, VatRate.VAT0, VatRate.VAT10, VatRate.VAT22]
    doc = invoice_of(order_with([product(i, rate=r) for i, r in enumerate(rates, 1)]))
    assert [rate for rate, _ in doc.totals.vat_by_rate] == [
        VatRate.VAT22,
        VatRate.VAT10,
        VatRate.VAT0,
        VatRate.NO_VAT,
    ]
    assert dict(doc.totals.vat_by_rate)[VatRate.NO_VAT] == Decimal("0.00")
    assert doc.mixed_rates


def test_net_amounts_add_up_to_the_gross() -> None:
    """Without VAT plus VAT is the amount with VAT, on each line."""
    doc = invoice_of(order_with([product(i) for i in range(1, 30)]))
    assert all(line.net_amount + line.vat == line.amount for line in doc.lines)


def test_upd_has_status_one_and_a_number_from_the_order() -> None:
    """The УПД is a счёт-фактура and transfer document, numbered after the order."""
    order = order_with([product(1)])
    upd = build_upd(order, company(), SELLER, SHIPPED_ON)
    assert upd.status == 1
    assert upd.number == f"УПД-{order.number.partition('-')[2]}"
    assert upd.issued_on == SHIPPED_ON
    assert upd.totals.amount == order.gross_total


def test_separate_documents_split_goods_and_services() -> None:
    """ТОРГ-12 lists the goods, the act the services and delivery, the счёт-фактура all."""
    order = order_with([product(1), product(2, unit="усл"), product(3)])
    documents = {d.kind: d for d in build_primary(order, company(), SELLER, SHIPPED_ON)}
    assert [line.sku for line in documents[PrimaryKind.WAYBILL].lines] == ["SKU-0001", "SKU-0003"]
    assert [line.name for line in documents[PrimaryKind.ACT].lines][-1] == DELIVERY_NAME
    assert documents[PrimaryKind.ACT].lines[0].number == 1
    assert documents[PrimaryKind.TAX_INVOICE].totals.amount == order.gross_total


def test_goods_only_without_delivery_issue_no_act() -> None:
    """A document with no lines is not issued."""
    order = order_with([product(1)])
    order.delivery = attrs.evolve(order.delivery, gross=Decimal("0.00"))
    kinds = [d.kind for d in build_primary(order, company(), SELLER, SHIPPED_ON)]
    assert kinds == [PrimaryKind.WAYBILL, PrimaryKind.TAX_INVOICE]
