"""The Order state machine: every transition, every refusal, cancellation, payments, history.

A refused action must leave the order exactly as it was: each refusal test
compares :func:`tests.builders.state_of` (every field, history and version
included) before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route, RoutingDecision
from b2bcore.domain.errors import IllegalTransition, InvalidValue, PermissionDenied
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.pricing import DeliveryCharge, OrderLine
from b2bcore.domain.reasons import Reason
from tests.builders import (
    NOW,
    SYSTEM,
    contact_id_for,
    interval_after,
    make_order,
    make_product,
    order_in,
    state_of,
)

S = OrderStatus
MANAGER = Actor.manager("manager-1")
BUYER = Actor.buyer(contact_id_for("client-1"), "client-1")
STRANGER = Actor.buyer(contact_id_for("client-2"), "client-2")
LATER = NOW + timedelta(hours=1)
OVERDUE = NOW + timedelta(days=6)  # the builders' invoices are due five days after NOW
SHORT = Reason("stock_short", "not enough stock of SKU-1: requested 10, available 3")

Action = Callable[[Order], object]


def adjusted_lines() -> list[OrderLine]:
    return [OrderLine.price(make_product(list_price="400.00"), 5)]


ACTIONS: dict[str, tuple[Action, frozenset[OrderStatus]]] = {
    "approve": (lambda o: o.approve(MANAGER, LATER), frozenset({S.IN_REVIEW})),
    "adjust": (
        lambda o: o.adjust(MANAGER, LATER, lines=adjusted_lines()),
        frozenset({S.IN_REVIEW}),
    ),
    "reject": (lambda o: o.reject(MANAGER, LATER, "нет в наличии"), frozenset({S.IN_REVIEW})),
    "send to review": (
        lambda o: o.send_to_review(SYSTEM, LATER, [SHORT]),
        frozenset({S.PLACED}),
    ),
    "reserve": (lambda o: o.reserve(SYSTEM, LATER, "RS-000001"), frozenset({S.PLACED})),
    "issue an invoice for": (
        lambda o: o.issue_invoice(
            SYSTEM, LATER, number="СЧ-2026-000001", due_date=LATER.date() + timedelta(days=5)
        ),
        frozenset({S.RESERVED}),
    ),
    "record a payment for": (
        lambda o: o.record_payment(
            SYSTEM, payment_id="PP-1", amount=Decimal("100.00"), received_at=LATER
        ),
        frozenset({S.INVOICED, S.PAID, S.SCHEDULED, S.TRANSPORT_REQUESTED, S.SHIPPED, S.DELIVERED}),
    ),
    "choose a delivery interval for": (
        lambda o: o.choose_delivery_interval(BUYER, LATER, interval_after(LATER)),
        frozenset({S.PAID}),
    ),
    "request transport for": (
        lambda o: o.request_transport(SYSTEM, LATER, "TR-000001"),
        frozenset({S.SCHEDULED}),
    ),
    "ship": (lambda o: o.ship(SYSTEM, LATER, "SH-000001"), frozenset({S.TRANSPORT_REQUESTED})),
    "deliver": (lambda o: o.deliver(SYSTEM, LATER), frozenset({S.SHIPPED})),
    "expire the invoice of": (
        lambda o: o.expire_invoice(SYSTEM, OVERDUE),
        frozenset({S.INVOICED}),
    ),
}

REFUSED = [
    pytest.param(action, state, id=f"{action}-{state.value}")
    for action, (_, allowed) in ACTIONS.items()
    for state in OrderStatus
    if state not in allowed
]
ALLOWED = [
    pytest.param(action, state, id=f"{action}-{state.value}")
    for action, (_, allowed) in ACTIONS.items()
    for state in sorted(allowed, key=lambda s: s.value)
]


# -- placing -----------------------------------------------------------------------


def test_automatic_order_is_placed_with_one_history_entry() -> None:
    """An order the policy lets through starts placed, version 1, history "placed by the buyer"."""
    order = make_order()
    assert order.status is S.PLACED
    assert order.route is Route.AUTOMATIC
    assert order.version == 1
    (entry,) = order.history
    assert (entry.actor, entry.action, entry.from_status, entry.to_status) == (
        BUYER,
        "place",
        None,
        S.PLACED,
    )


def test_manual_order_goes_straight_to_review_with_its_reasons() -> None:
    """A refused order is in review at once; the reasons are on the order and in the history."""
    reason = Reason("max_lines", "the order has 4 lines, more than the limit of 3")
    order = Order.place(
        order_id="order-1",
        number="ЗК-1",
        client_id="client-1",
        company_id="client-1-company",
        contact_id=BUYER.id,
        lines=[OrderLine.price(make_product(), 1)],
        delivery=DeliveryCharge(gross=Decimal("1500.00")),
        delivery_address="г. Москва, ул. Складская, д. 5",
        discount_percent=Decimal("0.00"),
        decision=RoutingDecision(Route.MANUAL, (reason,)),
        actor=BUYER,
        now=NOW,
    )
    assert order.status is S.IN_REVIEW
    assert order.route is Route.MANUAL
    assert order.route_reasons == (reason,)
    assert [(t.from_status, t.to_status) for t in order.history] == [
        (None, S.PLACED),
        (S.PLACED, S.IN_REVIEW),
    ]
    assert order.history[-1].reason == reason.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"lines": []}, "lines"), ({"delivery_address": "   "}, "delivery_address")],
)
def test_order_without_lines_or_address_is_refused(changes: dict[str, object], field: str) -> None:
    """An order needs at least one line and a delivery address."""
    arguments: dict[str, object] = {
        "order_id": "order-1",
        "number": "ЗК-1",
        "client_id": "client-1",
        "company_id": "client-1-company",
        "contact_id": BUYER.id,
        "lines": [OrderLine.price(make_product(), 1)],
        "delivery": DeliveryCharge(gross=Decimal("0.00")),
        "delivery_address": "г. Москва",
        "discount_percent": Decimal("0.00"),
        "decision": RoutingDecision(Route.AUTOMATIC),
        "actor": BUYER,
        "now": NOW,
    }
    with pytest.raises(InvalidValue) as refused:
        Order.place(**{**arguments, **changes})
    assert refused.value.field == field


# -- every action in every state -------------------------------------------------------


@pytest.mark.parametrize(("action", "state"), ALLOWED)
def test_action_succeeds_where_allowed_and_bumps_the_version(action: str, state: S) -> None:
    """Each action works in the states it is for; every change bumps the version."""
    order = order_in(state)
    version = order.version
    ACTIONS[action][0](order)
    assert order.version == version + 1


@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_action_in_a_wrong_state_is_refused_and_changes_nothing(action: str, state: S) -> None:
    """IllegalTransition names the action and the state; the order is left as it was."""
    order = order_in(state)
    before = state_of(order)
    events = len(order.events)
    with pytest.raises(IllegalTransition) as refused:
        ACTIONS[action][0](order)
    assert (refused.value.action, refused.value.state) == (action, state.value)
    assert state.value in str(refused.value)
    assert action in str(refused.value)
    assert state_of(order) == before
    assert len(order.events) == events


@pytest.mark.parametrize(
    ("state", "act"),
    [
        pytest.param(S.IN_REVIEW, lambda o: o.approve(BUYER, LATER), id="buyer approves"),
        pytest.param(S.IN_REVIEW, lambda o: o.approve(SYSTEM, LATER), id="system approves"),
        pytest.param(
            S.IN_REVIEW,
            lambda o: o.adjust(BUYER, LATER, lines=adjusted_lines()),
            id="buyer adjusts",
        ),
        pytest.param(S.IN_REVIEW, lambda o: o.reject(SYSTEM, LATER, "x"), id="system rejects"),
        pytest.param(S.PLACED, lambda o: o.reserve(BUYER, LATER, "RS-1"), id="buyer reserves"),
        pytest.param(
            S.PLACED, lambda o: o.send_to_review(BUYER, LATER, [SHORT]), id="buyer sends to review"
        ),
        pytest.param(
            S.INVOICED,
            lambda o: o.record_payment(
                BUYER, payment_id="PP-1", amount=Decimal("1.00"), received_at=LATER
            ),
            id="buyer books a payment",
        ),
        pytest.param(
            S.PAID,
            lambda o: o.choose_delivery_interval(SYSTEM, LATER, interval_after(LATER)),
            id="system chooses an interval",
        ),
        pytest.param(
            S.PAID,
            lambda o: o.choose_delivery_interval(STRANGER, LATER, interval_after(LATER)),
            id="another client's buyer chooses an interval",
        ),
        pytest.param(S.SHIPPED, lambda o: o.deliver(BUYER, LATER), id="buyer delivers"),
        pytest.param(
            S.INVOICED, lambda o: o.expire_invoice(MANAGER, OVERDUE), id="manager expires"
        ),
        pytest.param(S.PLACED, lambda o: o.cancel(STRANGER, LATER), id="another client cancels"),
        pytest.param(
            S.PLACED, lambda o: o.fail_step(BUYER, LATER, "placed", "boom"), id="buyer fails"
        ),
    ],
)
def test_actor_of_the_wrong_kind_is_refused_and_changes_nothing(state: S, act: Action) -> None:
    """PermissionDenied for an actor whose role does not allow the action; nothing changes."""
    order = order_in(state)
    before = state_of(order)
    with pytest.raises(PermissionDenied):
        act(order)
    assert state_of(order) == before


# -- review ------------------------------------------------------------------------------


def test_approve_returns_the_order_to_the_automatic_track() -> None:
    """An approved order is placed again on the automatic route, with the manager's note."""
    order = order_in(S.IN_REVIEW)
    order.approve(MANAGER, LATER, "клиент надёжный")
    assert (order.status, order.route) == (S.PLACED, Route.AUTOMATIC)
    assert order.history[-1].reason == "клиент надёжный"
    assert order.placement_round == 2


