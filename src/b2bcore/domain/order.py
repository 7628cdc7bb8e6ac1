"""The Order aggregate and its state machine.

::

    placed ──auto──▶ (reserve) ─▶ reserved ─▶ invoiced ─▶ paid ─▶ scheduled
       │  ▲                                      (partial payments keep it invoiced)
       │  └──approve── in_review ◀── stock short on reserve / a step failed for good
       └──manual─────▶ in_review ──reject──▶ cancelled
    scheduled ─▶ transport_requested ─▶ shipped ─▶ delivered

Approval returns the order to ``placed`` on the automatic track, so the next
automatic step reserves it exactly as it would an order the policy let through.

Cancel: a buyer before ``paid``; a manager before ``shipped``; the system only
when the invoice expired unpaid. Every method either changes the order,
records a history entry and a domain event and bumps ``version``, or raises a
:class:`~b2bcore.domain.errors.DomainError` and leaves the order as it was.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import attrs

from b2bcore.domain import events as ev
from b2bcore.domain import history as noted
from b2bcore.domain.actors import Actor, ActorKind
from b2bcore.domain.autoprocessing import Route, RoutingDecision
from b2bcore.domain.errors import IllegalTransition, InvalidValue, PermissionDenied
from b2bcore.domain.money import ZERO, to_money
from b2bcore.domain.pricing import DeliveryCharge, OrderLine, Totals
from b2bcore.domain.reasons import Reason


class OrderStatus(enum.Enum):
    PLACED = "placed"
    IN_REVIEW = "in_review"
    RESERVED = "reserved"
    INVOICED = "invoiced"
    PAID = "paid"
    SCHEDULED = "scheduled"
    TRANSPORT_REQUESTED = "transport_requested"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)


S = OrderStatus
_BUYER_MAY_CANCEL = frozenset({S.PLACED, S.IN_REVIEW, S.RESERVED, S.INVOICED})
_MANAGER_MAY_CANCEL = _BUYER_MAY_CANCEL | {S.PAID, S.SCHEDULED, S.TRANSPORT_REQUESTED}
_HOLDS_RESERVATION = frozenset({S.RESERVED, S.INVOICED, S.PAID, S.SCHEDULED, S.TRANSPORT_REQUESTED})
_PAID_OR_LATER = frozenset({S.PAID, S.SCHEDULED, S.TRANSPORT_REQUESTED, S.SHIPPED, S.DELIVERED})
_OPERATORS = frozenset({ActorKind.SYSTEM, ActorKind.MANAGER})


@attrs.frozen(kw_only=True)
class Transition:
    """One line of an order's history.

    ``notes`` say what happened in codes and params (:mod:`b2bcore.domain.history`),
    which interfaces render in their language; ``reason`` is the same in English
    text, the notes' texts joined by "; ". The text stays stored rather than
    derived: the JSON API, logs and events have always carried it, and history
    written before notes existed has only the text (its ``notes`` are empty, and
    interfaces show the text as it was stored).
    """

    at: datetime
    actor: Actor
    action: str
    from_status: OrderStatus | None
    to_status: OrderStatus
    reason: str = ""
    notes: tuple[Reason, ...] = ()


@attrs.frozen(kw_only=True)
class Invoice:
    number: str
    issued_on: date
    due_date: date
    amount: Decimal
    annulled: bool = False


@attrs.frozen(kw_only=True)
class Payment:
    payment_id: str
    amount: Decimal
    received_at: datetime


@attrs.frozen(kw_only=True)
class DeliveryInterval:
    id: str
    starts_at: datetime
    ends_at: datetime

    def __attrs_post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise InvalidValue("delivery_interval", "must end after it starts", self.id)


@attrs.frozen(kw_only=True)
class DocumentRef:
    """A document kept in document storage and listed on the order."""

    kind: str
    number: str
    issued_on: date
    storage_key: str


@attrs.frozen(kw_only=True)
class StepFailure:
    """An automatic step that failed for good; the order waits in the manager's queue."""

    step: str
    error: str
    at: datetime


