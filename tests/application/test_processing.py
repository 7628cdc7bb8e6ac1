"""The worker: every automatic step, exactly once, and what it does when a system fails.

"Exactly once" is checked on the simulators' own record of the writes they did
for real (``side_effects``) and on their state (stock reserved, invoices
registered and annulled), not on calls.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from b2bcore.adapters.clock import FixedClock
from b2bcore.adapters.persistence.memory import InMemoryOrderRepository
from b2bcore.application import B2B, HANDLED_TOPICS
from b2bcore.application.handlers import Handlers
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.ports import ShipmentStatus
from tests.builders import (
    EMPLOYEE_EMAIL,
    SUPERVISOR_EMAIL,
    Cast,
    pay_in_full,
    place_order,
    read_order,
)

S = OrderStatus


def effects_for(world: InMemoryWorld, order: Order) -> list[str]:
    """The real ERP and accounting writes done for ``order``, by operation."""
    writes = [*world.erp.side_effects, *world.ledger.side_effects]
    return sorted(operation for operation, key in writes if key.startswith(order.id))


def invoiced(app: B2B, cast: Cast, **quantities: int) -> Order:
    """An order of client A, reserved and invoiced by the worker."""
    order = place_order(app, cast, **quantities)
    app.processing.run_until_idle()
    stored = read_order(app, order.id)
    assert stored.status is S.INVOICED
    return stored


def subjects(world: InMemoryWorld, email: str) -> list[str]:
    return [m.subject for m in world.mailer.to(email)]


# -- the happy path ----------------------------------------------------------------------


def test_order_goes_from_placed_to_delivered(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """Reserve, invoice, payment, interval, transport, shipment, delivery: every status in turn."""
    order = place_order(app, cast, PAPER=10, BOOK=2)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.INVOICED
    pay_in_full(world, app, order.id)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.PAID
    app.ordering.choose_delivery_interval(cast.supervisor, order.id, "2026-11-27T09")
    app.processing.run_once()
    stored = read_order(app, order.id)
    assert stored.status is S.TRANSPORT_REQUESTED
    assert stored.transport_request is not None
    world.erp.ship(stored.transport_request)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.SHIPPED
    world.erp.deliver(stored.transport_request)
    app.processing.run_once()

    seen = [t.to_status for t in read_order(app, order.id).history]
    assert seen == [
        S.PLACED,
        S.RESERVED,
        S.INVOICED,
        S.PAID,
        S.SCHEDULED,
        S.TRANSPORT_REQUESTED,
        S.SHIPPED,
        S.DELIVERED,
    ]
    # The outbox carried only what the worker acts on: no PaymentRecorded,
    # TransportRequested or OrderDelivered message was written just to be marked done.
    topics = sorted(m.topic for m in world.database.outbox.values() if m.aggregate_id == order.id)
    handled = ["OrderPlaced", "OrderReserved", "InvoiceIssued", "OrderPaid"]
    handled += ["DeliveryIntervalChosen", "OrderShipped"]
    assert topics == sorted(handled)


def test_the_outbox_topics_are_exactly_the_handled_ones(app: B2B) -> None:
    assert Handlers(app.services).topics == HANDLED_TOPICS


def test_each_external_write_happens_exactly_once(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """However often the worker runs, one reservation, one invoice, one transport request."""
    order = place_order(app, cast, PAPER=10)
    for _ in range(3):
        app.processing.run_until_idle()
    pay_in_full(world, app, order.id)
    for _ in range(3):
        app.processing.run_until_idle()
    app.ordering.choose_delivery_interval(cast.supervisor, order.id, "2026-11-27T14")
    for _ in range(3):
        app.processing.run_until_idle()
    (transport,) = world.erp.advance_all()
    for _ in range(3):
        app.processing.run_until_idle()
    world.erp.deliver(transport)
    for _ in range(3):
        app.processing.run_until_idle()

    assert effects_for(world, order) == ["register_invoice", "request_transport", "reserve"]
    assert read_order(app, order.id).status is S.DELIVERED
    assert world.erp.reserved("PAPER") == 0
    assert world.erp.on_hand("PAPER") == 990


def test_reservation_holds_the_stock_until_shipment(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """A reserved order's quantities are held in the ERP and no longer available."""
    invoiced(app, cast, TONER=2)
    assert world.erp.reserved("TONER") == 2
    assert app.ordering.stock(["TONER"]) == {"TONER": 3}


