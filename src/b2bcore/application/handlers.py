"""What the worker does with each kind of outbox message.

Order messages advance the order by the step its state calls for; notification
messages send a mail (keyed, so a retried message never mails twice). Every
handler marks its message processed in a transaction of its own change, or on
its own when it changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from b2bcore.application.context import Services
from b2bcore.application.documents import Documents
from b2bcore.application.notify import Notifier, order_recipients
from b2bcore.application.steps import OrderSteps
from b2bcore.domain.errors import ExternalSystemError
from b2bcore.ports import ClaimedMessage, UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[ClaimedMessage], str | None]

ORDER_STEPS = {
    "OrderPlaced": "reserve",
    "OrderApproved": "reserve",
    "OrderReserved": "invoice",
    "DeliveryIntervalChosen": "transport",
    "OrderCancelled": "cancellation",
}
"""The order step each topic triggers; its failure parks the order for a manager (a
failed mail does not). The step's name is what the manager sees and retries."""

HANDLED_TOPICS = frozenset(
    {
        *ORDER_STEPS,
        "StepRetried",
        "InvoiceIssued",
        "OrderPaid",
        "OrderShipped",
        "OrderSentToReview",
        "DiscountChanged",
    }
)
"""The events the worker acts on: the only ones the application writes to the outbox
(``bootstrap``). Any other event (``PaymentRecorded``, ``OrderDelivered``, …) would
be written, claimed and marked done for nothing."""


class Handlers:
    def __init__(self, services: Services) -> None:
        self._s = services
        self._steps = OrderSteps(services)
        self._mail = Notifier(services, strict=True)
        self._documents = Documents(services)
        self._table: dict[str, Handler] = {
            "OrderPlaced": self._advance,
            "OrderApproved": self._advance,
            "OrderReserved": self._advance,
            "DeliveryIntervalChosen": self._advance,
            "OrderCancelled": self._cancelled,
            "StepRetried": self._retried,
            "InvoiceIssued": self._invoice_issued,
            "OrderPaid": self._paid,
            "OrderShipped": self._shipped,
            "OrderSentToReview": self._sent_to_review,
            "DiscountChanged": self._discount_changed,
        }

    @property
    def topics(self) -> frozenset[str]:
        """The topics with a handler (a test holds :data:`HANDLED_TOPICS` to this)."""
        return frozenset(self._table)

    def handle(self, claimed: ClaimedMessage) -> str | None:
        return self._table.get(claimed.message.topic, self._nothing_to_do)(claimed)

    def step_of(self, claimed: ClaimedMessage) -> str | None:
        """The order step the message runs (for a retried step, the one being retried);
        ``None`` for a notification."""
        if claimed.message.topic == "StepRetried":
            return str(claimed.message.payload.get("step", ""))
        return ORDER_STEPS.get(claimed.message.topic)

    # -- order steps ---------------------------------------------------------------

    def _advance(self, claimed: ClaimedMessage) -> str | None:
        return self._steps.advance(
            claimed.message.aggregate_id, complete=(claimed.message.id, claimed.worker)
        )

    def _cancelled(self, claimed: ClaimedMessage) -> str | None:
        with self._s.uow() as uow:
            order = uow.orders.get(claimed.message.aggregate_id)
            recipients = order_recipients(uow.clients.get(order.client_id), order)
        self._mail.cancelled(order, recipients)
        return self._advance(claimed)

    def _retried(self, claimed: ClaimedMessage) -> str | None:
        """Only order steps are parked, and the order's state says which one is due."""
        return self._advance(claimed)

    # -- notifications ----------------------------------------------------------------
    # Each reads what it needs and marks its message processed in one unit of work,
    # held open across the mail (reads end their own transactions at once, see the
    # adapters): one connection per message instead of three.

    def _invoice_issued(self, claimed: ClaimedMessage) -> str | None:
        """The invoice PDF is stored, listed on the order and mailed with the bytes just
        rendered; the listing commits with the message (each step once: a retry finds
        the invoice listed, or renders it again, and the mail's key absorbs a repeat)."""
        with self._s.uow() as uow:
            order = uow.orders.get(claimed.message.aggregate_id)
            if order.invoice is None or order.invoice.annulled:
                return self._complete_in(uow, claimed, None)
            recipients = order_recipients(uow.clients.get(order.client_id), order)
            (invoice,) = self._documents.issue_in(uow, order, shipping=False)
            attachment = self._documents.attachment(invoice.ref, invoice.data)
            self._mail.invoice_issued(order, recipients, [attachment])
            return self._complete_in(uow, claimed, "invoice mailed")

    def _paid(self, claimed: ClaimedMessage) -> str | None:
        with self._s.uow() as uow:
            order = uow.orders.get(claimed.message.aggregate_id)
            recipients = order_recipients(uow.clients.get(order.client_id), order)
            intervals = []
            if order.reservation is not None:
                try:
                    intervals = list(
                        self._s.erp.delivery_intervals(
                            reference=order.reservation, address=order.delivery_address
                        )
                    )
                except ExternalSystemError as exc:
                    # The buyer still learns the order is paid; the cabinet lists intervals.
                    log.info("order %s: intervals not offered by mail: %s", order.id, exc)
            self._mail.choose_interval(order, recipients, intervals)
            return self._complete_in(uow, claimed, "interval requested")

    def _shipped(self, claimed: ClaimedMessage) -> str | None:
        """The primary documents (УПД, or ТОРГ-12 + счёт-фактура + act) go to the cabinet,
        listed on the order in the commit that completes the message."""
        with self._s.uow() as uow:
            order = uow.orders.get(claimed.message.aggregate_id)
            self._documents.issue_in(uow, order, shipping=True)
            recipients = order_recipients(uow.clients.get(order.client_id), order)
            self._mail.shipped(order, recipients)
            return self._complete_in(uow, claimed, "shipment mailed")

    def _sent_to_review(self, claimed: ClaimedMessage) -> str | None:
        with self._s.uow() as uow:
            order = uow.orders.get(claimed.message.aggregate_id)
            manager = uow.managers.get(uow.clients.get(order.client_id).manager_id)
            self._mail.review_needed(order, manager)
            return self._complete_in(uow, claimed, "manager told")

    def _discount_changed(self, claimed: ClaimedMessage) -> str | None:
        payload = claimed.message.payload
        with self._s.uow() as uow:
            client = uow.clients.get(claimed.message.aggregate_id)
            self._mail.discount_changed(client, payload["old_percent"], payload["new_percent"])
            return self._complete_in(uow, claimed, "discount mailed")

    def _nothing_to_do(self, claimed: ClaimedMessage) -> str | None:
        with self._s.uow() as uow:
            return self._complete_in(uow, claimed, None)

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _complete_in(uow: UnitOfWork, claimed: ClaimedMessage, done: str | None) -> str | None:
        uow.outbox.complete(claimed.message.id, worker=claimed.worker)
        uow.commit()
        return done
