"""The automatic steps of an order, each one idempotent and safe to run again.

Every external call carries a key derived from the order and the step, so a
step repeated after a crash or a lost reply never reserves, invoices or
requests transport twice. A transient failure (:class:`Unavailable`) leaves the
order where it was for the next run; a permanent one (:class:`Rejected`) parks
it in the manager's queue with the error text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from b2bcore.application.context import Services
from b2bcore.application.notify import Notifier, order_recipients
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route
from b2bcore.domain.errors import (
    Conflict,
    DomainError,
    ExternalSystemError,
    Rejected,
    Unavailable,
)
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.reasons import Reason
from b2bcore.ports import InvoiceRecord, ReservationLine, ShipmentState, UnitOfWork

log = logging.getLogger(__name__)
SYSTEM = Actor.system()
S = OrderStatus


@attrs.define
class RunReport:
    """What one pass of the automation did, step by step."""

    done: dict[str, int] = attrs.Factory(dict)
    deferred: int = 0
    failed: int = 0

    def count(self, step: str) -> None:
        self.done[step] = self.done.get(step, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.done.values())


Step = Callable[[UnitOfWork, Order, datetime], str | None]


class Processing:
    def __init__(self, services: Services) -> None:
        self._s = services
        self._notify = Notifier(services)

    def run_once(self) -> RunReport:
        """One pass over every order with an automatic step due, then the periodic jobs."""
        report = RunReport()
        steps: dict[OrderStatus, Step] = {
            S.PLACED: self._reserve,
            S.RESERVED: self._invoice,
            S.SCHEDULED: self._request_transport,
            S.TRANSPORT_REQUESTED: self._poll_shipment,
            S.SHIPPED: self._poll_delivery,
        }
        with self._s.uow() as uow:
            due = list(uow.orders.ids_in_status(steps))
        for order_id in due:
            self._run_step(order_id, steps, report)
        if self._book_payments(report):
            # Only once the payments are seen: an invoice paid in time must not expire.
            self.expire_invoices(report)
        for order_id in self._cancelled_awaiting_follow_up():
            self._run_step(order_id, {S.CANCELLED: self._follow_up_cancellation}, report)
        return report

    def run_until_idle(self, max_passes: int = 20) -> RunReport:
        """Repeat passes while they still change something (for the demo and tests)."""
        total = RunReport()
        for _ in range(max_passes):
            report = self.run_once()
            for step, n in report.done.items():
                total.done[step] = total.done.get(step, 0) + n
            total.failed += report.failed
            total.deferred = report.deferred
            if report.total == 0:
                break
        return total

    # -- one order, one step -----------------------------------------------------

    def _run_step(self, order_id: str, steps: dict[OrderStatus, Step], report: RunReport) -> None:
        now = self._s.clock.now()
        try:
            with self._s.uow() as uow:
                order = uow.orders.get(order_id)
                step = steps.get(order.status)
                if step is None or order.failure is not None:
                    return
                if order.status is S.PLACED and order.route is not Route.AUTOMATIC:
                    return
                done = step(uow, order, now)
                if done:
                    uow.commit()
                    report.count(done)
        except Unavailable as exc:
            log.info("order %s: step deferred, %s", order_id, exc)
            report.deferred += 1
        except Conflict:
            log.info("order %s changed concurrently; it will be picked up again", order_id)
        except (Rejected, DomainError) as exc:
            report.failed += 1
            self._park(order_id, exc)

    def _park(self, order_id: str, exc: DomainError) -> None:
        with self._s.uow() as uow:
            order = uow.orders.get(order_id)
            if order.status.is_terminal:
                return
            order.fail_step(SYSTEM, self._s.clock.now(), order.status.value, str(exc))
            uow.commit()
        log.warning("order %s parked for a manager: %s", order_id, exc)

    def _reserve(self, uow: UnitOfWork, order: Order, now: datetime) -> str:
        company = uow.clients.get(order.client_id).company(order.company_id)
        result = self._s.erp.reserve(
            key=f"{order.id}:reserve:{order.placement_round}",
            order_number=order.number,
            customer=str(company.requisites.inn),
            lines=[ReservationLine(sku=line.sku, quantity=line.quantity) for line in order.lines],
        )
        if result.reference is None:
            reasons = [
                Reason(
                    "stock_short",
                    f"not enough stock of {s.sku}: "
                    f"requested {s.requested}, available {s.available}",
                    {"sku": s.sku, "requested": str(s.requested), "available": str(s.available)},
                )
                for s in result.shortages
            ]
            order.send_to_review(SYSTEM, now, reasons)
            return "sent to review"
        order.reserve(SYSTEM, now, result.reference)
        return "reserved"

    def _invoice(self, uow: UnitOfWork, order: Order, now: datetime) -> str:
        client = uow.clients.get(order.client_id)
        company = client.company(order.company_id)
        number = self._s.number(self._s.settings.invoice_number_prefix, "invoice")
        due = now.date() + timedelta(days=self._s.settings.invoice_due_days)
        order.issue_invoice(SYSTEM, now, number=number, due_date=due)
        self._s.accounting.register_invoice(
            key=f"{order.id}:invoice",
            invoice=InvoiceRecord(
                number=number,
                issued_on=now.date(),
                due_date=due,
                amount=order.gross_total,
                customer_inn=str(company.requisites.inn),
                customer_kpp=str(company.requisites.kpp or ""),
                customer_name=company.requisites.full_name,
            ),
        )
        uow.commit()
        self._notify.invoice_issued(order, order_recipients(client, order))
        return "invoiced"

    def _request_transport(self, _uow: UnitOfWork, order: Order, now: datetime) -> str:
        assert order.reservation is not None
        assert order.delivery_interval is not None
        reference = self._s.erp.request_transport(
            key=f"{order.id}:transport",
            reference=order.reservation,
            interval=order.delivery_interval,
            address=order.delivery_address,
        )
        order.request_transport(SYSTEM, now, reference)
        return "transport requested"

    def _poll_shipment(self, uow: UnitOfWork, order: Order, now: datetime) -> str | None:
        assert order.transport_request is not None
        status = self._s.erp.shipment_status(order.transport_request)
        if status.state is ShipmentState.PENDING:
            return None
        order.ship(SYSTEM, status.at or now, status.reference or order.transport_request)
        uow.commit()
        self._notify.shipped(order, order_recipients(uow.clients.get(order.client_id), order))
        return "shipped"

    def _poll_delivery(self, _uow: UnitOfWork, order: Order, now: datetime) -> str | None:
        assert order.transport_request is not None
        status = self._s.erp.shipment_status(order.transport_request)
        if status.state is not ShipmentState.DELIVERED:
            return None
        order.deliver(SYSTEM, status.at or now)
        return "delivered"

    def _follow_up_cancellation(self, uow: UnitOfWork, order: Order, _now: datetime) -> str | None:
        """Release the reservation, annul the invoice and tell the buyer."""
        if not order.follow_up_pending:
            return None
        if order.release_pending and order.reservation is not None:
            self._s.erp.release(key=f"{order.id}:release", reference=order.reservation)
        if order.annul_pending and order.invoice is not None:
            self._s.accounting.annul_invoice(
                key=f"{order.id}:annul", invoice_number=order.invoice.number
            )
        order.follow_up_done()
        uow.commit()
        self._notify.cancelled(order, order_recipients(uow.clients.get(order.client_id), order))
        return "cancellation followed up"

    def _cancelled_awaiting_follow_up(self) -> list[str]:
        with self._s.uow() as uow:
            return [
                i
                for i in uow.orders.ids_in_status([S.CANCELLED])
                if uow.orders.get(i).follow_up_pending
            ]

    # -- periodic jobs -------------------------------------------------------------

    def poll_payments(self, report: RunReport | None = None) -> RunReport:
        """Book every incoming payment against its invoice; full payment makes the order paid."""
        report = report or RunReport()
        self._book_payments(report)
        return report

    def _book_payments(self, report: RunReport) -> bool:
        """:meth:`poll_payments`; False if accounting could not be read this time."""
        since = self._s.clock.now() - timedelta(days=self._s.settings.payment_lookback_days)
        try:
            payments = self._s.accounting.payments_since(since)
        except Unavailable as exc:
            log.info("payment polling deferred: %s", exc)
            report.deferred += 1
            return False
        except Rejected as exc:
            log.warning("payment polling refused: %s", exc)
            report.failed += 1
            return False
        for payment in payments:
            with self._s.uow() as uow:
                order = uow.orders.find_by_invoice(payment.invoice_number)
                if order is None or order.status is S.CANCELLED:
                    continue
                was_paid = order.status is S.PAID
                booked = order.record_payment(
                    SYSTEM,
                    payment_id=payment.payment_id,
                    amount=payment.amount,
                    received_at=payment.received_at,
                )
                if not booked:
                    continue
                uow.commit()
                report.count("payment booked")
                if order.status is S.PAID and not was_paid:
                    report.count("paid")
                    self._offer_intervals(uow, order)
        return True

    def _offer_intervals(self, uow: UnitOfWork, order: Order) -> None:
        assert order.reservation is not None
        try:
            intervals = self._s.erp.delivery_intervals(
                reference=order.reservation, address=order.delivery_address
            )
        except ExternalSystemError as exc:
            # The payment is already booked; the buyer still gets the mail (intervals are
            # in the cabinet), and a refusal here must not abort the rest of the pass.
            log.info("order %s: delivery intervals not offered by mail: %s", order.id, exc)
            intervals = []
        client = uow.clients.get(order.client_id)
        self._notify.choose_interval(order, order_recipients(client, order), intervals)

    def expire_invoices(self, report: RunReport | None = None) -> RunReport:
        """Cancel orders whose invoice is past due and unpaid."""
        report = report or RunReport()
        today = self._s.clock.now().date()
        with self._s.uow() as uow:
            invoiced = list(uow.orders.ids_in_status([S.INVOICED]))
        for order_id in invoiced:
            with self._s.uow() as uow:
                order = uow.orders.get(order_id)
                if not order.is_invoice_expired(today):
                    continue
                order.expire_invoice(SYSTEM, self._s.clock.now())
                uow.commit()
                report.count("invoice expired")
        return report
