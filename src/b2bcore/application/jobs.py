"""Periodic jobs: what the worker polls for, since the outside world does not call us."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

import attrs

from b2bcore.application.context import Services
from b2bcore.application.steps import OrderSteps
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import Conflict, ExternalSystemError, Rejected, Unavailable
from b2bcore.domain.order import OrderStatus

log = logging.getLogger(__name__)
SYSTEM = Actor.system()
S = OrderStatus


@attrs.define
class RunReport:
    """What a pass of the automation did, step by step."""

    done: dict[str, int] = attrs.Factory(dict)
    deferred: int = 0
    failed: int = 0

    def count(self, step: str, n: int = 1) -> None:
        self.done[step] = self.done.get(step, 0) + n

    def add(self, other: RunReport) -> None:
        for step, n in other.done.items():
            self.count(step, n)
        self.deferred += other.deferred
        self.failed += other.failed

    @property
    def total(self) -> int:
        return sum(self.done.values())


class Jobs:
    def __init__(
        self, services: Services, *, observe: Callable[[str, float], None] | None = None
    ) -> None:
        self._s = services
        self._observe = observe
        self._steps = OrderSteps(services)
        self._settled: set[tuple[str, str]] = set()
        """(payment id, invoice number) of payments the last poll found booked or moot.
        Accounting reports every payment of the lookback window on each poll; without
        this, each poll would load one order per payment of the last weeks."""
        self._in_transit: dict[str, tuple[str, OrderStatus]] = {}
        """Transport request and status of each order in transit as last loaded: while
        the ERP reports nothing new for it, the order is not loaded again. Goods spend
        days in transit and are polled every few seconds."""

    def run(self, report: RunReport) -> None:
        """Payments first: an invoice paid in time must not be expired by the same pass."""
        started = time.perf_counter()
        payments_read = self.poll_payments(report)
        started = self._timed("payment poll", started)
        if payments_read:
            self.expire_invoices(report)
            started = self._timed("invoice expiry", started)
        self.poll_shipments(report)
        self._timed("shipment poll", started)

    def _timed(self, job: str, started: float) -> float:
        """Tell the observer how long ``job`` took since ``started``; the time now."""
        now = time.perf_counter()
        if self._observe is not None:
            self._observe(job, now - started)
        return now

    def poll_payments(self, report: RunReport) -> bool:
        """Book incoming payments; full payment makes the order paid. False if
        accounting could not be read this time."""
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
        settled: set[tuple[str, str]] = set()
        for payment in payments:
            key = (payment.payment_id, payment.invoice_number)
            if key in self._settled:
                settled.add(key)
                continue
            try:
                with self._s.uow() as uow:
                    order = uow.orders.find_by_invoice(payment.invoice_number)
                    if order is None:
                        continue  # the invoice's order may not be committed yet: look again
                    if order.status is S.CANCELLED:
                        settled.add(key)
                        continue
                    was_paid = order.status is S.PAID
                    if not order.record_payment(
                        SYSTEM,
                        payment_id=payment.payment_id,
                        amount=payment.amount,
                        received_at=payment.received_at,
                    ):
                        settled.add(key)
                        continue
                    uow.commit()
            except Conflict:
                report.deferred += 1  # booked on the next poll: payment ids make it idempotent
                continue
            settled.add(key)
            report.count("payment booked")
            if order.status is S.PAID and not was_paid:
                report.count("paid")
        self._settled = settled  # payments past the lookback are forgotten
        return True

    def expire_invoices(self, report: RunReport) -> None:
        """Cancel orders whose invoice is past due and not paid in full: the overdue ones
        are one query; only those are loaded (and checked again as loaded)."""
        today = self._s.clock.now().date()
        with self._s.uow() as uow:
            overdue = list(uow.orders.overdue_invoices(today))
        for order_id in overdue:
            try:
                with self._s.uow() as uow:
                    order = uow.orders.get(order_id)
                    if not order.is_invoice_expired(today):
                        continue  # paid or cancelled meanwhile
                    order.expire_invoice(SYSTEM, self._s.clock.now())
                    uow.commit()
            except Conflict:
                report.deferred += 1
                continue
            report.count("invoice expired")

    def poll_shipments(self, report: RunReport) -> None:
        with self._s.uow() as uow:
            moving = list(uow.orders.ids_in_status([S.TRANSPORT_REQUESTED, S.SHIPPED]))
        self._in_transit = {i: self._in_transit[i] for i in moving if i in self._in_transit}
        for order_id in moving:
            try:
                answer = None
                known = self._in_transit.get(order_id)
                if known is not None:
                    reference, status = known
                    answer = (reference, self._s.erp.shipment_status(reference))
                    if not OrderSteps.moves_on(status, answer[1].state):
                        continue
                done, order = self._steps.poll_shipment(order_id, answer)
            except (Unavailable, Conflict) as exc:
                log.info("order %s: shipment poll deferred: %s", order_id, exc)
                report.deferred += 1
                continue
            except ExternalSystemError as exc:
                log.warning("order %s: shipment poll refused: %s", order_id, exc)
                report.failed += 1
                continue
            watched = order.status in (S.TRANSPORT_REQUESTED, S.SHIPPED) and order.failure is None
            if watched and order.transport_request is not None:
                self._in_transit[order_id] = (order.transport_request, order.status)
            else:
                self._in_transit.pop(order_id, None)
            if done is not None:
                report.count(done)
