"""The automatic steps of an order. Each runs the step its current state calls for.

Every external call carries a key derived from the order and the step, so a
step repeated after a crash or a lost reply never reserves, invoices or
requests transport twice. When the order changed underneath (a buyer cancelled
it while SAP was reserving), the step's commit fails with ``Conflict``; if the
order turns out cancelled, the step undoes its external effect at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from b2bcore.application.context import Services
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route
from b2bcore.domain.errors import Conflict
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.reasons import Reason
from b2bcore.ports import (
    InvoiceRecord,
    ReservationLine,
    ShipmentState,
    ShipmentStatus,
    UnitOfWork,
)

log = logging.getLogger(__name__)
SYSTEM = Actor.system()
S = OrderStatus

Undo = Callable[[], None]
StepResult = tuple[str, Undo | None] | None
"""What a step did (a name for the report) and how to undo its external effect."""


def invoice_number(order_number: str, prefix: str) -> str:
    """The invoice number follows from the order number (``B2B-2026-000123`` gives
    ``СЧ-2026-000123``): a retried step can never invoice under a second number."""
    _, _, rest = order_number.partition("-")
    return f"{prefix}-{rest or order_number}"


class OrderSteps:
    def __init__(self, services: Services) -> None:
        self._s = services

    def advance(self, order_id: str, *, complete: tuple[str, str] | None = None) -> str | None:
        """Run the step due for the order; ``complete`` = (message id, worker) is marked
        processed in the same transaction. Returns the step's name, or None."""
        now = self._s.clock.now()
        undo: Undo | None = None
        try:
            with self._s.uow() as uow:
                order = uow.orders.get(order_id)
                result = self._step_for(uow, order, now)
                if complete is not None:
                    uow.outbox.complete(complete[0], worker=complete[1])
                if result is not None:
                    done, undo = result
                else:
                    done = None
                uow.commit()
                return done
        except Conflict:
            if undo is not None:
                self._undo_if_cancelled(order_id, undo)
            raise

    @staticmethod
    def due(order: Order) -> str | None:
        """The step the order's state calls for, by the name a manager sees; None if none
        is, or a failed one waits for the manager."""
        if order.failure is not None:
            return None
        if order.status is S.PLACED and order.route is Route.AUTOMATIC:
            return "reserve"
        if order.status is S.RESERVED:
            return "invoice"
        if order.status is S.SCHEDULED:
            return "transport"
        if order.status is S.CANCELLED and order.follow_up_pending:
            return "cancellation"
        return None

    def _step_for(self, uow: UnitOfWork, order: Order, now: datetime) -> StepResult:
        step = self.due(order)
        if step == "reserve":
            return self._reserve(uow, order, now)
        if step == "invoice":
            return self._invoice(uow, order, now)
        if step == "transport":
            return self._request_transport(order, now)
        if step == "cancellation":
            return self._follow_up_cancellation(order)
        return None

    def _undo_if_cancelled(self, order_id: str, undo: Undo) -> None:
        with self._s.uow() as uow:
            cancelled = uow.orders.get(order_id).status is S.CANCELLED
        if cancelled:
            log.info("order %s was cancelled while a step ran: undoing its effect", order_id)
            undo()

    def _reserve(self, uow: UnitOfWork, order: Order, now: datetime) -> StepResult:
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
            return "sent to review", None
        reference = result.reference
        order.reserve(SYSTEM, now, reference)

        def release() -> None:
            self._s.erp.release(key=f"{order.id}:release", reference=reference)

        return "reserved", release

    def _invoice(self, uow: UnitOfWork, order: Order, now: datetime) -> StepResult:
        company = uow.clients.get(order.client_id).company(order.company_id)
        number = invoice_number(order.number, self._s.settings.invoice_number_prefix)
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

        def annul() -> None:
            self._s.accounting.annul_invoice(key=f"{order.id}:annul", invoice_number=number)

        return "invoiced", annul

    def _request_transport(self, order: Order, now: datetime) -> StepResult:
        assert order.reservation is not None
        assert order.delivery_interval is not None
        reference = self._s.erp.request_transport(
            key=f"{order.id}:transport",
            reference=order.reservation,
            interval=order.delivery_interval,
            address=order.delivery_address,
        )
        order.request_transport(SYSTEM, now, reference)
        return "transport requested", None

    def _follow_up_cancellation(self, order: Order) -> StepResult:
        """Release the reservation and annul the invoice of a cancelled order."""
        if order.release_pending and order.reservation is not None:
            self._s.erp.release(key=f"{order.id}:release", reference=order.reservation)
        if order.annul_pending and order.invoice is not None:
            self._s.accounting.annul_invoice(
                key=f"{order.id}:annul", invoice_number=order.invoice.number
            )
        order.follow_up_done()
        return "cancellation followed up", None

    # -- polled, not triggered by a message -----------------------------------------

    @staticmethod
    def moves_on(status: OrderStatus, state: ShipmentState) -> bool:
        """Whether the ERP's shipment ``state`` takes an order in ``status`` (transport
        requested, or shipped) a step further: shipped, or delivered."""
        if status is S.TRANSPORT_REQUESTED:
            return state is not ShipmentState.PENDING
        return status is S.SHIPPED and state is ShipmentState.DELIVERED

    def poll_shipment(
        self, order_id: str, answer: tuple[str, ShipmentStatus] | None = None
    ) -> tuple[str | None, Order]:
        """Ask the ERP how a requested transport is doing; ship or deliver accordingly.
        ``answer``: (transport request, status) the caller already asked about, used if
        it is still the order's request. Returns what was done and the order as left."""
        with self._s.uow() as uow:
            order = uow.orders.get(order_id)
            if order.transport_request is None or order.failure is not None:
                return None, order
            if answer is not None and answer[0] == order.transport_request:
                status = answer[1]
            else:
                status = self._s.erp.shipment_status(order.transport_request)
            now = self._s.clock.now()
            done = None
            if order.status is S.TRANSPORT_REQUESTED and self.moves_on(order.status, status.state):
                order.ship(SYSTEM, status.at or now, status.reference or order.transport_request)
                done = "shipped"
            if order.status is S.SHIPPED and self.moves_on(order.status, status.state):
                order.deliver(SYSTEM, status.at or now)
                done = "delivered" if done is None else "shipped and delivered"
            if done is not None:
                uow.commit()
            return done, order
