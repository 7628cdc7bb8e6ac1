"""The order-summary contract: ``OrderRepository.summaries``, the read behind every order
list, on each store. Summaries are what ``list`` would give, without loading orders.

:class:`OrderSummariesContract` is written against the ports only; its subclasses for
the in-memory store, SQLite and PostgreSQL are at the end of this module.
"""

from __future__ import annotations

import abc
from datetime import date, timedelta
from decimal import Decimal

import pytest

from b2bcore.domain.order import Order, OrderStatus
from b2bcore.ports.repositories import OrderFilter, OrderSummary, UnitOfWorkFactory
from tests.builders import (
    SECOND_INN,
    SECOND_KPP,
    SYSTEM,
    company_id_for,
    invoiced_order,
    make_client,
    make_manager,
    make_order,
    on,
    order_in,
    paid_order,
)
from tests.contracts.storage import InMemory, OnPostgres, OnSqlite


def _placed(day: int) -> Order:
    return make_order(order_id=f"o{day}", placed_at=on(date(2026, 3, day), 10))


def _partly_paid(order: Order) -> Order:
    """``order`` invoiced and paid 1000.00 of its total."""
    invoiced = invoiced_order(order)
    invoiced.record_payment(
        SYSTEM,
        payment_id=f"part-{order.id}",
        amount=Decimal("1000.00"),
        received_at=order.placed_at + timedelta(hours=1),
    )
    return invoiced


