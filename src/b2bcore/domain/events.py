"""Domain events: facts the aggregates record as they change.

Use cases collect them after a successful change; the ones that must cause an
external call (reserve, invoice, mail, ...) go to the outbox in the same
transaction as the change itself.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs


@attrs.frozen(kw_only=True)
class DomainEvent:
    occurred_at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__


@attrs.frozen(kw_only=True)
class ClientRegistered(DomainEvent):
    client_id: str
    company_id: str


@attrs.frozen(kw_only=True)
class CompanyAdded(DomainEvent):
    client_id: str
    company_id: str


@attrs.frozen(kw_only=True)
class DiscountChanged(DomainEvent):
    client_id: str
    old_percent: Decimal
    new_percent: Decimal


@attrs.frozen(kw_only=True)
class OrderEvent(DomainEvent):
    order_id: str


@attrs.frozen(kw_only=True)
class OrderPlaced(OrderEvent):
    route: str


@attrs.frozen(kw_only=True)
class OrderSentToReview(OrderEvent):
    reasons: tuple[str, ...]


@attrs.frozen(kw_only=True)
class OrderApproved(OrderEvent):
    pass


@attrs.frozen(kw_only=True)
class OrderReserved(OrderEvent):
    reference: str


@attrs.frozen(kw_only=True)
class InvoiceIssued(OrderEvent):
    invoice_number: str


@attrs.frozen(kw_only=True)
class PaymentRecorded(OrderEvent):
    payment_id: str
    amount: Decimal


@attrs.frozen(kw_only=True)
class OrderPaid(OrderEvent):
    pass


@attrs.frozen(kw_only=True)
class DeliveryIntervalChosen(OrderEvent):
    interval_id: str


@attrs.frozen(kw_only=True)
class TransportRequested(OrderEvent):
    reference: str


@attrs.frozen(kw_only=True)
class OrderShipped(OrderEvent):
    reference: str


@attrs.frozen(kw_only=True)
class OrderDelivered(OrderEvent):
    pass


@attrs.frozen(kw_only=True)
class OrderCancelled(OrderEvent):
    reason: str
    release_reservation: bool
    annul_invoice: bool
    refund_due: Decimal


@attrs.frozen(kw_only=True)
class StepRetried(OrderEvent):
    """A manager cleared a failed step; ``step`` is the topic of the message that failed."""

    step: str
