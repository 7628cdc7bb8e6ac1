"""Random lives of many orders, driven through the application by every kind of actor.

Hypothesis plays client A's supervisor, client A's employee (granted the head
office, not the branch), client B's buyer, the manager and the worker (an
"owner" is the buyer of the order's own client), and the world around them: the
bank pays invoices in full, in part or too much, the warehouse ships and
delivers, hours and days pass, SAP times out or refuses.

Every step is either a legal change or a :class:`DomainError` that changed
nothing (:meth:`OrderLifecycle.attempt`). After every step the invariants hold:
totals are the sum of the lines to the kopeck, payments add up, finished orders
stay finished, each order's history is an unbroken chain ending in its status,
and the ERP holds exactly the stock of the orders that hold a reservation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
)

from b2bcore.adapters.clock import FixedClock
from b2bcore.application import LineAdjustment
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import DomainError, NotFound, Rejected, Unavailable
from b2bcore.domain.money import ZERO
from b2bcore.domain.order import Order, OrderStatus
from tests.builders import CATALOGUE, cart, open_shop

S = OrderStatus
SKUS = [product.sku for product in CATALOGUE]
# "owner" is the buyer whose client the order or company belongs to; listed twice so that
# legal moves are common enough for orders to get far, among plenty of illegal ones.
ACTORS = ["owner", "owner", "supervisor A", "employee A", "buyer B", "manager", "system"]
COMPANIES = ["A head office", "A branch", "B"]
PAID_OR_LATER = {S.PAID, S.SCHEDULED, S.TRANSPORT_REQUESTED, S.SHIPPED, S.DELIVERED}

# Mostly small; 6 toners or 25 laptops are short of stock or over the automatic limit.
order_quantities = st.sampled_from([1, 1, 1, 2, 2, 3, 6, 25])
# What happens in the background, weighted: mostly a worker pass, sometimes one during
# which SAP fails (the failure stays planned until some ERP call meets it), sometimes time.
BACKGROUND: list[object] = [
    *[None] * 10,
    Unavailable("sap", "timeout"),
    Rejected("sap", "material is blocked for sales"),
    timedelta(hours=1),
    timedelta(hours=8),
    timedelta(days=1),
    timedelta(days=6),
]
cart_lines = st.lists(st.tuples(st.sampled_from(SKUS), order_quantities), min_size=1, max_size=4)


@attrs.frozen
class Seen:
    """What a refused call must leave as it was, per order."""

    status: OrderStatus
    version: int
    history: int
    payments: tuple[object, ...]
    failure: object
    lines: tuple[object, ...]


def seen(order: Order) -> Seen:
    return Seen(
        order.status,
        order.version,
        len(order.history),
        order.payments,
        order.failure,
        order.lines,
    )


class OrderLifecycle(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.world, self.app, self.cast = open_shop()
        assert isinstance(self.world.clock, FixedClock)
        self.clock = self.world.clock
        self.actors = {
            "supervisor A": self.cast.supervisor,
            "employee A": self.cast.employee,
            "buyer B": self.cast.other_buyer,
            "manager": self.cast.manager,
            "system": Actor.system(),
        }
        self.owners = {
            self.cast.client_id: self.cast.supervisor,
            self.cast.other_client_id: self.cast.other_buyer,
        }
        self.last_seen: dict[str, Order] = {}
        self.shipped_transports: set[str] = set()
        self.foreign_changes: list[str] = []

    # -- reading the world (read only: stored orders are never changed in place) --------

    def stored(self) -> dict[str, Order]:
        return dict(self.world.database.orders)

    def order(self, order_id: str) -> Order:
        return self.world.database.orders[order_id]

    def snapshot(self) -> tuple[object, ...]:
        """Every order, the stock reserved, and the writes and mails sent out so far."""
        return (
            {i: seen(o) for i, o in self.stored().items()},
            {sku: self.world.erp.reserved(sku) for sku in SKUS},
            len(self.world.erp.side_effects),
            len(self.world.ledger.side_effects),
            len(self.world.mailer.sent),
        )

    def actor(self, name: str, order_id: str) -> Actor:
        if name == "owner":
            return self.owners[self.order(order_id).client_id]
        return self.actors[name]

    def out_of_reach(self, actor: Actor, order_id: str) -> bool:
        """Another client's order for a buyer, and the branch's orders for the employee."""
        order = self.order(order_id)
        if not actor.is_buyer:
            return False
        if actor.client_id != order.client_id:
            return True
        return actor == self.cast.employee and order.company_id == self.cast.branch_id

    def ids_where(self, wanted: Callable[[Order], bool]) -> list[str]:
        return [i for i, o in self.stored().items() if wanted(o)]

    def attempt(
        self,
        actor: Actor,
        call: Callable[[], Any],
        order_id: str | None = None,
        *,
        manager_only: bool = False,
    ) -> Any:
        """Run a use case: a legal change, or a DomainError that changed nothing at all.

        A buyer reaching for an order out of their reach must be told NotFound,
        except by the manager-only use cases, which refuse any buyer outright.
        """
        foreign = order_id is not None and self.out_of_reach(actor, order_id)
        before = self.snapshot()
        refusal: DomainError | None = None
        try:
            result = call()
        except DomainError as error:
            refusal = error
        if refusal is not None:
            assert self.snapshot() == before, f"refused with {refusal!r} but changed something"
            if foreign and not manager_only:
                assert isinstance(refusal, NotFound), f"{actor} was told {refusal!r}"
            return None
        if foreign:
            self.foreign_changes.append(f"{actor} on {order_id}")
        return result

    # -- the buyers and the manager ----------------------------------------------------------

    def where(self, company: str) -> tuple[str, str, str]:
        """(client id, company id, address id) of a company."""
        cast = self.cast
        if company == "B":
            return cast.other_client_id, cast.other_company_id, cast.other_address_id
        company_id = cast.head_office_id if company == "A head office" else cast.branch_id
        return cast.client_id, company_id, cast.address_id

    @rule(
        target=orders,
        actor=st.sampled_from(ACTORS),
        company=st.sampled_from(COMPANIES),
        lines=cart_lines,
    )
    def place(self, actor: str, company: str, lines: list[tuple[str, int]]) -> object:
        self.clock.advance(minutes=1)  # orders placed apart are served in a fixed order
        client_id, company_id, address_id = self.where(company)
        who = self.owners[client_id] if actor == "owner" else self.actors[actor]
        items = [item for sku, qty in lines for item in cart(**{sku: qty})]
        order = self.attempt(
            who,
            lambda: self.app.ordering.place(
                who,
                company_id=company_id,
                items=items,
                address_id=address_id,
                client_id=None if who.is_buyer else client_id,
            ),
        )
        return multiple() if order is None else order.id

    @rule(target=orders, actor=st.sampled_from(ACTORS), order_id=orders)
    def repeat(self, actor: str, order_id: str) -> object:
        self.clock.advance(minutes=1)
        who = self.actor(actor, order_id)
        order = self.attempt(who, lambda: self.app.ordering.repeat(who, order_id), order_id)
        return multiple() if order is None else order.id

    @rule(actor=st.sampled_from(ACTORS), order_id=orders, reason=st.sampled_from(["", "не нужно"]))
    def cancel(self, actor: str, order_id: str, reason: str) -> None:
        who = self.actor(actor, order_id)
        self.attempt(who, lambda: self.app.ordering.cancel(who, order_id, reason), order_id)

    @rule(actor=st.sampled_from(ACTORS), order_id=orders, pick=st.integers(0, 6))
    def choose_interval(self, actor: str, order_id: str, pick: int) -> None:
        """Pick one of the offered intervals, or (past their end) one never offered."""
        who = self.actor(actor, order_id)

        def choose() -> Order:
            offered = self.app.ordering.delivery_intervals(who, order_id)
            chosen = offered[pick].id if pick < len(offered) else "2031-01-01T09"
            return self.app.ordering.choose_delivery_interval(who, order_id, chosen)

        self.attempt(who, choose, order_id)

    @rule(actor=st.sampled_from(ACTORS), order_id=orders, note=st.sampled_from(["", "ок"]))
    def approve(self, actor: str, order_id: str, note: str) -> None:
        who = self.actor(actor, order_id)
        self.attempt(
            who, lambda: self.app.review.approve(who, order_id, note), order_id, manager_only=True
        )

    @rule(
        actor=st.sampled_from(ACTORS),
        order_id=orders,
        lines=st.none()
        | st.lists(
            st.builds(
                LineAdjustment,
                sku=st.sampled_from(SKUS),
                quantity=order_quantities,
                unit_price=st.none() | st.sampled_from([Decimal("0.00"), Decimal("99.99")]),
            ),
            min_size=1,
            max_size=3,
            unique_by=lambda adjustment: adjustment.sku,
        ),
        discount=st.none() | st.sampled_from([Decimal("0"), Decimal("5"), Decimal("12.5")]),
    )
    def adjust(
        self,
        actor: str,
        order_id: str,
        lines: list[LineAdjustment] | None,
        discount: Decimal | None,
    ) -> None:
        who = self.actor(actor, order_id)
        self.attempt(
            who,
            lambda: self.app.review.adjust(who, order_id, lines=lines, discount_percent=discount),
            order_id,
            manager_only=True,
        )

    @rule(actor=st.sampled_from(ACTORS), order_id=orders, reason=st.sampled_from(["", "нет"]))
    def reject(self, actor: str, order_id: str, reason: str) -> None:
        who = self.actor(actor, order_id)
        self.attempt(
            who,
            lambda: self.app.review.reject(who, order_id, reason),
            order_id,
            manager_only=True,
        )

    @rule(actor=st.sampled_from(ACTORS), order_id=orders)
    def retry(self, actor: str, order_id: str) -> None:
        who = self.actor(actor, order_id)
        self.attempt(who, lambda: self.app.review.retry(who, order_id), order_id, manager_only=True)

    # -- the worker and the world --------------------------------------------------------
    # The rules above pick any order for any actor; the ones below pick an order by its
    # state, so that enough orders get paid, scheduled, shipped and delivered.

    @rule(data=st.data())
    def time_goes_by(self, data: st.DataObject) -> None:
        """Mostly the worker makes a pass, now and then with SAP failing; or hours or days pass.

        One rule with weighted events, so the worker runs far more often than the
        clock jumps or SAP breaks. Six days expire any invoice issued before.
        """
        event = data.draw(st.sampled_from(BACKGROUND))
        if isinstance(event, timedelta):
            self.clock.set(self.clock.now() + event)
            return
        if isinstance(event, Exception):
            self.world.erp.fail_next(1, event)
        self.app.processing.run_once()  # a pass never raises, whatever fails outside

    @precondition(lambda self: self.ids_where(lambda o: o.invoice is not None))
    @rule(data=st.data())
    def bank_pays(self, data: st.DataObject) -> None:
        """The bank pays into an invoice, mostly an open one, but any order's by now."""
        waiting = self.ids_where(lambda o: o.status is S.INVOICED)
        issued = self.ids_where(lambda o: o.invoice is not None)
        order = self.order(data.draw(st.sampled_from(waiting * 3 + issued)))
        portion = data.draw(st.sampled_from(["full", "full", "half", "kopeck", "over"]))
        assert order.invoice is not None
        due = order.amount_due
        amount = {
            "full": due,
            "half": (due / 2).quantize(Decimal("0.01")),
            "kopeck": Decimal("0.01"),
            "over": due + Decimal("100.00"),
        }[portion]
        if amount > 0:
            self.world.ledger.pay(order.invoice.number, amount)

    @precondition(lambda self: self.ids_where(lambda o: o.status is S.PAID))
    @rule(data=st.data())
    def paid_order_is_scheduled(self, data: st.DataObject) -> None:
        """Its buyer or the manager picks an interval of a paid order (or one never offered)."""
        order_id = data.draw(st.sampled_from(self.ids_where(lambda o: o.status is S.PAID)))
        actor = data.draw(st.sampled_from(["owner", "manager"]))
        self.choose_interval(actor, order_id, data.draw(st.integers(0, 6)))

    @precondition(lambda self: self.ids_where(lambda o: o.needs_manager))
    @rule(data=st.data())
    def manager_works_the_queue(self, data: st.DataObject) -> None:
        """The manager takes an order from the queue and approves, retries or rejects it."""
        order_id = data.draw(st.sampled_from(self.ids_where(lambda o: o.needs_manager)))
        decision = data.draw(st.sampled_from(["approve", "approve", "retry", "reject"]))
        if decision == "approve":
            self.approve("manager", order_id, "")
        elif decision == "retry":
            self.retry("manager", order_id)
        else:
            self.reject("manager", order_id, "нет")

    @precondition(lambda self: self.ids_where(lambda o: o.transport_request is not None))
    @rule(data=st.data())
    def warehouse_moves_goods(self, data: st.DataObject) -> None:
        """The warehouse ships (or ships and delivers) a transport request."""
        order_id = data.draw(
            st.sampled_from(self.ids_where(lambda o: o.transport_request is not None))
        )
        deliver = data.draw(st.booleans())
        reference = self.order(order_id).transport_request
        assert reference is not None
        try:
            if deliver:
                self.world.erp.deliver(reference)
            else:
                self.world.erp.ship(reference)
        except Rejected:
            return  # the reservation was released: nothing left to ship
        self.shipped_transports.add(reference)

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def totals_are_the_sum_of_lines_and_delivery(self) -> None:
        for order in self.stored().values():
            goods = sum((line.gross for line in order.lines), ZERO)
            assert order.gross_total == goods + order.delivery.gross, order.number
            assert order.gross_total.as_tuple().exponent == -2, order.gross_total
            if order.invoice is not None:
                assert order.invoice.amount == order.gross_total, order.number

    @invariant()
    def amount_paid_is_the_sum_of_payments(self) -> None:
        for order in self.stored().values():
            assert order.amount_paid == sum((p.amount for p in order.payments), ZERO)
            assert len({p.payment_id for p in order.payments}) == len(order.payments)
            if order.status is S.INVOICED:
                assert order.amount_paid < order.gross_total, order.number
            if order.status in PAID_OR_LATER:
                assert order.amount_paid >= order.gross_total, order.number

    @invariant()
    def orders_only_move_forward(self) -> None:
        """Finished orders stay finished; versions never fall; history is only appended to."""
        for order_id, order in self.stored().items():
            last = self.last_seen.get(order_id)
            if last is not None:
                if last.status.is_terminal:
                    assert order.status is last.status, f"{order.number} left {last.status}"
                assert order.version >= last.version
                assert order.history[: len(last.history)] == last.history
            self.last_seen[order_id] = order

    @invariant()
    def history_is_an_unbroken_chain(self) -> None:
        for order in self.stored().values():
            assert order.history[0].from_status is None
            for previous, entry in pairwise(order.history):
                assert entry.from_status is previous.to_status, order.number
            assert order.history[-1].to_status is order.status, order.number

    @invariant()
    def erp_holds_exactly_the_reserved_orders_stock(self) -> None:
        held = dict.fromkeys(SKUS, 0)
        for order in self.stored().values():
            if self.holds_stock(order):
                for line in order.lines:
                    held[line.sku] += line.quantity
        for sku in SKUS:
            assert self.world.erp.reserved(sku) <= self.world.erp.on_hand(sku), sku
            assert self.world.erp.reserved(sku) == held[sku], sku

    def holds_stock(self, order: Order) -> bool:
        """Reserved and not yet shipped, or cancelled with the release still to do."""
        if order.reservation is None or order.transport_request in self.shipped_transports:
            return False
        return order.holds_reservation or (order.status is S.CANCELLED and order.release_pending)

    @invariant()
    def nobody_changed_an_order_out_of_reach(self) -> None:
        assert self.foreign_changes == []


TestOrderLifecycle = OrderLifecycle.TestCase
# The profile (conftest.py) gives the examples and derandomizes in CI; long runs reach delivery.
TestOrderLifecycle.settings = settings(stateful_step_count=100)
