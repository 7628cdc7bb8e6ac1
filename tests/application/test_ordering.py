"""The buyer's side of an order: quote, place, cancel, repeat, choose a delivery interval.

Client A's orders are out of reach of client B's buyer (tenant isolation) and
of client A's employee when bought for a company not granted to them: every
such call is NotFound and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route
from b2bcore.domain.errors import IllegalTransition, InvalidValue, NotFound
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.pricing import PriceSource, Product
from b2bcore.ports import OrderFilter
from tests.builders import (
    Cast,
    cart,
    paid_orders,
    pay_in_full,
    place_order,
    read_order,
    state_of,
)


def all_orders(app: B2B) -> list[dict[str, object]]:
    """Every stored order's state, to prove a refused call changed nothing anywhere."""
    with app.services.uow() as uow:
        return [state_of(o) for o in uow.orders.list(OrderFilter(limit=10_000))]


# -- quote -----------------------------------------------------------------------------


def test_quote_shows_list_contract_and_discounted_prices_and_delivery(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """At 3 %: list lines show list price and discount, a contract line its price; delivery."""
    paid_orders(world, app, cast, 2, 2)
    app.discounts.recompute()
    app.catalogue.set_contract_price(cast.manager, cast.client_id, "PEN", Decimal("30.00"))

    quote = app.ordering.quote(cast.supervisor, items=cart(PAPER=10, PEN=100, BOOK=2))

    paper, pen, book = quote.lines
    assert (paper.list_price, paper.discount_percent, paper.unit_price, paper.gross) == (
        Decimal("500.00"),
        Decimal("3.00"),
        Decimal("485.00"),
        Decimal("4850.00"),
    )
    assert paper.discount_amount == Decimal("150.00")
    assert (pen.price_source, pen.list_price, pen.unit_price, pen.gross) == (
        PriceSource.CONTRACT,
        Decimal("33.33"),
        Decimal("30.00"),
        Decimal("3000.00"),
    )
    assert (book.unit_price, book.gross, book.vat) == (
        Decimal("824.50"),
        Decimal("1649.00"),
        Decimal("149.91"),
    )
    assert quote.delivery.gross == Decimal("1500.00")
    assert quote.totals.gross == Decimal("10999.00")


def test_quote_of_a_new_client_is_at_list_prices(app: B2B, cast: Cast) -> None:
    """Without volume there is no discount."""
    (line,) = app.ordering.quote(cast.employee, items=cart(PAPER=3)).lines
    assert (line.discount_percent, line.unit_price) == (Decimal("0.00"), Decimal("500.00"))


def test_quote_free_delivery_from_100_000(app: B2B, cast: Cast) -> None:
    """A laptop is 120 000 ₽ of goods: delivery is free."""
    assert app.ordering.quote(cast.supervisor, items=cart(LAPTOP=1)).delivery.gross == Decimal(
        "0.00"
    )


def test_contract_price_of_another_client_does_not_apply(app: B2B, cast: Cast) -> None:
    """Client B's personal price is client B's alone."""
    app.catalogue.set_contract_price(cast.manager, cast.other_client_id, "PEN", Decimal("1.00"))
    (line,) = app.ordering.quote(cast.supervisor, items=cart(PEN=1)).lines
    assert line.unit_price == Decimal("33.33")


# -- place -----------------------------------------------------------------------------


def test_small_order_is_placed_on_the_automatic_track(app: B2B, cast: Cast) -> None:
    """Under 300 000 ₽ and at most three lines: placed, automatic, no reasons."""
    order = place_order(app, cast, PAPER=2, PEN=10)
    stored = read_order(app, order.id)
    assert (stored.status, stored.route, stored.route_reasons) == (
        OrderStatus.PLACED,
        Route.AUTOMATIC,
        (),
    )
    assert stored.number.startswith("B2B-2026-")
    assert stored.contact_id == cast.supervisor.id


def test_large_order_goes_to_review_saying_why(app: B2B, cast: Cast) -> None:
    """Three laptops are 360 000 ₽: in review, with the limit rule as the reason."""
    order = place_order(app, cast, LAPTOP=3)
    stored = read_order(app, order.id)
    assert (stored.status, stored.route) == (OrderStatus.IN_REVIEW, Route.MANUAL)
    assert [r.code for r in stored.route_reasons] == ["max_gross_total"]
    assert "360 000.00 ₽" in stored.route_reasons[0].text


def test_order_of_many_lines_goes_to_review_saying_why(app: B2B, cast: Cast) -> None:
    """Four lines are more than three: in review for the line limit."""
    order = place_order(app, cast, PAPER=1, PEN=1, BOOK=1, SETUP=1)
    assert [r.code for r in read_order(app, order.id).route_reasons] == ["max_lines"]


def test_order_of_a_disabled_company_goes_to_review(app: B2B, cast: Cast) -> None:
    """A company the client switched off may still order, but a manager must look."""
    app.cabinet.edit_company(cast.supervisor, cast.branch_id, enabled=False)
    order = place_order(app, cast, company_id=cast.branch_id, PAPER=1)
    assert [r.code for r in read_order(app, order.id).route_reasons] == ["company_active"]


def test_manager_places_an_order_on_the_clients_behalf(app: B2B, cast: Cast) -> None:
    """A manager's order is the client's: placed for its company, on its supervisor's name."""
    order = app.ordering.place(
        cast.manager,
        client_id=cast.client_id,
        company_id=cast.branch_id,
        items=cart(PAPER=1),
        address_id=cast.address_id,
    )
    stored = read_order(app, order.id)
    assert (stored.client_id, stored.contact_id) == (cast.client_id, cast.supervisor.id)
    assert stored.history[0].actor == cast.manager


def test_unknown_sku_is_refused_and_nothing_is_placed(app: B2B, cast: Cast) -> None:
    """A SKU missing from the catalogue refuses the whole cart."""
    with pytest.raises(InvalidValue) as refused:
        place_order(app, cast, PAPER=1, NOSUCH=1)
    assert refused.value.field == "sku"
    assert all_orders(app) == []


def test_address_of_another_client_is_refused(app: B2B, cast: Cast) -> None:
    """Client B's delivery address cannot receive client A's order."""
    with pytest.raises(NotFound):
        app.ordering.place(
            cast.supervisor,
            company_id=cast.head_office_id,
            items=cart(PAPER=1),
            address_id=cast.other_address_id,
        )
    assert all_orders(app) == []


# -- an employee's reach -------------------------------------------------------------------


def test_employee_orders_for_the_granted_company(app: B2B, cast: Cast) -> None:
    """The employee buys for the head office, in their own name."""
    order = place_order(app, cast, actor=cast.employee, PAPER=1)
    assert read_order(app, order.id).contact_id == cast.employee.id


def test_employee_cannot_order_for_a_company_not_granted(app: B2B, cast: Cast) -> None:
    """The branch does not exist for the employee: NotFound, and no order."""
    with pytest.raises(NotFound):
        place_order(app, cast, actor=cast.employee, company_id=cast.branch_id, PAPER=1)
    assert all_orders(app) == []


def test_employee_does_not_see_orders_of_a_company_not_granted(app: B2B, cast: Cast) -> None:
    """The branch's orders are missing from the employee's list and cannot be opened."""
    own = place_order(app, cast, actor=cast.employee, PAPER=1)
    branch = place_order(app, cast, company_id=cast.branch_id, PAPER=2)
    assert [o.id for o in app.cabinet.orders(cast.employee)] == [own.id]
    with pytest.raises(NotFound):
        app.cabinet.order(cast.employee, branch.id)
    assert {o.id for o in app.cabinet.orders(cast.supervisor)} == {own.id, branch.id}


def test_employee_cannot_cancel_an_order_of_a_company_not_granted(app: B2B, cast: Cast) -> None:
    """Cancelling the branch's order is NotFound for the employee; it stays placed."""
    branch = place_order(app, cast, company_id=cast.branch_id, PAPER=2)
    with pytest.raises(NotFound):
        app.ordering.cancel(cast.employee, branch.id)
    assert read_order(app, branch.id).status is OrderStatus.PLACED


# -- tenant isolation ---------------------------------------------------------------------

FOREIGN_CALLS: dict[str, Callable[[B2B, Actor, str], object]] = {
    "open": lambda app, actor, order_id: app.cabinet.order(actor, order_id),
    "cancel": lambda app, actor, order_id: app.ordering.cancel(actor, order_id, "чужой"),
    "repeat": lambda app, actor, order_id: app.ordering.repeat(actor, order_id),
    "list intervals": lambda app, actor, order_id: app.ordering.delivery_intervals(actor, order_id),
    "choose interval": lambda app, actor, order_id: app.ordering.choose_delivery_interval(
        actor, order_id, "2026-11-27T09"
    ),
}


@pytest.mark.parametrize("call", FOREIGN_CALLS.values(), ids=FOREIGN_CALLS.keys())
@pytest.mark.parametrize("status", [OrderStatus.PLACED, OrderStatus.PAID])
def test_other_clients_buyer_gets_not_found_and_changes_nothing(
    world: InMemoryWorld,
    app: B2B,
    cast: Cast,
    call: Callable[[B2B, Actor, str], object],
    status: OrderStatus,
) -> None:
    """Client B's buyer cannot tell client A's order exists, let alone change it."""
    if status is OrderStatus.PAID:
        (order,) = paid_orders(world, app, cast, 1)
    else:
        order = place_order(app, cast, PAPER=1)
    before = all_orders(app)
    with pytest.raises(NotFound):
        call(app, cast.other_buyer, order.id)
    assert all_orders(app) == before
    assert app.cabinet.orders(cast.other_buyer) == []


@pytest.mark.parametrize("call", FOREIGN_CALLS.values(), ids=FOREIGN_CALLS.keys())
def test_ungranted_employee_gets_not_found_and_changes_nothing(
    world: InMemoryWorld, app: B2B, cast: Cast, call: Callable[[B2B, Actor, str], object]
) -> None:
    """Within client A, the branch's paid order is as invisible to the employee."""
    branch = place_order(app, cast, company_id=cast.branch_id, PAPER=1)
    app.processing.run_until_idle()
    pay_in_full(world, app, branch.id)
    app.processing.run_until_idle()
    before = all_orders(app)
    with pytest.raises(NotFound):
        call(app, cast.employee, branch.id)
    assert all_orders(app) == before


# -- cancel --------------------------------------------------------------------------------


def test_buyer_cancels_a_placed_order(app: B2B, cast: Cast) -> None:
    """Before payment the buyer's cancel goes through with the buyer's reason."""
    order = place_order(app, cast, PAPER=1)
    app.ordering.cancel(cast.supervisor, order.id, "заказали по ошибке")
    stored = read_order(app, order.id)
    assert stored.status is OrderStatus.CANCELLED
    assert stored.cancel_reason == "заказали по ошибке"


def test_buyer_cannot_cancel_a_paid_order(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """Once paid only a manager can cancel; the buyer's attempt changes nothing."""
    (order,) = paid_orders(world, app, cast, 1)
    before = state_of(read_order(app, order.id))
    with pytest.raises(IllegalTransition) as refused:
        app.ordering.cancel(cast.supervisor, order.id)
    assert refused.value.state == "paid"
    assert state_of(read_order(app, order.id)) == before


def test_manager_cancels_a_paid_order(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """A manager may still cancel after payment; the refund due is the amount paid."""
    (order,) = paid_orders(world, app, cast, 1)
    app.ordering.cancel(cast.manager, order.id, "клиент вернул деньги через банк")
    assert read_order(app, order.id).status is OrderStatus.CANCELLED


# -- repeat ---------------------------------------------------------------------------------


def test_repeat_places_a_new_order_at_todays_prices(app: B2B, cast: Cast) -> None:
    """Same SKUs and quantities, the new list price, a new number; placed and routed again."""
    original = place_order(app, cast, PAPER=10, PEN=3)
    app.catalogue.upsert_products(
        [Product(sku="PAPER", name="Бумага А4, 500 листов", list_price=Decimal("550.00"))]
    )
    repeated = app.ordering.repeat(cast.supervisor, original.id)
    stored = read_order(app, repeated.id)
    assert stored.id != original.id
    assert stored.number != original.number
    assert stored.status is OrderStatus.PLACED
    assert [(line.sku, line.quantity) for line in stored.lines] == [("PAPER", 10), ("PEN", 3)]
    assert stored.lines[0].unit_price == Decimal("550.00")
    assert stored.delivery_address == original.delivery_address


def test_repeat_leaves_the_original_untouched(app: B2B, cast: Cast) -> None:
    """The order repeated keeps its lines, prices, status, history and version."""
    original = place_order(app, cast, PAPER=10)
    before = state_of(read_order(app, original.id))
    app.catalogue.upsert_products(
        [Product(sku="PAPER", name="Бумага А4, 500 листов", list_price=Decimal("550.00"))]
    )
    app.ordering.repeat(cast.supervisor, original.id)
    assert state_of(read_order(app, original.id)) == before


def test_repeat_of_a_cancelled_order_is_a_fresh_order(app: B2B, cast: Cast) -> None:
    """Any order can be repeated, a cancelled one too."""
    original = place_order(app, cast, PAPER=1)
    app.ordering.cancel(cast.supervisor, original.id)
    repeated = app.ordering.repeat(cast.employee, original.id)
    stored = read_order(app, repeated.id)
    assert stored.status is OrderStatus.PLACED
    assert stored.contact_id == cast.employee.id


def test_repeat_routes_by_todays_total(app: B2B, cast: Cast) -> None:
    """Two laptops were automatic; at a higher price the repeat goes to review."""
    original = place_order(app, cast, LAPTOP=2)
    app.catalogue.upsert_products(
        [Product(sku="LAPTOP", name="Ноутбук 14", list_price=Decimal("150000.00"))]
    )
    repeated = app.ordering.repeat(cast.supervisor, original.id)
    assert read_order(app, repeated.id).status is OrderStatus.IN_REVIEW


# -- delivery interval --------------------------------------------------------------------


def paid_order(world: InMemoryWorld, app: B2B, cast: Cast) -> Order:
    (order,) = paid_orders(world, app, cast, 1)
    return order


def test_intervals_are_the_ones_the_warehouse_offers(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """From the day after today, working days only: Friday, then Monday and Tuesday."""
    order = paid_order(world, app, cast)
    ids = [i.id for i in app.ordering.delivery_intervals(cast.supervisor, order.id)]
    assert ids == [
        "2026-11-27T09",
        "2026-11-27T14",
        "2026-11-30T09",
        "2026-11-30T14",
        "2026-12-01T09",
        "2026-12-01T14",
    ]


def test_buyer_chooses_an_offered_interval(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """Choosing an offered interval schedules the delivery."""
    order = paid_order(world, app, cast)
    app.ordering.choose_delivery_interval(cast.supervisor, order.id, "2026-11-30T14")
    stored = read_order(app, order.id)
    assert stored.status is OrderStatus.SCHEDULED
    assert stored.delivery_interval is not None
    assert stored.delivery_interval.id == "2026-11-30T14"


def test_interval_not_offered_is_refused_and_changes_nothing(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """A Saturday slot is not offered: InvalidValue naming the interval; the order stays paid."""
    order = paid_order(world, app, cast)
    before = state_of(read_order(app, order.id))
    with pytest.raises(InvalidValue) as refused:
        app.ordering.choose_delivery_interval(cast.supervisor, order.id, "2026-11-28T09")
    assert refused.value.field == "delivery_interval"
    assert state_of(read_order(app, order.id)) == before


def test_interval_before_payment_is_refused(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """An invoiced order cannot be scheduled yet, even with an offered interval."""
    order = place_order(app, cast, PAPER=1)
    app.processing.run_until_idle()
    before = state_of(read_order(app, order.id))
    with pytest.raises(IllegalTransition):
        app.ordering.choose_delivery_interval(cast.supervisor, order.id, "2026-11-27T09")
    assert state_of(read_order(app, order.id)) == before
