"""An in-memory 1C accounting ledger: invoices in, bank payments out.

The order flow registers each invoice, later polls for payments and annuls
invoices of cancelled orders. Tests and the demo play the bank with
:meth:`AccountingLedger.pay`. It books whatever the bank sends, as 1C does: a
payment against an annulled invoice is still booked and reported, because
money that arrived must be seen (and refunded) by someone.

Like 1C, an invoice number is unique: registering different data under a taken
number is refused with ``Rejected("1c", ...)``; the same invoice again (under
any key) returns its first reference.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs

from b2bcore.adapters.clock import SystemClock
from b2bcore.adapters.faults import FaultPlan
from b2bcore.domain.errors import InvalidValue, NotFound, Rejected
from b2bcore.ports.accounting import IncomingPayment, InvoiceRecord
from b2bcore.ports.clock import Clock

SYSTEM = "1c"


@attrs.frozen(kw_only=True)
class OpenInvoice:
    """An invoice not annulled and not yet paid in full, as the demo's bank sees it."""

    number: str
    customer_name: str
    amount: Decimal
    paid: Decimal
    due_date: date

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


@attrs.define(eq=False)
class _Entry:
    record: InvoiceRecord
    reference: str
    annulled: bool = False


def _aware(field: str, at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue(field, "must be timezone-aware", at.isoformat())
    return at.astimezone(UTC)


@attrs.define(eq=False, kw_only=True)
class AccountingLedger:
    """Invoices by number and the payments booked against them."""

    clock: Clock = attrs.field(factory=SystemClock)
    _invoices: dict[str, _Entry] = attrs.field(factory=dict, init=False)
    _by_key: dict[tuple[str, str], str] = attrs.field(factory=dict, init=False)
    _payments: dict[str, IncomingPayment] = attrs.field(factory=dict, init=False)
    _effects: list[tuple[str, str]] = attrs.field(factory=list, init=False)
    _counters: dict[str, int] = attrs.field(factory=dict, init=False)
    _faults: FaultPlan = attrs.field(factory=FaultPlan, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    # -- the world, as tests and the demo drive it ----------------------------------

    def pay(
        self,
        invoice_number: str,
        amount: Decimal,
        at: datetime | None = None,
        payment_id: str | None = None,
    ) -> IncomingPayment:
        """Book a bank payment against an invoice (``at`` defaults to the clock's now).

        Re-booking the same ``payment_id`` with the same data returns the first
        booking, as a re-imported bank statement does; other data is refused.
        """
        if not isinstance(amount, Decimal) or amount <= 0:
            raise InvalidValue("amount", "must be a positive Decimal", amount)
        received_at = _aware("at", self.clock.now() if at is None else at)
        with self._lock:
            if invoice_number not in self._invoices:
                raise Rejected(SYSTEM, f"unknown invoice {invoice_number}")
            if payment_id is None:
                payment_id = self._next("PP")
                while payment_id in self._payments:
                    payment_id = self._next("PP")
            payment = IncomingPayment(
                payment_id=payment_id,
                invoice_number=invoice_number,
                amount=amount,
                received_at=received_at,
            )
            booked = self._payments.setdefault(payment_id, payment)
            if booked != payment:
                raise Rejected(SYSTEM, f"payment {payment_id} is booked with other data")
            return booked

    def open_invoices(self) -> list[OpenInvoice]:
        """Invoices awaiting (more) money, in the order they were registered."""
        with self._lock:
            paid: dict[str, Decimal] = {}
            for payment in self._payments.values():
                paid[payment.invoice_number] = (
                    paid.get(payment.invoice_number, Decimal(0)) + payment.amount
                )
            return [
                OpenInvoice(
                    number=number,
                    customer_name=entry.record.customer_name,
                    amount=entry.record.amount,
                    paid=paid.get(number, Decimal(0)),
                    due_date=entry.record.due_date,
                )
                for number, entry in self._invoices.items()
                if not entry.annulled and paid.get(number, Decimal(0)) < entry.record.amount
            ]

    def invoice(self, number: str) -> InvoiceRecord:
        with self._lock:
            return self._entry(number).record

    def is_annulled(self, number: str) -> bool:
        with self._lock:
            return self._entry(number).annulled

    @property
    def side_effects(self) -> list[tuple[str, str]]:
        """``(operation, key)`` of each write done for real, in order."""
        with self._lock:
            return list(self._effects)

    def fail_next(self, n: int, error: Exception) -> None:
        """Make the next ``n`` port calls raise ``error`` (e.g. ``Unavailable``)."""
        self._faults.fail_next(n, error)

    # -- Accounting ----------------------------------------------------------------

    def register_invoice(self, *, key: str, invoice: InvoiceRecord) -> str:
        self._faults.check()
        with self._lock:
            first = self._by_key.get(("register_invoice", key))
            if first is not None:
                return first
            existing = self._invoices.get(invoice.number)
            if existing is None:
                if invoice.amount <= 0:
                    raise Rejected(SYSTEM, f"invoice {invoice.number} amount must be positive")
                existing = _Entry(record=invoice, reference=self._next("ACC"))
                self._invoices[invoice.number] = existing
                self._effects.append(("register_invoice", key))
            elif existing.record != invoice:
                raise Rejected(
                    SYSTEM, f"invoice number {invoice.number} is already taken by other data"
                )
            self._by_key[("register_invoice", key)] = existing.reference
            return existing.reference

    def payments_since(self, since: datetime) -> Sequence[IncomingPayment]:
        self._faults.check()
        since = _aware("since", since)
        with self._lock:
            booked = list(self._payments.values())
        # sorted() is stable, so payments at the same instant stay in booking order.
        return sorted((p for p in booked if p.received_at >= since), key=lambda p: p.received_at)

    def annul_invoice(self, *, key: str, invoice_number: str) -> None:
        self._faults.check()
        with self._lock:
            if ("annul_invoice", key) in self._by_key:
                return
            entry = self._invoices.get(invoice_number)
            if entry is None:
                raise Rejected(SYSTEM, f"unknown invoice {invoice_number}")
            if not entry.annulled:
                entry.annulled = True
                self._effects.append(("annul_invoice", key))
            self._by_key[("annul_invoice", key)] = entry.reference

    # -- internals (call with the lock held) ----------------------------------------

    def _entry(self, number: str) -> _Entry:
        try:
            return self._invoices[number]
        except KeyError:
            raise NotFound(f"invoice {number} not found", invoice_number=number) from None

    def _next(self, prefix: str) -> str:
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}-{self._counters[prefix]:06d}"