@attrs.define(eq=False, kw_only=True)
class Order:
    id: str
    number: str
    client_id: str
    company_id: str
    contact_id: str
    placed_at: datetime
    lines: tuple[OrderLine, ...]
    delivery: DeliveryCharge
    delivery_address: str
    discount_percent: Decimal
    status: OrderStatus = OrderStatus.PLACED
    route: Route = Route.AUTOMATIC
    route_reasons: tuple[Reason, ...] = ()
    reservation: str | None = None
    invoice: Invoice | None = None
    payments: tuple[Payment, ...] = ()
    delivery_interval: DeliveryInterval | None = None
    transport_request: str | None = None
    shipment: str | None = None
    documents: tuple[DocumentRef, ...] = ()
    cancel_reason: str = ""
    failure: StepFailure | None = None
    release_pending: bool = False
    annul_pending: bool = False
    follow_up_pending: bool = False
    history: tuple[Transition, ...] = ()
    version: int = 0
    events: list[ev.DomainEvent] = attrs.field(factory=list, repr=False)

    # -- creation --------------------------------------------------------------

    @classmethod
    def place(
        cls,
        *,
        order_id: str,
        number: str,
        client_id: str,
        company_id: str,
        contact_id: str,
        lines: Iterable[OrderLine],
        delivery: DeliveryCharge,
        delivery_address: str,
        discount_percent: Decimal,
        decision: RoutingDecision,
        actor: Actor,
        now: datetime,
    ) -> Order:
        """A new order, routed at once: automatic stays ``placed``, manual goes to review."""
        priced = tuple(lines)
        if not priced:
            raise InvalidValue("lines", "an order needs at least one line")
        if not delivery_address.strip():
            raise InvalidValue("delivery_address", "must not be empty")
        order = cls(
            id=order_id,
            number=number,
            client_id=client_id,
            company_id=company_id,
            contact_id=contact_id,
            placed_at=now,
            lines=priced,
            delivery=delivery,
            delivery_address=delivery_address,
            discount_percent=discount_percent,
            route=decision.route,
            route_reasons=decision.failures,
        )
        order._record(actor, now, "place", S.PLACED, first=True)
        order.events.append(
            ev.OrderPlaced(occurred_at=now, order_id=order_id, route=decision.route.value)
        )
        if decision.route is Route.MANUAL:
            order._to_review(actor, now, decision.failures)
        return order

    # -- queries ---------------------------------------------------------------

    @property
    def totals(self) -> Totals:
        return Totals.of(self.lines, self.delivery)

    @property
    def gross_total(self) -> Decimal:
        return self.totals.gross

    @property
    def amount_paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def amount_due(self) -> Decimal:
        return max(self.gross_total - self.amount_paid, ZERO)

    @property
    def overpayment(self) -> Decimal:
        return max(self.amount_paid - self.gross_total, ZERO)

    @property
    def paid_at(self) -> datetime | None:
        """When the order became paid (the discount window counts this moment)."""
        return next((t.at for t in self.history if t.to_status is S.PAID), None)

    @property
    def placement_round(self) -> int:
        """How many times the order entered ``placed``: a fresh reservation key per round."""
        return sum(1 for t in self.history if t.to_status is S.PLACED)

    @property
    def needs_manager(self) -> bool:
        """In the manager's queue: refused by the policy, short of stock, or a step failed."""
        return self.status is S.IN_REVIEW or self.failure is not None

    @property
    def holds_reservation(self) -> bool:
        return self.reservation is not None and self.status in _HOLDS_RESERVATION

    # -- manager review --------------------------------------------------------

    def send_to_review(self, actor: Actor, now: datetime, reasons: Iterable[Reason]) -> None:
        """A step failed for good or stock was short: a manager must look."""
        self._require(actor, "send to review", {S.PLACED}, _OPERATORS)
        self._to_review(actor, now, tuple(reasons))

    def approve(self, actor: Actor, now: datetime, note: str = "") -> None:
        self._require(actor, "approve", {S.IN_REVIEW}, {ActorKind.MANAGER})
        self.route = Route.AUTOMATIC
        self._record(actor, now, "approve", S.PLACED, noted.approved(note))
        self.events.append(ev.OrderApproved(occurred_at=now, order_id=self.id))

    def adjust(
        self,
        actor: Actor,
        now: datetime,
        *,
        lines: Iterable[OrderLine],
        delivery: DeliveryCharge | None = None,
        discount_percent: Decimal | None = None,
    ) -> None:
        """A manager changes lines, prices or discount while the order is in review."""
        self._require(actor, "adjust", {S.IN_REVIEW}, {ActorKind.MANAGER})
        new_lines = tuple(lines)
        if not new_lines:
            raise InvalidValue("lines", "an order needs at least one line")
        self.lines = new_lines
        if delivery is not None:
            self.delivery = delivery
        if discount_percent is not None:
            self.discount_percent = discount_percent
        self._record(actor, now, "adjust", S.IN_REVIEW, noted.adjusted())

    def reject(self, actor: Actor, now: datetime, reason: str) -> None:
        self._require(actor, "reject", {S.IN_REVIEW}, {ActorKind.MANAGER})
        self._cancel(actor, now, "reject", noted.rejected(reason))

    # -- automatic steps -------------------------------------------------------

    def reserve(self, actor: Actor, now: datetime, reference: str) -> None:
        self._require(actor, "reserve", {S.PLACED}, _OPERATORS)
        self.reservation = reference
        self._record(actor, now, "reserve", S.RESERVED)
        self.events.append(ev.OrderReserved(occurred_at=now, order_id=self.id, reference=reference))

    def issue_invoice(self, actor: Actor, now: datetime, *, number: str, due_date: date) -> None:
        self._require(actor, "issue an invoice for", {S.RESERVED}, _OPERATORS)
        if due_date < now.date():
            raise InvalidValue("due_date", "must not be before the invoice date", due_date)
        self.invoice = Invoice(
            number=number, issued_on=now.date(), due_date=due_date, amount=self.gross_total
        )
        self._record(
            actor,
            now,
            "issue invoice",
            S.INVOICED,
            noted.invoice_issued(number, self.invoice.amount, due_date),
        )
        self.events.append(
            ev.InvoiceIssued(occurred_at=now, order_id=self.id, invoice_number=number)
        )

    def record_payment(
        self, actor: Actor, *, payment_id: str, amount: Decimal, received_at: datetime
    ) -> bool:
        """Book a payment; returns False if this payment was already booked (idempotent).

        Partial payments keep the order invoiced; the one that completes the sum
        makes it paid. Money received after that is kept as overpayment.
        """
        allowed = {S.INVOICED} | _PAID_OR_LATER
        self._require(actor, "record a payment for", allowed, _OPERATORS)
        value = to_money(amount, field="amount")
        if value <= 0:
            raise InvalidValue("amount", "a payment must be positive", amount)
        if any(p.payment_id == payment_id for p in self.payments):
            return False
        self.payments = (
            *self.payments,
            Payment(payment_id=payment_id, amount=value, received_at=received_at),
        )
        self.events.append(
            ev.PaymentRecorded(
                occurred_at=received_at, order_id=self.id, payment_id=payment_id, amount=value
            )
        )
        if self.status is S.INVOICED and self.amount_paid >= self.gross_total:
            paid = noted.paid_in_full(self.amount_paid)
            self._record(actor, received_at, "record payment", S.PAID, paid)
            self.events.append(ev.OrderPaid(occurred_at=received_at, order_id=self.id))
        else:
            self.version += 1
        return True

    def choose_delivery_interval(
        self, actor: Actor, now: datetime, interval: DeliveryInterval
    ) -> None:
        self._require(
            actor, "choose a delivery interval for", {S.PAID}, {ActorKind.BUYER, ActorKind.MANAGER}
        )
        if interval.starts_at < now:
            raise InvalidValue("delivery_interval", "must start in the future", interval.id)
        self.delivery_interval = interval
        chosen = noted.delivery_interval(interval.id, interval.starts_at, interval.ends_at)
        self._record(actor, now, "choose delivery interval", S.SCHEDULED, chosen)
        self.events.append(
            ev.DeliveryIntervalChosen(occurred_at=now, order_id=self.id, interval_id=interval.id)
        )

    def request_transport(self, actor: Actor, now: datetime, reference: str) -> None:
        self._require(actor, "request transport for", {S.SCHEDULED}, _OPERATORS)
        self.transport_request = reference
        self._record(
            actor,
            now,
            "request transport",
            S.TRANSPORT_REQUESTED,
            noted.transport_requested(reference),
        )
        self.events.append(
            ev.TransportRequested(occurred_at=now, order_id=self.id, reference=reference)
        )

    def ship(self, actor: Actor, now: datetime, reference: str) -> None:
        self._require(actor, "ship", {S.TRANSPORT_REQUESTED}, _OPERATORS)
        self.shipment = reference
        self._record(actor, now, "ship", S.SHIPPED, noted.shipped(reference))
        self.events.append(ev.OrderShipped(occurred_at=now, order_id=self.id, reference=reference))

    def deliver(self, actor: Actor, now: datetime) -> None:
        self._require(actor, "deliver", {S.SHIPPED}, _OPERATORS)
        self._record(actor, now, "deliver", S.DELIVERED)
        self.events.append(ev.OrderDelivered(occurred_at=now, order_id=self.id))

    def attach_document(self, document: DocumentRef) -> None:
        if any(d.storage_key == document.storage_key for d in self.documents):
            return
        self.documents = (*self.documents, document)
        self.version += 1

    def fail_step(self, actor: Actor, now: datetime, step: str, error: str) -> None:
        """Park the order in the manager's queue after a step failed for good."""
        if actor.kind not in _OPERATORS:
            raise PermissionDenied("only the system or a manager records a failed step")
        if self.status.is_terminal:
            raise IllegalTransition(action="record a failed step of", state=self.status.value)
        self.failure = StepFailure(step=step, error=error, at=now)
        self.version += 1

    def retry_step(self, actor: Actor, now: datetime) -> None:
        """A manager clears a failed step so the automation tries it again."""
        if not actor.is_manager:
            raise PermissionDenied("only a manager retries a failed step")
        if self.failure is None:
            raise IllegalTransition(
                action="retry", state=self.status.value, detail="no step failed"
            )
        step = self.failure.step
        self.failure = None
        self.version += 1
        self.events.append(ev.StepRetried(occurred_at=now, order_id=self.id, step=step))

    # -- cancellation ----------------------------------------------------------

    def cancel(self, actor: Actor, now: datetime, reason: str = "") -> None:
        """Cancel by the rules of the actor's kind (see the module docstring)."""
        if actor.kind is ActorKind.SYSTEM:
            self.expire_invoice(actor, now)
            return
        allowed = _BUYER_MAY_CANCEL if actor.kind is ActorKind.BUYER else _MANAGER_MAY_CANCEL
        self._require(actor, "cancel", allowed, {actor.kind})
        self._cancel(actor, now, "cancel", noted.cancelled(actor.kind, reason))

    def is_invoice_expired(self, today: date) -> bool:
        return (
            self.status is S.INVOICED and self.invoice is not None and today > self.invoice.due_date
        )

    def expire_invoice(self, actor: Actor, now: datetime) -> None:
        """The system cancels an order whose invoice is past due and not paid in full."""
        self._require(actor, "expire the invoice of", {S.INVOICED}, {ActorKind.SYSTEM})
        invoice = self.invoice
        if invoice is None or not self.is_invoice_expired(now.date()):
            due = "" if invoice is None else f"invoice {invoice.number} is due {invoice.due_date}"
            raise IllegalTransition(
                action="expire the invoice of", state=self.status.value, detail=due
            )
        expired = noted.invoice_expired(invoice.number, invoice.due_date)
        self._cancel(actor, now, "expire invoice", expired)

    def _cancel(self, actor: Actor, now: datetime, action: str, why: Reason) -> None:
        reason = why.text
        release = self.holds_reservation
        annul = self.invoice is not None and not self.invoice.annulled
        if self.invoice is not None:
            self.invoice = attrs.evolve(self.invoice, annulled=True)
        self.cancel_reason = reason
        self.release_pending = release
        self.annul_pending = annul
        self.follow_up_pending = True
        self._record(actor, now, action, S.CANCELLED, why)
        self.events.append(
            ev.OrderCancelled(
                occurred_at=now,
                order_id=self.id,
                reason=reason,
                release_reservation=release,
                annul_invoice=annul,
                refund_due=self.amount_paid,
            )
        )

    def follow_up_done(self) -> None:
        """The reservation is released, the invoice annulled and the buyer told."""
        if self.status is not S.CANCELLED:
            raise IllegalTransition(action="follow up the cancellation of", state=self.status.value)
        self.release_pending = self.annul_pending = self.follow_up_pending = False
        self.version += 1

    # -- internals -------------------------------------------------------------

    def _to_review(self, actor: Actor, now: datetime, reasons: tuple[Reason, ...]) -> None:
        self.route = Route.MANUAL
        self.route_reasons = reasons
        self._record(actor, now, "send to review", S.IN_REVIEW, *reasons)
        self.events.append(
            ev.OrderSentToReview(
                occurred_at=now, order_id=self.id, reasons=tuple(r.code for r in reasons)
            )
        )

    def _require(
        self,
        actor: Actor,
        action: str,
        states: Iterable[OrderStatus],
        kinds: Iterable[ActorKind],
    ) -> None:
        if actor.kind not in set(kinds):
            raise PermissionDenied(
                f"a {actor.kind.value} may not {action} an order",
                action=action,
                actor=actor.kind.value,
            )
        if actor.is_buyer and actor.client_id != self.client_id:
            raise PermissionDenied(f"order {self.number} belongs to another client", action=action)
        if self.status not in set(states):
            raise IllegalTransition(action=action, state=self.status.value)

    def _record(
        self,
        actor: Actor,
        now: datetime,
        action: str,
        to_status: OrderStatus,
        *notes: Reason,
        first: bool = False,
    ) -> None:
        previous = None if first else self.status
        self.history = (
            *self.history,
            Transition(
                at=now,
                actor=actor,
                action=action,
                from_status=previous,
                to_status=to_status,
                reason="; ".join(n.text for n in notes),
                notes=notes,
            ),
        )
        self.status = to_status
        self.version += 1
