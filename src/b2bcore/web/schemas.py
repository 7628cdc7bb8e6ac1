"""The JSON API's request and response bodies: explicit DTOs, never domain objects.

Money travels as strings of roubles with kopecks ("1990.00") so no client
parses it as a float; times are ISO 8601 with their offset.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from b2bcore.application import CabinetSummary
from b2bcore.domain.client import Company, Manager
from b2bcore.domain.discount import DiscountStanding
from b2bcore.domain.order import DeliveryInterval, DocumentRef, Order, OrderStatus, Transition
from b2bcore.domain.pricing import OrderLine, Quote
from b2bcore.i18n import translate
from b2bcore.ports import OrderSummary

# -- requests ------------------------------------------------------------------------


MAX_CART = 500
"""Lines in one cart: a request with more, or with none, is refused before any pricing."""


class CartItemIn(msgspec.Struct, forbid_unknown_fields=True):
    sku: str
    quantity: int


Cart = Annotated[
    list[CartItemIn], msgspec.Meta(min_length=1, max_length=MAX_CART, description="Cart lines.")
]


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    items: Cart
    client_id: str | None = None  # a manager names the client; a buyer prices their own


class PlaceIn(msgspec.Struct, forbid_unknown_fields=True):
    company_id: str
    address_id: str
    items: Cart
    client_id: str | None = None


class CancelIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str = ""


class RepeatIn(msgspec.Struct, forbid_unknown_fields=True):
    address_id: str | None = None


class ChooseIntervalIn(msgspec.Struct, forbid_unknown_fields=True):
    interval_id: str


class ApproveIn(msgspec.Struct, forbid_unknown_fields=True):
    note: str = ""


class RejectIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


# -- responses -----------------------------------------------------------------------


class ErrorOut(msgspec.Struct):
    error: str
    message: str
    field: str | None = None


class ManagerOut(msgspec.Struct):
    full_name: str
    email: str
    phone: str

    @classmethod
    def of(cls, manager: Manager) -> ManagerOut:
        return cls(full_name=manager.full_name, email=manager.email, phone=manager.phone)


class DiscountOut(msgspec.Struct):
    percent: Decimal
    volume: Decimal
    next_percent: Decimal | None
    amount_to_next: Decimal | None

    @classmethod
    def of(cls, standing: DiscountStanding) -> DiscountOut:
        return cls(
            percent=standing.current.percent,
            volume=standing.volume,
            next_percent=None if standing.next is None else standing.next.percent,
            amount_to_next=standing.amount_to_next,
        )


class CompanyOut(msgspec.Struct):
    id: str
    name: str
    inn: str
    kpp: str | None
    active: bool

    @classmethod
    def of(cls, company: Company) -> CompanyOut:
        requisites = company.requisites
        return cls(
            id=company.id,
            name=company.name,
            inn=str(requisites.inn),
            kpp=None if requisites.kpp is None else str(requisites.kpp),
            active=company.is_active,
        )


class CabinetOut(msgspec.Struct):
    client_id: str
    client_name: str
    is_supervisor: bool
    discount: DiscountOut
    manager: ManagerOut
    companies: list[CompanyOut]

    @classmethod
    def of(cls, summary: CabinetSummary) -> CabinetOut:
        return cls(
            client_id=summary.client_id,
            client_name=summary.client_name,
            is_supervisor=summary.is_supervisor,
            discount=DiscountOut.of(summary.discount),
            manager=ManagerOut.of(summary.manager),
            companies=[CompanyOut.of(c) for c in summary.companies],
        )


class LineOut(msgspec.Struct):
    sku: str
    name: str
    unit: str
    quantity: int
    list_price: Decimal
    discount_percent: Decimal
    unit_price: Decimal
    price_source: str
    vat_rate: str
    gross: Decimal
    vat: Decimal

    @classmethod
    def of(cls, line: OrderLine) -> LineOut:
        return cls(
            sku=line.sku,
            name=line.name,
            unit=line.unit,
            quantity=line.quantity,
            list_price=line.list_price,
            discount_percent=line.discount_percent,
            unit_price=line.unit_price,
            price_source=line.price_source.value,
            vat_rate=line.vat_rate.value,
            gross=line.gross,
            vat=line.vat,
        )


class QuoteOut(msgspec.Struct):
    lines: list[LineOut]
    discount_percent: Decimal
    goods_gross: Decimal
    delivery_gross: Decimal
    gross: Decimal
    vat: Decimal

    @classmethod
    def of(cls, quote: Quote) -> QuoteOut:
        totals = quote.totals
        return cls(
            lines=[LineOut.of(line) for line in quote.lines],
            discount_percent=quote.discount_percent,
            goods_gross=totals.goods_gross,
            delivery_gross=totals.delivery_gross,
            gross=totals.gross,
            vat=totals.vat,
        )


class IntervalOut(msgspec.Struct):
    id: str
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, interval: DeliveryInterval) -> IntervalOut:
        return cls(id=interval.id, starts_at=interval.starts_at, ends_at=interval.ends_at)


class InvoiceOut(msgspec.Struct):
    number: str
    issued_on: date
    due_date: date
    amount: Decimal
    annulled: bool


class DocumentOut(msgspec.Struct):
    kind: str
    number: str
    issued_on: date
    key: str

    @classmethod
    def of(cls, ref: DocumentRef) -> DocumentOut:
        return cls(kind=ref.kind, number=ref.number, issued_on=ref.issued_on, key=ref.storage_key)


class TransitionOut(msgspec.Struct):
    at: datetime
    action: str
    from_status: str | None
    to_status: str
    reason: str

    @classmethod
    def of(cls, transition: Transition) -> TransitionOut:
        before = transition.from_status
        return cls(
            at=transition.at,
            action=transition.action,
            from_status=None if before is None else before.value,
            to_status=transition.to_status.value,
            reason=transition.reason,
        )


@functools.cache
def _status_text(status: OrderStatus) -> str:
    """A status's name in the default locale: the same for every line of a list."""
    return translate(f"status:{status.value}")


