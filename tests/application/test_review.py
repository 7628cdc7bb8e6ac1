"""The manager's queue: orders the policy refused or whose step failed; approve, adjust, reject."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from b2bcore.adapters.clock import FixedClock
from b2bcore.application import B2B, LineAdjustment
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route
from b2bcore.domain.errors import IllegalTransition, InvalidValue, PermissionDenied, Rejected
from b2bcore.domain.money import ZERO
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.pricing import PriceSource
from tests.builders import SUPERVISOR_EMAIL, Cast, place_order, read_order, state_of


def consistent(order: Order) -> bool:
    """The totals are the sum of the lines plus delivery, to the kopeck."""
    goods = sum((line.gross for line in order.lines), ZERO)
    return order.gross_total == goods + order.delivery.gross


@pytest.fixture
def large(app: B2B, cast: Cast) -> Order:
    """Three laptops, 360 000 ₽: waiting in review."""
    return place_order(app, cast, LAPTOP=3)


# -- the queue ---------------------------------------------------------------------------


def test_queue_lists_refused_and_failed_orders_with_reasons(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast, large: Order
) -> None:
    """Both kinds of waiting orders are listed, oldest first, each with its reason."""
    clock.advance(minutes=1)
    failing = place_order(app, cast, PAPER=1)
    clock.advance(minutes=1)
    place_order(app, cast, PEN=1)  # served after the failing one: the ERP is fine again
    world.erp.fail_next(1, Rejected("sap", "customer 7700111118 is blocked"))
    app.processing.run_once()

    queue = app.review.queue(cast.manager)

    assert [o.id for o in queue] == [large.id, failing.id]
    assert [r.code for r in queue[0].route_reasons] == ["max_gross_total"]
    assert queue[1].failure is not None
    assert "customer 7700111118 is blocked" in queue[1].failure.error


def test_queue_can_be_narrowed_to_one_managers_clients(app: B2B, cast: Cast, large: Order) -> None:
    """Naming a manager lists only the orders of that manager's clients."""
    assert [o.id for o in app.review.queue(cast.manager, manager_id="mgr-1")] == [large.id]
    assert app.review.queue(cast.manager, manager_id="mgr-2") == []


# -- approve ---------------------------------------------------------------------------------


def test_approve_resumes_the_automation(
    world: InMemoryWorld, app: B2B, cast: Cast, large: Order
) -> None:
    """An approved order is reserved and invoiced by the worker like any automatic one."""
    app.review.approve(cast.manager, large.id, "постоянный клиент")
    assert read_order(app, large.id).status is OrderStatus.PLACED
    app.processing.run_once()
    stored = read_order(app, large.id)
    assert [t.to_status for t in stored.history][-3:] == [
        OrderStatus.PLACED,
        OrderStatus.RESERVED,
        OrderStatus.INVOICED,
    ]
    assert stored.route is Route.AUTOMATIC
    assert world.erp.reserved("LAPTOP") == 3
    assert stored.invoice is not None
    assert world.ledger.invoice(stored.invoice.number).amount == Decimal("360000.00")


def test_worker_leaves_an_order_in_review_alone(
    world: InMemoryWorld, app: B2B, cast: Cast, large: Order
) -> None:
    """Until a manager approves, nothing is reserved."""
    app.processing.run_until_idle()
    assert read_order(app, large.id).status is OrderStatus.IN_REVIEW
    assert world.erp.reserved("LAPTOP") == 0


def test_approved_order_short_of_stock_returns_to_review(
    world: InMemoryWorld, app: B2B, cast: Cast, large: Order
) -> None:
    """Approval does not conjure stock: a shortage sends the order back with the reason."""
    world.erp.set_stock("LAPTOP", 2)
    app.review.approve(cast.manager, large.id)
    app.processing.run_once()
    stored = read_order(app, large.id)
    assert stored.status is OrderStatus.IN_REVIEW
    assert [r.code for r in stored.route_reasons] == ["stock_short"]


# -- adjust ------------------------------------------------------------------------------


def test_manual_unit_price_reprices_the_line(app: B2B, cast: Cast, large: Order) -> None:
    """A manager's price applies as it is and the totals follow."""
    app.review.adjust(
        cast.manager,
        large.id,
        lines=[LineAdjustment(sku="LAPTOP", quantity=3, unit_price=Decimal("95000.00"))],
    )
    stored = read_order(app, large.id)
    (line,) = stored.lines
    assert (line.price_source, line.unit_price, line.gross) == (
        PriceSource.MANUAL,
        Decimal("95000.00"),
        Decimal("285000.00"),
    )
    assert stored.gross_total == Decimal("285000.00")
    assert consistent(stored)
    assert stored.status is OrderStatus.IN_REVIEW


def test_quantity_change_reprices_the_line(app: B2B, cast: Cast, large: Order) -> None:
    """Two laptops instead of three: 240 000 ₽."""
    app.review.adjust(cast.manager, large.id, lines=[LineAdjustment(sku="LAPTOP", quantity=2)])
    stored = read_order(app, large.id)
    assert stored.gross_total == Decimal("240000.00")
    assert consistent(stored)