def test_invoice_is_registered_in_accounting_and_mailed(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """The invoice is in the ledger for the order's total and the buyer gets it by mail."""
    order = invoiced(app, cast, PAPER=10)
    assert order.invoice is not None
    record = world.ledger.invoice(order.invoice.number)
    assert record.amount == order.gross_total == Decimal("6500.00")
    assert record.customer_inn == "7700111118"
    assert record.due_date.isoformat() == "2026-12-01"
    assert subjects(world, SUPERVISOR_EMAIL)[-1] == (
        f"Счёт {order.invoice.number} по заказу {order.number}"
    )


def test_invoice_mail_goes_to_the_employee_who_ordered(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """The employee who placed the order is told, as well as the supervisor."""
    order = place_order(app, cast, actor=cast.employee, PAPER=1)
    app.processing.run_until_idle()
    assert any(order.number in s for s in subjects(world, EMPLOYEE_EMAIL))


def test_full_payment_asks_the_buyer_to_choose_an_interval(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """On full payment the buyer is mailed the warehouse's intervals."""
    order = invoiced(app, cast, PAPER=1)
    pay_in_full(world, app, order.id)
    app.processing.run_once()
    (mail,) = [m for m in world.mailer.to(SUPERVISOR_EMAIL) if "выберите интервал" in m.subject]
    assert "2026-11-27T09" in mail.text


# -- stock, failures -------------------------------------------------------------------------


def test_stock_shortage_sends_to_review_per_sku_and_reserves_nothing(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """Every short SKU is a reason of its own; nothing at all is reserved, not even the rest."""
    world.erp.set_stock("BOOK", 1)
    order = place_order(app, cast, PAPER=5, TONER=6, BOOK=2)
    app.processing.run_until_idle()

    stored = read_order(app, order.id)
    assert stored.status is S.IN_REVIEW
    assert sorted((r.code, r.params_dict["sku"]) for r in stored.route_reasons) == [
        ("stock_short", "BOOK"),
        ("stock_short", "TONER"),
    ]
    assert "requested 6, available 5" in " ".join(r.text for r in stored.route_reasons)
    assert (world.erp.reserved("PAPER"), world.erp.reserved("TONER")) == (0, 0)
    assert world.erp.side_effects == []


def test_unavailable_erp_defers_and_a_later_run_reserves(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """Timeouts past the quick retries leave the order placed with no failure; once the
    backoff has passed, the next run reserves it once."""
    order = place_order(app, cast, PAPER=1)
    world.erp.fail_next(3, Unavailable("sap", "timeout"))
    report = app.processing.run_once()
    stored = read_order(app, order.id)
    assert (stored.status, stored.failure, report.deferred) == (S.PLACED, None, 1)

    app.processing.run_once()
    assert read_order(app, order.id).status is S.PLACED  # still backing off

    clock.advance(minutes=1)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.INVOICED
    assert sorted(effects_for(world, order)) == ["register_invoice", "reserve"]


def test_rejected_erp_parks_the_order_with_the_error(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """A permanent refusal parks the order for a manager; the worker stops trying."""
    order = place_order(app, cast, PAPER=1)
    world.erp.fail_next(1, Rejected("sap", "material PAPER is blocked for sales"))
    app.processing.run_once()
    app.processing.run_until_idle()
    stored = read_order(app, order.id)
    assert stored.status is S.PLACED
    assert stored.failure is not None
    assert stored.failure.error == "sap: material PAPER is blocked for sales"
    assert stored.failure.step == "reserve"
    assert world.erp.side_effects == []


def test_manager_retry_resumes_a_parked_order(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """After the manager's retry the worker reserves and invoices the order."""
    order = place_order(app, cast, PAPER=1)
    world.erp.fail_next(1, Rejected("sap", "material PAPER is blocked for sales"))
    app.processing.run_once()
    app.review.retry(cast.manager, order.id)
    app.processing.run_until_idle()
    stored = read_order(app, order.id)
    assert (stored.status, stored.failure) == (S.INVOICED, None)


def test_rejected_lookup_of_intervals_does_not_stop_the_worker(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """The ERP refusing the interval list on payment neither crashes the run nor skips its jobs."""
    paid = invoiced(app, cast, PAPER=1)
    clock.advance(minutes=1)
    expiring = invoiced(app, cast, PEN=1)
    pay_in_full(world, app, paid.id)
    clock.advance(days=6)
    world.erp.fail_next(1, Rejected("sap", "no delivery zone for the address"))

    app.processing.run_once()

    assert read_order(app, paid.id).status is S.PAID
    assert read_order(app, expiring.id).status is S.CANCELLED
    assert any("оплачен" in s for s in subjects(world, SUPERVISOR_EMAIL))


# -- payments ---------------------------------------------------------------------------------


def test_partial_payments_keep_the_order_invoiced_until_the_sum_is_complete(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """Two halves: invoiced after the first, paid after the second."""
    order = invoiced(app, cast, PAPER=10)
    assert order.invoice is not None
    world.ledger.pay(order.invoice.number, Decimal("4000.00"))
    app.processing.run_once()
    first = read_order(app, order.id)
    assert (first.status, first.amount_paid) == (S.INVOICED, Decimal("4000.00"))

    world.ledger.pay(order.invoice.number, Decimal("2500.00"))
    app.processing.run_once()
    second = read_order(app, order.id)
    assert (second.status, second.amount_paid, second.amount_due) == (
        S.PAID,
        Decimal("6500.00"),
        Decimal("0.00"),
    )


def test_overpayment_is_kept_on_the_order(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """Paying more than the invoice makes the order paid and keeps the surplus visible."""
    order = invoiced(app, cast, PAPER=10)
    assert order.invoice is not None
    world.ledger.pay(order.invoice.number, Decimal("7000.00"))
    app.processing.run_once()
    stored = read_order(app, order.id)
    assert (stored.status, stored.overpayment) == (S.PAID, Decimal("500.00"))


def test_a_bank_payment_is_booked_once_however_often_it_is_polled(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """Every run sees the payment again; it is booked the first time only."""
    order = invoiced(app, cast, PAPER=10)
    assert order.invoice is not None
    world.ledger.pay(order.invoice.number, Decimal("1000.00"))
    for _ in range(4):
        app.processing.run_once()
    stored = read_order(app, order.id)
    assert (len(stored.payments), stored.amount_paid) == (1, Decimal("1000.00"))


# -- invoice expiry ---------------------------------------------------------------------------


def test_invoice_is_not_expired_on_its_due_date(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """Five days to pay: on the fifth day the order still waits."""
    order = invoiced(app, cast, TONER=2)
    clock.advance(days=5)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.INVOICED
    assert world.erp.reserved("TONER") == 2


def test_invoice_seen_before_its_due_date_still_expires_after_it(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """The worker that found the invoice in time on its due date cancels the order a day later."""
    order = invoiced(app, cast, TONER=2)
    clock.advance(days=5)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.INVOICED
    clock.advance(days=1)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.CANCELLED


def test_expired_invoice_cancels_the_order(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """The day after the due date the worker cancels the order, saying the invoice expired."""
    order = invoiced(app, cast, TONER=2)
    clock.advance(days=6)
    app.processing.run_once()
    stored = read_order(app, order.id)
    assert stored.status is S.CANCELLED
    assert stored.history[-1].actor.is_system
    assert "expired unpaid" in stored.cancel_reason


def test_expired_invoice_releases_the_stock(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """The reservation goes back to the warehouse: nothing stays reserved."""
    invoiced(app, cast, TONER=2)
    clock.advance(days=6)
    app.processing.run_once()
    assert world.erp.reserved("TONER") == 0
    assert app.ordering.stock(["TONER"]) == {"TONER": 5}


def test_expired_invoice_is_annulled_in_accounting(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """The ledger marks the invoice annulled."""
    order = invoiced(app, cast, TONER=2)
    assert order.invoice is not None
    clock.advance(days=6)
    app.processing.run_once()
    assert world.ledger.is_annulled(order.invoice.number)


def test_expired_invoice_is_mailed_to_the_buyer(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """The buyer learns that the order is cancelled, once, however often the worker runs."""
    order = invoiced(app, cast, TONER=2)
    clock.advance(days=6)
    for _ in range(3):
        app.processing.run_once()
    cancelled = [s for s in subjects(world, SUPERVISOR_EMAIL) if "отменён" in s]
    assert cancelled == [f"Заказ {order.number} отменён"]


def test_the_expiry_mail_says_why_in_russian(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """The cancellation mail names the unpaid invoice in Russian, not the stored English text."""
    order = invoiced(app, cast, TONER=2)
    assert order.invoice is not None
    clock.advance(days=6)
    app.processing.run_once()
    (mail,) = [m for m in world.mailer.to(SUPERVISOR_EMAIL) if "отменён" in m.subject]
    assert f"счёт {order.invoice.number} не оплачен до" in mail.text
    assert "expired" not in mail.text


def test_partly_paid_invoice_still_expires(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """Half paid is not paid: the order is cancelled and the payment kept for a refund."""
    order = invoiced(app, cast, PAPER=10)
    assert order.invoice is not None
    world.ledger.pay(order.invoice.number, Decimal("1000.00"))
    clock.advance(days=6)
    app.processing.run_once()
    stored = read_order(app, order.id)
    assert (stored.status, stored.amount_paid) == (S.CANCELLED, Decimal("1000.00"))


def test_payment_on_the_last_day_beats_the_expiry(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """Money that arrived before the due date is booked before invoices are expired."""
    order = invoiced(app, cast, PAPER=10)
    clock.advance(days=5)
    pay_in_full(world, app, order.id)
    clock.advance(days=1)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.PAID


def test_accounting_down_at_expiry_does_not_cancel_an_order_paid_in_time(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """If payments cannot be read, no invoice is expired: it may well have been paid."""
    order = invoiced(app, cast, PAPER=10)
    clock.advance(days=5)
    pay_in_full(world, app, order.id)
    clock.advance(days=1)
    world.ledger.fail_next(1, Unavailable("1c", "timeout"))
    app.processing.run_once()
    assert read_order(app, order.id).status is S.INVOICED
    app.processing.run_once()
    assert read_order(app, order.id).status is S.PAID


def test_accounting_refusing_the_payment_poll_does_not_stop_the_worker(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """A refused payment poll is reported, and the pass still does the order steps."""
    order = place_order(app, cast, PAPER=1)
    world.ledger.fail_next(1, Rejected("1c", "access denied"))
    report = app.processing.run_once()
    assert report.failed == 1
    assert read_order(app, order.id).status is S.RESERVED


def test_cancelled_order_releases_its_stock_and_annuls_once(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """A buyer's cancel of an invoiced order: one release, one annulment, however many runs."""
    order = invoiced(app, cast, TONER=2)
    app.ordering.cancel(cast.supervisor, order.id)
    for _ in range(3):
        app.processing.run_until_idle()
    assert effects_for(world, order) == ["annul_invoice", "register_invoice", "release", "reserve"]
    assert world.erp.reserved("TONER") == 0
    assert not read_order(app, order.id).follow_up_pending


def test_an_order_in_transit_is_loaded_again_only_when_the_erp_reports_a_move(
    world: InMemoryWorld, app: B2B, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Goods spend days in transit and every pass polls them: the ERP is asked each time,
    the order is read again only when the answer moves it on."""
    order = place_order(app, cast, PAPER=10)
    app.processing.run_once()
    pay_in_full(world, app, order.id)
    app.processing.run_once()
    app.ordering.choose_delivery_interval(cast.supervisor, order.id, "2026-11-27T09")
    app.processing.run_once()
    transport = read_order(app, order.id).transport_request
    assert transport is not None
    loads: list[str] = []
    get = InMemoryOrderRepository.get

    def counted(self: InMemoryOrderRepository, order_id: str) -> Order:
        loads.append(order_id)
        return get(self, order_id)

    asked: list[str] = []
    erp_class = type(world.erp)
    status_of = erp_class.shipment_status

    def counted_status(self: object, reference: str) -> ShipmentStatus:
        asked.append(reference)
        return status_of(self, reference)  # type: ignore[arg-type]

    monkeypatch.setattr(InMemoryOrderRepository, "get", counted)
    monkeypatch.setattr(erp_class, "shipment_status", counted_status)
    for _ in range(5):
        app.processing.run_once()
    assert loads.count(order.id) <= 1  # at most the pass that first saw it in transit
    assert asked.count(transport) == 5  # the ERP is asked on every pass all the same
    world.erp.ship(transport)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.SHIPPED
    loads.clear()
    for _ in range(3):
        app.processing.run_once()
    assert loads.count(order.id) == 0  # shipped, not delivered: nothing to load for
    world.erp.deliver(transport)
    app.processing.run_once()
    assert read_order(app, order.id).status is S.DELIVERED


def test_invoice_expiry_loads_only_the_overdue_orders(
    world: InMemoryWorld, app: B2B, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pass looks for overdue invoices; an invoiced order not yet due is never read."""
    waiting = invoiced(app, cast, PAPER=10)
    loads: list[str] = []
    get = InMemoryOrderRepository.get

    def counted(self: InMemoryOrderRepository, order_id: str) -> Order:
        loads.append(order_id)
        return get(self, order_id)

    monkeypatch.setattr(InMemoryOrderRepository, "get", counted)
    for _ in range(3):
        app.processing.run_once()
    assert waiting.id not in loads
    assert waiting.invoice is not None
    clock = world.clock
    assert isinstance(clock, FixedClock)
    clock.advance(days=(waiting.invoice.due_date - clock.now().date()).days + 1)
    app.processing.run_once()
    assert loads.count(waiting.id) >= 1
    assert read_order(app, waiting.id).status is S.CANCELLED