class OrderSummaryOut(msgspec.Struct):
    id: str
    number: str
    client_id: str
    company_id: str
    status: str
    status_text: str
    placed_at: datetime
    gross_total: Decimal
    amount_due: Decimal

    @classmethod
    def of(cls, order: Order) -> OrderSummaryOut:
        return cls.of_summary(OrderSummary.of(order))

    @classmethod
    def of_summary(cls, summary: OrderSummary) -> OrderSummaryOut:
        return cls(
            id=summary.id,
            number=summary.number,
            client_id=summary.client_id,
            company_id=summary.company_id,
            status=summary.status.value,
            status_text=_status_text(summary.status),
            placed_at=summary.placed_at,
            gross_total=summary.gross_total,
            amount_due=summary.amount_due,
        )


class OrderOut(msgspec.Struct):
    summary: OrderSummaryOut
    lines: list[LineOut]
    discount_percent: Decimal
    delivery_gross: Decimal
    delivery_address: str
    invoice: InvoiceOut | None
    delivery_interval: IntervalOut | None
    documents: list[DocumentOut]
    cancel_reason: str
    history: list[TransitionOut]

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        invoice = order.invoice
        return cls(
            summary=OrderSummaryOut.of(order),
            lines=[LineOut.of(line) for line in order.lines],
            discount_percent=order.discount_percent,
            delivery_gross=order.delivery.gross,
            delivery_address=order.delivery_address,
            invoice=None
            if invoice is None
            else InvoiceOut(
                number=invoice.number,
                issued_on=invoice.issued_on,
                due_date=invoice.due_date,
                amount=invoice.amount,
                annulled=invoice.annulled,
            ),
            delivery_interval=None
            if order.delivery_interval is None
            else IntervalOut.of(order.delivery_interval),
            documents=[DocumentOut.of(ref) for ref in order.documents],
            cancel_reason=order.cancel_reason,
            history=[TransitionOut.of(t) for t in order.history],
        )
