"""Accounting: invoices and incoming payments (1C:КА in the case)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

import attrs


@attrs.frozen(kw_only=True)
class InvoiceRecord:
    number: str
    issued_on: date
    due_date: date
    amount: Decimal
    customer_inn: str
    customer_kpp: str
    customer_name: str


@attrs.frozen(kw_only=True)
class IncomingPayment:
    """A bank payment booked in accounting and matched to an invoice number."""

    payment_id: str
    invoice_number: str
    amount: Decimal
    received_at: datetime


class Accounting(Protocol):
    def register_invoice(self, *, key: str, invoice: InvoiceRecord) -> str:
        """Register the invoice (idempotent by key); returns the accounting reference."""
        ...

    def payments_since(self, since: datetime) -> Sequence[IncomingPayment]:
        """Payments booked at or after ``since``, oldest first."""
        ...

    def annul_invoice(self, *, key: str, invoice_number: str) -> None:
        """Mark the invoice annulled; annulling twice is harmless."""
        ...