def test_adjust_replaces_lines_and_stays_in_review() -> None:
    """Adjusted lines, delivery and discount replace the old ones; the totals follow."""
    order = order_in(S.IN_REVIEW)
    order.adjust(
        MANAGER,
        LATER,
        lines=adjusted_lines(),
        delivery=DeliveryCharge(gross=Decimal("0.00")),
        discount_percent=Decimal("5.00"),
    )
    assert order.status is S.IN_REVIEW
    assert order.gross_total == Decimal("2000.00")
    assert order.discount_percent == Decimal("5.00")
    assert (order.history[-1].from_status, order.history[-1].to_status) == (
        S.IN_REVIEW,
        S.IN_REVIEW,
    )


def test_adjust_to_no_lines_is_refused_and_changes_nothing() -> None:
    """A manager cannot adjust an order down to nothing."""
    order = order_in(S.IN_REVIEW)
    before = state_of(order)
    with pytest.raises(InvalidValue):
        order.adjust(MANAGER, LATER, lines=[])
    assert state_of(order) == before


def test_reject_cancels_with_the_managers_reason() -> None:
    """A rejected order is cancelled and says why."""
    order = order_in(S.IN_REVIEW)
    order.reject(MANAGER, LATER, "товар снят с производства")
    assert order.status is S.CANCELLED
    assert order.cancel_reason == "товар снят с производства"
    assert order.history[-1].reason == "товар снят с производства"