def test_discount_change_reprices_every_list_line(app: B2B, cast: Cast, large: Order) -> None:
    """A 5 % discount takes 6 000 ₽ off each laptop."""
    app.review.adjust(cast.manager, large.id, discount_percent=Decimal("5"))
    stored = read_order(app, large.id)
    assert stored.discount_percent == Decimal("5.00")
    assert stored.lines[0].unit_price == Decimal("114000.00")
    assert stored.gross_total == Decimal("342000.00")
    assert consistent(stored)


def test_discount_change_keeps_the_managers_manual_prices(
    app: B2B, cast: Cast, large: Order
) -> None:
    """A manual price set earlier survives a later change of the discount."""
    app.review.adjust(
        cast.manager,
        large.id,
        lines=[
            LineAdjustment(sku="LAPTOP", quantity=2, unit_price=Decimal("95000.00")),
            LineAdjustment(sku="PAPER", quantity=10),
        ],
    )
    app.review.adjust(cast.manager, large.id, discount_percent=Decimal("5"))
    laptop, paper = read_order(app, large.id).lines
    assert (laptop.price_source, laptop.unit_price) == (PriceSource.MANUAL, Decimal("95000.00"))
    assert paper.unit_price == Decimal("475.00")


def test_adjust_adds_a_catalogue_line_and_charges_delivery(
    app: B2B, cast: Cast, large: Order
) -> None:
    """Down to cheap goods: a paper line joins, and delivery is charged below 100 000 ₽."""
    app.review.adjust(
        cast.manager,
        large.id,
        lines=[
            LineAdjustment(sku="TONER", quantity=2),
            LineAdjustment(sku="PAPER", quantity=4),
        ],
    )
    stored = read_order(app, large.id)
    assert [line.sku for line in stored.lines] == ["TONER", "PAPER"]
    assert stored.delivery.gross == Decimal("1500.00")
    assert stored.gross_total == Decimal("13500.00")
    assert consistent(stored)


def test_adjust_with_an_unknown_sku_is_refused_and_changes_nothing(
    app: B2B, cast: Cast, large: Order
) -> None:
    """A SKU missing from the catalogue is refused; the order is unchanged."""
    before = state_of(read_order(app, large.id))
    with pytest.raises(InvalidValue):
        app.review.adjust(cast.manager, large.id, lines=[LineAdjustment(sku="NOSUCH", quantity=1)])
    assert state_of(read_order(app, large.id)) == before


def test_adjust_outside_review_is_refused_and_changes_nothing(app: B2B, cast: Cast) -> None:
    """An order on the automatic track cannot be adjusted."""
    order = place_order(app, cast, PAPER=1)
    before = state_of(read_order(app, order.id))
    with pytest.raises(IllegalTransition):
        app.review.adjust(cast.manager, order.id, discount_percent=Decimal("10"))
    assert state_of(read_order(app, order.id)) == before


# -- reject ---------------------------------------------------------------------------------


def test_reject_cancels_with_the_reason_and_tells_the_buyer(
    world: InMemoryWorld, app: B2B, cast: Cast, large: Order
) -> None:
    """The order is cancelled with the manager's reason; the worker mails the buyer."""
    app.review.reject(cast.manager, large.id, "нет нужной конфигурации")
    stored = read_order(app, large.id)
    assert stored.status is OrderStatus.CANCELLED
    assert stored.cancel_reason == "нет нужной конфигурации"
    app.processing.run_once()
    (mail,) = [m for m in world.mailer.to(SUPERVISOR_EMAIL) if "отменён" in m.subject]
    assert "нет нужной конфигурации" in mail.text


def test_reject_without_a_reason_is_refused(app: B2B, cast: Cast, large: Order) -> None:
    """The buyer will read the reason, so there must be one."""
    with pytest.raises(InvalidValue) as refused:
        app.review.reject(cast.manager, large.id, "   ")
    assert refused.value.field == "reason"
    assert read_order(app, large.id).status is OrderStatus.IN_REVIEW


# -- only managers -----------------------------------------------------------------------------

MANAGER_CALLS: dict[str, Callable[[B2B, Actor, str], object]] = {
    "queue": lambda app, actor, _: app.review.queue(actor),
    "approve": lambda app, actor, order_id: app.review.approve(actor, order_id),
    "adjust": lambda app, actor, order_id: app.review.adjust(
        actor, order_id, discount_percent=Decimal("50")
    ),
    "reject": lambda app, actor, order_id: app.review.reject(actor, order_id, "нет"),
    "retry": lambda app, actor, order_id: app.review.retry(actor, order_id),
}


@pytest.mark.parametrize("call", MANAGER_CALLS.values(), ids=MANAGER_CALLS.keys())
@pytest.mark.parametrize("who", ["supervisor", "employee", "other_buyer", "system"])
def test_only_a_manager_works_the_queue(
    app: B2B, cast: Cast, large: Order, call: Callable[[B2B, Actor, str], object], who: str
) -> None:
    """Buyers and the worker get PermissionDenied, and the order is unchanged."""
    actor = Actor.system() if who == "system" else getattr(cast, who)
    before = state_of(read_order(app, large.id))
    with pytest.raises(PermissionDenied):
        call(app, actor, large.id)
    assert state_of(read_order(app, large.id)) == before