class OrderSummariesContract(abc.ABC):
    """Behaviour every OrderRepository must show in ``summaries``."""

    @abc.abstractmethod
    def make_uow_factory(self) -> UnitOfWorkFactory:
        """A factory of units of work over a fresh, empty store."""

    @pytest.fixture
    def uows(self) -> UnitOfWorkFactory:
        """A fresh store with the shop's manager and clients client-1 and client-2."""
        uows = self.make_uow_factory()
        with uows() as uow:
            uow.managers.add(make_manager())
            uow.clients.add(make_client(client_id="client-1"))
            uow.clients.add(make_client(client_id="client-2", inn=SECOND_INN, kpp=SECOND_KPP))
            uow.commit()
        return uows

    @pytest.fixture
    def orders(self, uows: UnitOfWorkFactory) -> list[Order]:
        """Seven committed orders of 1..7 March: placed, invoiced, client-2's, paid, of
        client-1's second company, in review, part-paid."""
        made = [
            _placed(1),
            invoiced_order(_placed(2)),
            make_order(order_id="o3", client_id="client-2", placed_at=on(date(2026, 3, 3), 10)),
            paid_order(_placed(4)),
            make_order(
                order_id="o5", company_id="client-1-branch", placed_at=on(date(2026, 3, 5), 10)
            ),
            order_in(OrderStatus.IN_REVIEW, _placed(6)),
            _partly_paid(_placed(7)),
        ]
        with uows() as uow:
            for order in made:
                uow.orders.add(order)
            uow.commit()
        return made

    def summaries(self, uows: UnitOfWorkFactory, criteria: OrderFilter) -> list[OrderSummary]:
        with uows() as uow:
            return list(uow.orders.summaries(criteria))

    def test_a_summary_holds_the_orders_values(
        self, uows: UnitOfWorkFactory, orders: list[Order]
    ) -> None:
        """Each summary equals OrderSummary.of(the order): totals, payments, invoice, route."""
        by_id = {s.id: s for s in self.summaries(uows, OrderFilter())}
        assert by_id == {order.id: OrderSummary.of(order) for order in orders}

    @pytest.mark.parametrize(
        "criteria",
        [
            OrderFilter(),
            OrderFilter(client_id="client-1"),
            OrderFilter(client_id="client-1", company_ids=frozenset({company_id_for("client-1")})),
            OrderFilter(company_ids=frozenset({"client-1-branch", company_id_for("client-2")})),
            OrderFilter(client_id="client-1", statuses=frozenset({OrderStatus.PLACED})),
            OrderFilter(statuses=frozenset({OrderStatus.INVOICED, OrderStatus.PAID})),
            OrderFilter(placed_from=date(2026, 3, 2), placed_to=date(2026, 3, 4)),
            OrderFilter(client_id="client-1", limit=2),
            OrderFilter(client_id="client-1", limit=2, offset=2),
            OrderFilter(offset=5),
            OrderFilter(client_id="nobody"),
        ],
        ids=[
            "all",
            "client",
            "client and company",
            "two companies",
            "client and status",
            "two statuses",
            "period",
            "first page",
            "second page",
            "last page",
            "none",
        ],
    )
    @pytest.mark.usefixtures("orders")
    def test_summaries_are_what_list_gives(
        self, uows: UnitOfWorkFactory, criteria: OrderFilter
    ) -> None:
        """The same orders in the same order as list, for every filter and page."""
        with uows() as uow:
            listed = [OrderSummary.of(order) for order in uow.orders.list(criteria)]
            assert list(uow.orders.summaries(criteria)) == listed

    def test_summaries_are_newest_first_with_the_id_breaking_ties(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """Orders placed at the same instant come by id, descending, on every page."""
        at = on(date(2026, 3, 1), 10)
        with uows() as uow:
            for order_id in ("a", "c", "b", "d"):
                uow.orders.add(make_order(order_id=order_id, placed_at=at))
            uow.commit()
        pages = [
            [s.id for s in self.summaries(uows, OrderFilter(limit=2, offset=offset))]
            for offset in (0, 2)
        ]
        assert pages == [["d", "c"], ["b", "a"]]

    def test_amount_due_is_what_is_left_to_pay(
        self, uows: UnitOfWorkFactory, orders: list[Order]
    ) -> None:
        """A part-paid order is due its total less the payment; a paid one nothing."""
        by_id = {s.id: s for s in self.summaries(uows, OrderFilter())}
        part_paid, paid = by_id["o7"], by_id["o4"]
        assert part_paid.amount_paid == Decimal("1000.00")
        assert part_paid.amount_due == orders[6].gross_total - Decimal("1000.00")
        assert (paid.amount_due, paid.invoice_number) == (Decimal("0.00"), "СЧ-o4")

    @pytest.mark.usefixtures("orders")
    def test_summaries_see_this_unit_of_works_changes(self, uows: UnitOfWorkFactory) -> None:
        """An order added and one changed but not committed are listed as they are now."""
        with uows() as uow:
            uow.orders.add(make_order(order_id="o8", placed_at=on(date(2026, 3, 8), 10)))
            invoiced_order(uow.orders.get("o1"))
            found = uow.orders.summaries(
                OrderFilter(client_id="client-1", statuses=frozenset({OrderStatus.INVOICED}))
            )
            newest = uow.orders.summaries(OrderFilter(limit=1))
        assert [s.id for s in found] == ["o7", "o2", "o1"]
        assert found[2].invoice_number == "СЧ-o1"
        assert [s.id for s in newest] == ["o8"]

    @pytest.mark.usefixtures("orders")
    def test_summaries_leave_out_what_no_longer_matches(self, uows: UnitOfWorkFactory) -> None:
        """A held order whose change takes it out of the filter is not listed as stored."""
        with uows() as uow:
            paid_order(uow.orders.get("o1"))
            placed = uow.orders.summaries(
                OrderFilter(client_id="client-1", statuses=frozenset({OrderStatus.PLACED}))
            )
        assert [s.id for s in placed] == ["o5"]


class TestInMemoryOrderSummaries(InMemory, OrderSummariesContract):
    pass


class TestSqliteOrderSummaries(OnSqlite, OrderSummariesContract):
    pass


class TestPostgresOrderSummaries(OnPostgres, OrderSummariesContract):
    pass