# -- automatic steps ---------------------------------------------------------------------


def test_invoice_is_for_the_gross_total() -> None:
    """The invoice carries the order's gross total, the issue date and the due date."""
    order = order_in(S.RESERVED)
    order.issue_invoice(SYSTEM, LATER, number="СЧ-1", due_date=LATER.date() + timedelta(days=5))
    assert order.invoice is not None
    assert order.invoice.amount == order.gross_total
    assert order.invoice.issued_on == LATER.date()
    assert order.invoice.due_date == LATER.date() + timedelta(days=5)


def test_invoice_due_before_its_date_is_refused_and_changes_nothing() -> None:
    """An invoice cannot fall due before it is issued."""
    order = order_in(S.RESERVED)
    before = state_of(order)
    with pytest.raises(InvalidValue) as refused:
        order.issue_invoice(SYSTEM, LATER, number="СЧ-1", due_date=LATER.date() - timedelta(days=1))
    assert refused.value.field == "due_date"
    assert state_of(order) == before


def test_interval_that_has_begun_is_refused_and_changes_nothing() -> None:
    """A buyer cannot choose a delivery interval that already started."""
    order = order_in(S.PAID)
    before = state_of(order)
    with pytest.raises(InvalidValue) as refused:
        order.choose_delivery_interval(BUYER, LATER, interval_after(LATER, days=-1))
    assert refused.value.field == "delivery_interval"
    assert state_of(order) == before


