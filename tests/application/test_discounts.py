"""The volume discount at work: it follows paid orders into and out of the rolling window."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from b2bcore.adapters.clock import FixedClock
from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from tests.builders import (
    Cast,
    cart,
    paid_orders,
    pay_in_full,
    place_order,
    read_order,
)


def discount(app: B2B, cast: Cast) -> Decimal:
    return app.cabinet.client(cast.supervisor).discount_percent


def test_paid_volume_of_300_000_moves_the_client_to_3_percent(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """360 000 ₽ of paid goods: 3 %, and 640 000 ₽ more to reach 5 %."""
    paid_orders(world, app, cast, 2, 1)
    changes = app.discounts.recompute()
    assert changes == {cast.client_id: ("0.00", "3.00")}
    summary = app.cabinet.summary(cast.supervisor)
    assert summary.discount.current.percent == Decimal("3.00")
    assert summary.discount.amount_to_next == Decimal("640000.00")
    assert discount(app, cast) == Decimal("3.00")


def test_unpaid_orders_do_not_count(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """Invoiced but unpaid goods are no volume."""
    place_order(app, cast, LAPTOP=2)
    place_order(app, cast, LAPTOP=2)
    app.processing.run_until_idle()
    assert app.discounts.recompute() == {}
    assert discount(app, cast) == Decimal("0.00")


def test_volume_counts_goods_not_delivery(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """299 999.99 ₽ of goods plus a delivery charge is still below the tier."""
    paid_orders(world, app, cast, 2)
    app.catalogue.set_contract_price(cast.manager, cast.client_id, "TONER", Decimal("59999.99"))
    world.erp.set_stock("TONER", 10)
    order = place_order(app, cast, TONER=1)
    app.processing.run_until_idle()
    pay_in_full(world, app, order.id)
    app.processing.run_until_idle()
    assert read_order(app, order.id).delivery.gross == Decimal("1500.00")
    app.discounts.recompute()
    assert discount(app, cast) == Decimal("0.00")


def test_each_changed_discount_leaves_one_message_in_the_outbox(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """One DiscountChanged message per changed client, with the old and new percents;
    the worker mails the supervisors from it."""
    paid_orders(world, app, cast, 2, 1)
    changes = app.discounts.recompute()
    with app.services.uow() as uow:
        messages = [m for m in uow.outbox.pending(limit=1000) if m.topic == "DiscountChanged"]
    assert [
        (m.aggregate_id, m.payload["old_percent"], m.payload["new_percent"]) for m in messages
    ] == [(client_id, old, new) for client_id, (old, new) in changes.items()]
    assert changes == {cast.client_id: ("0.00", "3.00")}


def test_a_recompute_without_changes_leaves_no_message(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """Clients whose tier did not move get no message."""
    paid_orders(world, app, cast, 2, 1)
    app.discounts.recompute()
    app.discounts.recompute()
    with app.services.uow() as uow:
        topics = [m.topic for m in uow.outbox.pending(limit=1000)]
    assert topics.count("DiscountChanged") == 1


def test_the_discount_falls_back_when_the_volume_leaves_the_window(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """Paid on 26 November: counted through 25 February, gone on 26 February."""
    paid_orders(world, app, cast, 2, 1)
    app.discounts.recompute()

    clock.set(datetime(2027, 2, 25, 10, 0, tzinfo=UTC))
    assert app.discounts.recompute() == {}
    assert discount(app, cast) == Decimal("3.00")

    clock.set(datetime(2027, 2, 26, 10, 0, tzinfo=UTC))
    assert app.discounts.recompute() == {cast.client_id: ("3.00", "0.00")}
    assert discount(app, cast) == Decimal("0.00")


def test_an_order_keeps_the_discount_it_was_placed_with(
    world: InMemoryWorld, clock: FixedClock, app: B2B, cast: Cast
) -> None:
    """An order placed at 3 % stays at 3 % after the client falls back to 0 %."""
    paid_orders(world, app, cast, 2, 1)
    app.discounts.recompute()
    order = place_order(app, cast, PAPER=10)
    clock.set(datetime(2027, 2, 26, 10, 0, tzinfo=UTC))
    app.discounts.recompute()

    stored = read_order(app, order.id)
    assert stored.discount_percent == Decimal("3.00")
    assert stored.lines[0].unit_price == Decimal("485.00")
    assert stored.gross_total == Decimal("6350.00")
    (fresh,) = app.ordering.quote(cast.supervisor, items=cart(PAPER=10)).lines
    assert fresh.unit_price == Decimal("500.00")


def test_a_cancelled_paid_order_leaves_the_volume(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """A paid order cancelled by a manager no longer counts towards the discount."""
    first, _ = paid_orders(world, app, cast, 2, 1)
    app.ordering.cancel(cast.manager, first.id, "возврат")
    assert app.discounts.recompute() == {}
    assert discount(app, cast) == Decimal("0.00")