def test_full_lifecycle_reaches_delivered_with_every_reference_kept() -> None:
    """Placed to delivered: reservation, invoice, interval, transport and shipment are kept."""
    order = order_in(S.DELIVERED)
    assert order.status is S.DELIVERED
    assert order.reservation == "reservation-order-1"
    assert order.invoice is not None
    assert order.delivery_interval is not None
    assert order.transport_request == "transport-order-1"
    assert order.shipment == "shipment-order-1"


def test_failed_step_parks_the_order_and_retry_clears_it() -> None:
    """A failed step puts the order in the manager's queue; a manager's retry takes it out."""
    order = order_in(S.PLACED)
    order.fail_step(SYSTEM, LATER, "placed", "sap: customer is blocked")
    assert order.needs_manager
    assert order.failure is not None
    assert order.failure.error == "sap: customer is blocked"
    assert order.status is S.PLACED
    order.retry_step(MANAGER, NOW)
    assert order.failure is None
    assert not order.needs_manager


def test_retry_without_a_failed_step_is_refused_and_changes_nothing() -> None:
    """Nothing to retry is an IllegalTransition."""
    order = order_in(S.PLACED)
    before = state_of(order)
    with pytest.raises(IllegalTransition):
        order.retry_step(MANAGER, NOW)
    assert state_of(order) == before


@pytest.mark.parametrize("state", [S.DELIVERED, S.CANCELLED])
def test_failed_step_is_refused_on_a_finished_order(state: S) -> None:
    """Delivered and cancelled orders cannot be parked for a manager."""
    order = order_in(state)
    before = state_of(order)
    with pytest.raises(IllegalTransition):
        order.fail_step(SYSTEM, LATER, state.value, "boom")
    assert state_of(order) == before


# -- cancellation ------------------------------------------------------------------------

BUYER_MAY_CANCEL = [S.PLACED, S.IN_REVIEW, S.RESERVED, S.INVOICED]
MANAGER_ONLY_MAY_CANCEL = [S.PAID, S.SCHEDULED, S.TRANSPORT_REQUESTED]
NOBODY_MAY_CANCEL = [S.SHIPPED, S.DELIVERED, S.CANCELLED]


@pytest.mark.parametrize("state", BUYER_MAY_CANCEL)
def test_buyer_cancels_before_payment(state: S) -> None:
    """The buyer may cancel until the order is paid."""
    order = order_in(state)
    order.cancel(BUYER, LATER, "передумали")
    assert order.status is S.CANCELLED
    assert order.cancel_reason == "передумали"


@pytest.mark.parametrize("state", MANAGER_ONLY_MAY_CANCEL + NOBODY_MAY_CANCEL)
def test_buyer_cannot_cancel_once_paid(state: S) -> None:
    """From paid on, the buyer's cancel is refused and the order is unchanged."""
    order = order_in(state)
    before = state_of(order)
    with pytest.raises(IllegalTransition) as refused:
        order.cancel(BUYER, LATER)
    assert (refused.value.action, refused.value.state) == ("cancel", state.value)
    assert state_of(order) == before


@pytest.mark.parametrize("state", BUYER_MAY_CANCEL + MANAGER_ONLY_MAY_CANCEL)
def test_manager_cancels_before_shipment(state: S) -> None:
    """A manager may cancel until the goods ship."""
    order = order_in(state)
    order.cancel(MANAGER, LATER)
    assert order.status is S.CANCELLED
    assert order.cancel_reason == "cancelled by manager"


@pytest.mark.parametrize("state", NOBODY_MAY_CANCEL)
def test_manager_cannot_cancel_once_shipped(state: S) -> None:
    """Shipped, delivered and cancelled orders cannot be cancelled by a manager."""
    order = order_in(state)
    before = state_of(order)
    with pytest.raises(IllegalTransition):
        order.cancel(MANAGER, LATER)
    assert state_of(order) == before


def test_system_cancels_an_overdue_unpaid_invoice() -> None:
    """The worker cancels an order whose invoice is past due and not paid in full."""
    order = order_in(S.INVOICED)
    order.cancel(SYSTEM, OVERDUE)
    assert order.status is S.CANCELLED
    assert order.history[-1].action == "expire invoice"
    assert order.cancel_reason == "invoice СЧ-order-1 expired unpaid"


def test_system_cannot_cancel_an_invoice_on_its_due_date() -> None:
    """On the due date itself the invoice has not expired yet."""
    order = order_in(S.INVOICED)
    assert order.invoice is not None
    due = order.invoice.due_date
    before = state_of(order)
    with pytest.raises(IllegalTransition) as refused:
        order.cancel(SYSTEM, NOW.replace(year=due.year, month=due.month, day=due.day))
    assert refused.value.state == "invoiced"
    assert state_of(order) == before


@pytest.mark.parametrize("state", [s for s in S if s is not S.INVOICED])
def test_system_cancels_nothing_but_an_expired_invoice(state: S) -> None:
    """Outside invoiced the worker has no cancel of its own, even long after."""
    order = order_in(state)
    before = state_of(order)
    with pytest.raises(IllegalTransition):
        order.cancel(SYSTEM, NOW + timedelta(days=365))
    assert state_of(order) == before


def test_cancelling_a_reserved_invoiced_order_asks_for_release_and_annulment() -> None:
    """A cancelled order remembers to release its stock and annul its invoice."""
    order = order_in(S.INVOICED)
    order.cancel(BUYER, LATER)
    assert order.invoice is not None
    assert order.invoice.annulled
    assert (order.release_pending, order.annul_pending, order.follow_up_pending) == (
        True,
        True,
        True,
    )


def test_cancelling_a_placed_order_has_nothing_to_release() -> None:
    """An order that never reserved stock or got an invoice releases and annuls nothing."""
    order = order_in(S.PLACED)
    order.cancel(BUYER, LATER)
    assert (order.release_pending, order.annul_pending) == (False, False)
    assert order.follow_up_pending


# -- payments ----------------------------------------------------------------------------


def pay(order: Order, amount: str, payment_id: str = "PP-1") -> bool:
    return order.record_payment(
        SYSTEM, payment_id=payment_id, amount=Decimal(amount), received_at=LATER
    )


def test_partial_payment_keeps_the_order_invoiced() -> None:
    """Part of the sum is booked; the order waits for the rest."""
    order = order_in(S.INVOICED)
    pay(order, "1000.00")
    assert order.status is S.INVOICED
    assert order.amount_paid == Decimal("1000.00")
    assert order.amount_due == order.gross_total - Decimal("1000.00")


def test_payment_completing_the_sum_makes_the_order_paid() -> None:
    """The payment that reaches the gross total makes the order paid, at its receipt time."""
    order = order_in(S.INVOICED)
    pay(order, "1000.00", "PP-1")
    pay(order, str(order.gross_total - Decimal("1000.00")), "PP-2")
    assert order.status is S.PAID
    assert order.amount_due == Decimal("0.00")
    assert order.paid_at == LATER


def test_overpayment_is_recorded_not_lost() -> None:
    """Money beyond the total is kept on the order as overpayment."""
    order = order_in(S.INVOICED)
    pay(order, str(order.gross_total + Decimal("250.00")))
    assert order.status is S.PAID
    assert order.overpayment == Decimal("250.00")
    assert order.amount_paid == order.gross_total + Decimal("250.00")


def test_payment_after_paid_is_added_to_the_overpayment() -> None:
    """A second payment for a paid order is booked too and does not change the status."""
    order = order_in(S.PAID)
    pay(order, "10.00", "PP-late")
    assert order.status is S.PAID
    assert order.overpayment == Decimal("10.00")


def test_same_payment_twice_is_booked_once() -> None:
    """Booking a payment id again changes nothing and says so."""
    order = order_in(S.INVOICED)
    assert pay(order, "1000.00") is True
    before = state_of(order)
    assert pay(order, "1000.00") is False
    assert state_of(order) == before
    assert order.amount_paid == Decimal("1000.00")


@pytest.mark.parametrize("amount", ["0.00", "-5.00", "0.004"])
def test_payment_that_is_not_positive_is_refused_and_changes_nothing(amount: str) -> None:
    """Zero, negative and sub-kopeck payments are refused naming the amount."""
    order = order_in(S.INVOICED)
    before = state_of(order)
    with pytest.raises(InvalidValue) as refused:
        pay(order, amount)
    assert refused.value.field == "amount"
    assert state_of(order) == before


def test_payment_given_as_float_is_refused() -> None:
    """A float payment amount is refused naming the field."""
    order = order_in(S.INVOICED)
    before = state_of(order)
    with pytest.raises(InvalidValue) as refused:
        order.record_payment(SYSTEM, payment_id="PP-1", amount=100.5, received_at=LATER)
    assert refused.value.field == "amount"
    assert state_of(order) == before


def test_paid_invoice_does_not_expire() -> None:
    """An invoice paid in full is not expired, however late it is."""
    order = order_in(S.PAID)
    assert not order.is_invoice_expired((NOW + timedelta(days=60)).date())


# -- history -----------------------------------------------------------------------------


def test_history_records_who_moved_the_order_from_where_to_where() -> None:
    """Every transition of a full life is in the history with its actor, states and reason."""
    order = order_in(S.DELIVERED)
    assert [(t.actor, t.action, t.from_status, t.to_status) for t in order.history] == [
        (BUYER, "place", None, S.PLACED),
        (SYSTEM, "reserve", S.PLACED, S.RESERVED),
        (SYSTEM, "issue invoice", S.RESERVED, S.INVOICED),
        (SYSTEM, "record payment", S.INVOICED, S.PAID),
        (BUYER, "choose delivery interval", S.PAID, S.SCHEDULED),
        (SYSTEM, "request transport", S.SCHEDULED, S.TRANSPORT_REQUESTED),
        (SYSTEM, "ship", S.TRANSPORT_REQUESTED, S.SHIPPED),
        (SYSTEM, "deliver", S.SHIPPED, S.DELIVERED),
    ]
    assert order.history[2].reason == "invoice СЧ-order-1"
    assert order.history[3].reason == "paid in full"
    assert order.version == len(order.history)


def test_history_of_a_cancellation_keeps_the_reason_and_the_actor() -> None:
    """The last entry of a cancelled order says who cancelled, from which state, and why."""
    order = order_in(S.RESERVED)
    order.cancel(MANAGER, LATER, "клиент отказался по телефону")
    last = order.history[-1]
    assert (last.actor, last.from_status, last.to_status, last.reason, last.at) == (
        MANAGER,
        S.RESERVED,
        S.CANCELLED,
        "клиент отказался по телефону",
        LATER,
    )


def test_history_chain_links_every_entry_to_the_previous_one() -> None:
    """Each entry starts where the previous one ended, through review and approval."""
    order = order_in(S.IN_REVIEW)
    order.adjust(MANAGER, LATER, lines=adjusted_lines())
    order.approve(MANAGER, LATER)
    order.reserve(SYSTEM, LATER, "RS-1")
    statuses = [(t.from_status, t.to_status) for t in order.history]
    assert all(prev[1] == cur[0] for prev, cur in pairwise(statuses))
    assert statuses[-1][1] is order.status
