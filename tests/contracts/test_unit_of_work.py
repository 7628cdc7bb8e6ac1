"""The unit-of-work contract: what every store of b2bcore's aggregates must do.

:class:`UnitOfWorkContract` holds the behaviour and is written against the
ports only; each implementation subclasses it and says how to build a factory
over a fresh, empty store (``make_uow_factory``). The subclasses for the
in-memory store, SQLite and PostgreSQL are at the end of this module.

A database refuses a row that refers to a missing one (a client's manager, an
order's client, a price's client and product), so every test starts with the
shop's manager stored, and a test that stores orders first stores their
clients (the ``buyers`` fixture).
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from b2bcore.domain.actors import Actor
from b2bcore.domain.client import CorporateClient
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.errors import Conflict, InvalidValue, InvariantViolation, NotFound
from b2bcore.domain.events import DomainEvent
from b2bcore.domain.money import ZERO
from b2bcore.domain.order import DocumentRef, Order, OrderStatus
from b2bcore.domain.tasks import ManagerTask
from b2bcore.ports.repositories import OrderFilter, ReportFilter, UnitOfWorkFactory
from tests.builders import (
    INN,
    KPP,
    NOW,
    SECOND_INN,
    SECOND_KPP,
    SYSTEM,
    company_id_for,
    invoiced_order,
    make_client,
    make_manager,
    make_order,
    make_product,
    make_task,
    on,
    orders_with_every_note,
    paid_order,
    state_of,
)
from tests.contracts.storage import InMemory, OnPostgres, OnSqlite

MANAGER = Actor.manager("manager-1")


@attrs.frozen(kw_only=True)
class Unserializable(DomainEvent):
    """An event no outbox can store: its payload holds an arbitrary object."""

    client_id: str
    blob: object = attrs.field(factory=object)


MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def store(uows: UnitOfWorkFactory, *aggregates: CorporateClient | Order | ManagerTask) -> None:
    """Add ``aggregates`` and commit, in one unit of work."""
    with uows() as uow:
        for aggregate in aggregates:
            if isinstance(aggregate, CorporateClient):
                uow.clients.add(aggregate)
            elif isinstance(aggregate, Order):
                uow.orders.add(aggregate)
            else:
                uow.tasks.add(aggregate)
        uow.commit()


def listed(uows: UnitOfWorkFactory, criteria: OrderFilter) -> Sequence[str]:
    with uows() as uow:
        return [order.id for order in uow.orders.list(criteria)]


class UnitOfWorkContract(abc.ABC):
    """Behaviour every UnitOfWork implementation must show."""

    @abc.abstractmethod
    def make_uow_factory(self) -> UnitOfWorkFactory:
        """A factory of units of work over a fresh, empty store."""

    @pytest.fixture
    def uows(self) -> UnitOfWorkFactory:
        """Units of work over a fresh store holding the shop's manager, ``manager-1``."""
        uows = self.make_uow_factory()
        with uows() as uow:
            uow.managers.add(make_manager())
            uow.commit()
        return uows

    @pytest.fixture
    def buyers(self, uows: UnitOfWorkFactory) -> None:
        """The clients the built orders belong to: client-1 (INN, KPP) and client-2
        (SECOND_INN, SECOND_KPP)."""
        store(
            uows,
            make_client(client_id="client-1"),
            make_client(client_id="client-2", inn=SECOND_INN, kpp=SECOND_KPP),
        )

    # -- commit and rollback ---------------------------------------------------

    def test_committed_client_reads_back_unchanged(self, uows: UnitOfWorkFactory) -> None:
        """A committed client comes back from a new unit of work with the same state."""
        client = make_client()
        store(uows, client)
        with uows() as uow:
            assert state_of(uow.clients.get("client-1")) == state_of(client)

    @pytest.mark.usefixtures("buyers")
    def test_committed_order_reads_back_unchanged(self, uows: UnitOfWorkFactory) -> None:
        """A paid order, history and payments included, comes back with the same state."""
        order = paid_order()
        store(uows, order)
        with uows() as uow:
            assert state_of(uow.orders.get("order-1")) == state_of(order)

    @pytest.mark.usefixtures("buyers")
    def test_history_notes_read_back_unchanged(self, uows: UnitOfWorkFactory) -> None:
        """Every kind of history note (codes, params, typed text) survives storage."""
        orders = orders_with_every_note()
        store(uows, *orders)
        with uows() as uow:
            for order in orders:
                stored = uow.orders.get(order.id)
                assert [t.notes for t in stored.history] == [t.notes for t in order.history]
                assert state_of(stored) == state_of(order)

    def test_nothing_is_stored_without_commit(self, uows: UnitOfWorkFactory) -> None:
        """Leaving the block without commit stores nothing."""
        with uows() as uow:
            uow.clients.add(make_client())
            uow.orders.add(make_order())
        with uows() as uow:
            assert list(uow.clients.ids()) == []
            assert not uow.orders.list(OrderFilter())

    def test_an_exception_in_the_block_stores_nothing(self, uows: UnitOfWorkFactory) -> None:
        """An exception raised inside the block propagates and nothing is stored."""

        def add_then_fail() -> None:
            with uows() as uow:
                uow.clients.add(make_client())
                raise LookupError("the use case failed")

        with pytest.raises(LookupError):
            add_then_fail()
        with uows() as uow:
            assert list(uow.clients.ids()) == []

    def test_get_of_an_unknown_id_raises_not_found(self, uows: UnitOfWorkFactory) -> None:
        """Every repository's ``get`` of an unknown id raises NotFound."""
        with uows() as uow:
            for get in (uow.clients.get, uow.orders.get, uow.tasks.get, uow.managers.get):
                with pytest.raises(NotFound):
                    get("nobody")

    def test_get_by_unknown_number_raises_not_found(self, uows: UnitOfWorkFactory) -> None:
        """An order number nobody holds raises NotFound."""
        with uows() as uow, pytest.raises(NotFound):
            uow.orders.get_by_number("ЗК-0")

    def test_an_aggregate_is_loaded_once_per_unit_of_work(self, uows: UnitOfWorkFactory) -> None:
        """Loading the same id twice in one unit of work returns the same object."""
        store(uows, make_client(), make_order())
        with uows() as uow:
            assert uow.orders.get("order-1") is uow.orders.list(OrderFilter())[0]
            assert uow.clients.get("client-1") is uow.clients.find_by_company(INN, KPP)

    def test_an_added_aggregate_is_readable_before_commit(self, uows: UnitOfWorkFactory) -> None:
        """A unit of work reads its own uncommitted adds."""
        order = make_order()
        with uows() as uow:
            uow.orders.add(order)
            assert uow.orders.get("order-1") is order

    @pytest.mark.usefixtures("buyers")
    def test_a_unit_of_work_may_commit_twice(self, uows: UnitOfWorkFactory) -> None:
        """A change made after a commit is stored by the next commit."""
        store(uows, make_order())
        with uows() as uow:
            uow.orders.get("order-1").reserve(SYSTEM, NOW, "reservation-1")
            uow.commit()
            uow.orders.get("order-1").issue_invoice(SYSTEM, NOW, number="СЧ-1", due_date=NOW.date())
            uow.commit()
        with uows() as uow:
            assert uow.orders.get("order-1").status is OrderStatus.INVOICED

    @pytest.mark.usefixtures("buyers")
    def test_changes_after_the_last_commit_are_dropped(self, uows: UnitOfWorkFactory) -> None:
        """Leaving the block drops what changed since the last commit, and only that."""
        store(uows, make_order())
        with uows() as uow:
            uow.orders.get("order-1").reserve(SYSTEM, NOW, "reservation-1")
            uow.commit()
            uow.orders.get("order-1").issue_invoice(SYSTEM, NOW, number="СЧ-1", due_date=NOW.date())
        with uows() as uow:
            assert uow.orders.get("order-1").status is OrderStatus.RESERVED

    # -- concurrency -------------------------------------------------------------

    @pytest.mark.usefixtures("buyers")
    def test_concurrent_change_conflicts_and_the_first_survives(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """Of two units of work changing one order, the second to commit gets Conflict."""
        store(uows, make_order())
        first, second = uows(), uows()
        with first, second:
            first.orders.get("order-1").reserve(SYSTEM, NOW, "reservation-1")
            second.orders.get("order-1").cancel(MANAGER, NOW, "duplicate")
            first.commit()
            with pytest.raises(Conflict):
                second.commit()
        with uows() as uow:
            assert uow.orders.get("order-1").reservation == "reservation-1"

    @pytest.mark.usefixtures("buyers")
    def test_a_failed_commit_writes_nothing(self, uows: UnitOfWorkFactory) -> None:
        """A conflict on one aggregate keeps every other change of the commit out too."""
        store(uows, make_order())
        first, second = uows(), uows()
        with first, second:
            first.orders.get("order-1").reserve(SYSTEM, NOW, "reservation-1")
            second.orders.get("order-1").cancel(MANAGER, NOW, "duplicate")
            second.clients.add(make_client(client_id="client-3", kpp=SECOND_KPP))
            first.commit()
            with pytest.raises(Conflict):
                second.commit()
        with uows() as uow:
            assert "client-3" not in uow.clients.ids()

    def test_an_unchanged_aggregate_does_not_conflict(self, uows: UnitOfWorkFactory) -> None:
        """Only changed aggregates are version-checked: a read does not block a writer."""
        store(uows, make_order(), make_client())
        first, second = uows(), uows()
        with first, second:
            first.orders.get("order-1")
            first.clients.get("client-1").block()
            second.orders.get("order-1").reserve(SYSTEM, NOW, "reservation-1")
            second.commit()
            first.commit()
        with uows() as uow:
            assert not uow.clients.get("client-1").is_active
            assert uow.orders.get("order-1").status is OrderStatus.RESERVED

    @pytest.mark.usefixtures("buyers")
    def test_threads_never_lose_an_update(self, uows: UnitOfWorkFactory) -> None:
        """Threads changing one order at once, retrying on Conflict, all get their change in."""
        store(uows, make_order())
        threads = 6
        all_loaded = threading.Barrier(threads)

        def attach(n: int) -> None:
            first_try = True
            while True:
                try:
                    with uows() as uow:
                        order = uow.orders.get("order-1")
                        if first_try:  # make every thread hold the same version
                            first_try = False
                            all_loaded.wait(timeout=10)
                        order.attach_document(
                            DocumentRef(
                                kind="act", number=str(n), issued_on=NOW.date(), storage_key=f"{n}"
                            )
                        )
                        uow.commit()
                        return
                except Conflict:
                    continue

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(attach, range(threads)))
        with uows() as uow:
            order = uow.orders.get("order-1")
            assert sorted(d.storage_key for d in order.documents) == [
                str(n) for n in range(threads)
            ]

    # -- uniqueness --------------------------------------------------------------

    @pytest.mark.usefixtures("buyers")
    def test_a_stored_id_cannot_be_added_again(self, uows: UnitOfWorkFactory) -> None:
        """Adding an aggregate whose id is already stored raises Conflict."""
        store(uows, make_order())
        with pytest.raises(Conflict):
            store(uows, make_order(number="ЗК-other"))

    def test_concurrent_adds_of_one_id_conflict(self, uows: UnitOfWorkFactory) -> None:
        """Of two units of work adding the same new id, the second to commit gets Conflict."""
        first, second = uows(), uows()
        with first, second:
            first.clients.add(make_client(client_id="client-1"))
            second.clients.add(make_client(client_id="client-1", kpp=SECOND_KPP))
            first.commit()
            with pytest.raises(Conflict):
                second.commit()
        with uows() as uow:
            assert uow.clients.find_by_company(INN, SECOND_KPP) is None

    @pytest.mark.usefixtures("buyers")
    def test_duplicate_order_number_conflicts(self, uows: UnitOfWorkFactory) -> None:
        """Two orders cannot share a number."""
        store(uows, make_order(order_id="order-1", number="ЗК-2026-000001"))
        with pytest.raises(Conflict):
            store(uows, make_order(order_id="order-2", number="ЗК-2026-000001"))

    @pytest.mark.usefixtures("buyers")
    def test_duplicate_invoice_number_conflicts(self, uows: UnitOfWorkFactory) -> None:
        """Two orders cannot carry invoices with one number."""
        store(uows, invoiced_order(make_order(order_id="order-1"), invoice_number="СЧ-1"))
        with pytest.raises(Conflict):
            store(uows, invoiced_order(make_order(order_id="order-2"), invoice_number="СЧ-1"))

    def test_inn_kpp_of_another_client_conflicts(self, uows: UnitOfWorkFactory) -> None:
        """A second client with a stored INN+KPP raises Conflict naming the INN."""
        store(uows, make_client(client_id="client-1"))
        with pytest.raises(Conflict, match=INN):
            store(uows, make_client(client_id="client-2"))

    def test_a_refused_client_leaves_no_trace(self, uows: UnitOfWorkFactory) -> None:
        """After the INN+KPP conflict nothing of the second client is stored."""
        store(uows, make_client(client_id="client-1"))
        with pytest.raises(Conflict):
            store(uows, make_client(client_id="client-2"), make_order(client_id="client-2"))
        with uows() as uow:
            assert list(uow.clients.ids()) == ["client-1"]
            assert not uow.orders.list(OrderFilter())

    def test_the_same_inn_with_another_kpp_is_another_company(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """A branch (same INN, own KPP) may belong to another client."""
        store(uows, make_client(client_id="client-1"))
        store(uows, make_client(client_id="client-2", kpp=SECOND_KPP))
        with uows() as uow:
            assert list(uow.clients.ids()) == ["client-1", "client-2"]

    def test_an_email_of_another_clients_user_conflicts(self, uows: UnitOfWorkFactory) -> None:
        """A user signs in by e-mail, so two clients' users cannot share one."""
        store(uows, make_client(client_id="client-1", email="buyer@example.ru"))
        with pytest.raises(Conflict, match=r"buyer@example\.ru"):
            store(
                uows,
                make_client(client_id="client-2", kpp=SECOND_KPP, email="buyer@example.ru"),
            )
        with uows() as uow:
            assert list(uow.clients.ids()) == ["client-1"]

    # -- client queries ------------------------------------------------------------

    def test_find_client_by_company(self, uows: UnitOfWorkFactory) -> None:
        """find_by_company matches INN and KPP together."""
        store(uows, make_client(client_id="client-1"))
        with uows() as uow:
            found = uow.clients.find_by_company(INN, KPP)
            assert found is not None
            assert found.id == "client-1"
            assert uow.clients.find_by_company(INN, SECOND_KPP) is None
            assert uow.clients.find_by_company(SECOND_INN, KPP) is None

    def test_find_client_by_contact_email(self, uows: UnitOfWorkFactory) -> None:
        """find_by_contact_email ignores case and surrounding spaces."""
        store(uows, make_client(client_id="client-1", email="buyer@example.ru"))
        with uows() as uow:
            found = uow.clients.find_by_contact_email(" Buyer@Example.RU ")
            assert found is not None
            assert found.id == "client-1"
            assert uow.clients.find_by_contact_email("other@example.ru") is None

    # -- discounts in bulk -----------------------------------------------------------

    @pytest.fixture
    def three_clients(self, uows: UnitOfWorkFactory) -> None:
        """client-1 at 5 % (version 1), client-2 and client-3 at 0 % (version 0)."""
        client = make_client(client_id="client-1")
        client.set_discount(Decimal("5.00"), now=NOW)
        store(
            uows,
            client,
            make_client(client_id="client-2", inn=SECOND_INN, kpp=SECOND_KPP),
            make_client(client_id="client-3", kpp=SECOND_KPP),
        )

    @staticmethod
    def discount_messages(uows: UnitOfWorkFactory) -> list[tuple[str, str, str]]:
        with uows() as uow:
            messages = uow.outbox.pending(limit=1000)
        return sorted(
            (m.aggregate_id, m.payload["old_percent"], m.payload["new_percent"])
            for m in messages
            if m.topic == "DiscountChanged"
        )

    @pytest.mark.usefixtures("three_clients")
    def test_discounts_returns_every_clients_discount(self, uows: UnitOfWorkFactory) -> None:
        """discounts() maps every client to its current discount."""
        with uows() as uow:
            assert dict(uow.clients.discounts()) == {
                "client-1": Decimal("5.00"),
                "client-2": ZERO,
                "client-3": ZERO,
            }

    @pytest.mark.usefixtures("three_clients")
    def test_discounts_sees_this_unit_of_works_changes(self, uows: UnitOfWorkFactory) -> None:
        """A client held and changed here counts as held, as every other lookup does."""
        with uows() as uow:
            uow.clients.get("client-2").set_discount(Decimal("3.00"), now=NOW)
            assert uow.clients.discounts()["client-2"] == Decimal("3.00")

    @pytest.mark.usefixtures("three_clients")
    def test_apply_discounts_changes_exactly_the_named_clients(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """The named clients get their discount and version + 1, the others stay as they were."""
        with uows() as uow:
            uow.clients.discounts()
            uow.clients.apply_discounts(
                {"client-1": Decimal("7.00"), "client-2": Decimal("3.00")}, now=NOW
            )
            uow.commit()
        with uows() as uow:
            found = {cid: uow.clients.get(cid) for cid in ("client-1", "client-2", "client-3")}
        assert {cid: (c.discount_percent, c.version) for cid, c in found.items()} == {
            "client-1": (Decimal("7.00"), 2),
            "client-2": (Decimal("3.00"), 1),
            "client-3": (ZERO, 0),
        }

    @pytest.mark.usefixtures("three_clients")
    def test_apply_discounts_writes_one_message_per_client(self, uows: UnitOfWorkFactory) -> None:
        """Each changed client leaves one DiscountChanged message with its old and new percent."""
        with uows() as uow:
            uow.clients.apply_discounts(
                {"client-1": Decimal("7.00"), "client-2": Decimal("3.00")}, now=NOW
            )
            uow.commit()
        assert self.discount_messages(uows) == [
            ("client-1", "0.00", "5.00"),  # set when the client was stored
            ("client-1", "5.00", "7.00"),
            ("client-2", "0.00", "3.00"),
        ]

    @pytest.mark.usefixtures("three_clients")
    def test_an_unchanged_discount_is_left_alone(self, uows: UnitOfWorkFactory) -> None:
        """Applying the discount a client already has bumps nothing and writes no message."""
        with uows() as uow:
            uow.clients.discounts()
            uow.clients.apply_discounts({"client-1": Decimal("5.00")}, now=NOW)
            uow.commit()
        with uows() as uow:
            assert uow.clients.get("client-1").version == 1
        assert self.discount_messages(uows) == [("client-1", "0.00", "5.00")]

    @pytest.mark.usefixtures("three_clients")
    def test_apply_discounts_without_commit_writes_nothing(self, uows: UnitOfWorkFactory) -> None:
        """Leaving the block without commit keeps every discount and writes no message."""
        with uows() as uow:
            uow.clients.discounts()
            uow.clients.apply_discounts({"client-2": Decimal("3.00")}, now=NOW)
        with uows() as uow:
            assert uow.clients.get("client-2").discount_percent == ZERO
        assert self.discount_messages(uows) == [("client-1", "0.00", "5.00")]

    @pytest.mark.usefixtures("three_clients")
    def test_apply_discounts_refuses_bad_percents_and_unknown_clients(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """A percent out of range is InvalidValue, an unknown id NotFound; nothing is applied."""
        with uows() as uow:
            with pytest.raises(InvalidValue):
                uow.clients.apply_discounts({"client-2": Decimal("101")}, now=NOW)
            with pytest.raises(NotFound):
                uow.clients.apply_discounts(
                    {"client-2": Decimal("3.00"), "nobody": Decimal("3.00")}, now=NOW
                )
            uow.commit()
        with uows() as uow:
            assert uow.clients.get("client-2").discount_percent == ZERO

    @pytest.mark.usefixtures("three_clients")
    def test_apply_discounts_conflicts_with_a_concurrent_change(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """A client changed and committed by someone else after discounts() fails the
        commit: Conflict, and none of the discounts nor their messages is stored."""
        first, second = uows(), uows()
        with first, second:
            first.clients.discounts()
            second.clients.get("client-2").block()
            second.commit()
            first.clients.apply_discounts(
                {"client-2": Decimal("3.00"), "client-3": Decimal("3.00")}, now=NOW
            )
            with pytest.raises(Conflict):
                first.commit()
        with uows() as uow:
            assert dict(uow.clients.discounts()) == {
                "client-1": Decimal("5.00"),
                "client-2": ZERO,
                "client-3": ZERO,
            }
            assert not uow.clients.get("client-2").is_active
        assert self.discount_messages(uows) == [("client-1", "0.00", "5.00")]

    @pytest.mark.usefixtures("three_clients")
    def test_a_held_client_is_changed_through_its_aggregate(self, uows: UnitOfWorkFactory) -> None:
        """A client this unit of work holds keeps its own changes: the discount joins them."""
        with uows() as uow:
            uow.clients.get("client-2").block()
            uow.clients.apply_discounts({"client-2": Decimal("3.00")}, now=NOW)
            uow.commit()
        with uows() as uow:
            client = uow.clients.get("client-2")
        assert (client.is_active, client.discount_percent, client.version) == (
            False,
            Decimal("3.00"),
            2,
        )
        assert ("client-2", "0.00", "3.00") in self.discount_messages(uows)

    @pytest.mark.usefixtures("three_clients")
    def test_a_client_loaded_after_apply_discounts_shows_the_new_discount(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """Loading a client after its discount was applied shows the change, and the commit
        stores both it and a later change of the same client."""
        with uows() as uow:
            uow.clients.discounts()
            uow.clients.apply_discounts({"client-2": Decimal("3.00")}, now=NOW)
            client = uow.clients.get("client-2")
            assert client.discount_percent == Decimal("3.00")
            client.block()
            uow.commit()
        with uows() as uow:
            stored = uow.clients.get("client-2")
        assert (stored.is_active, stored.discount_percent, stored.version) == (
            False,
            Decimal("3.00"),
            2,
        )
        assert self.discount_messages(uows).count(("client-2", "0.00", "3.00")) == 1

    # -- order queries -------------------------------------------------------------

    @pytest.fixture
    def five_orders(self, uows: UnitOfWorkFactory, buyers: None) -> None:
        """Orders 1..5 placed on 1..5 March; 2 is invoiced, 4 paid; 3 belongs to client-2,
        5 to client-1's second company."""
        placed = {n: on(date(2026, 3, n), 10) for n in range(1, 6)}
        store(
            uows,
            make_order(order_id="o1", placed_at=placed[1]),
            invoiced_order(make_order(order_id="o2", placed_at=placed[2])),
            make_order(order_id="o3", client_id="client-2", placed_at=placed[3]),
            paid_order(make_order(order_id="o4", placed_at=placed[4])),
            make_order(order_id="o5", company_id="client-1-branch", placed_at=placed[5]),
        )

    @pytest.mark.parametrize(
        ("criteria", "expected"),
        [
            (OrderFilter(), ["o5", "o4", "o3", "o2", "o1"]),
            (OrderFilter(client_id="client-1"), ["o5", "o4", "o2", "o1"]),
            (OrderFilter(company_ids=frozenset({company_id_for("client-1")})), ["o4", "o2", "o1"]),
            (
                OrderFilter(company_ids=frozenset({"client-1-branch", company_id_for("client-2")})),
                ["o5", "o3"],
            ),
            (OrderFilter(statuses=frozenset({OrderStatus.PLACED})), ["o5", "o3", "o1"]),
            (
                OrderFilter(statuses=frozenset({OrderStatus.INVOICED, OrderStatus.PAID})),
                ["o4", "o2"],
            ),
            (
                OrderFilter(placed_from=date(2026, 3, 2), placed_to=date(2026, 3, 4)),
                ["o4", "o3", "o2"],
            ),
            (OrderFilter(placed_from=date(2026, 3, 5)), ["o5"]),
            (OrderFilter(placed_to=date(2026, 3, 1)), ["o1"]),
            (OrderFilter(limit=2), ["o5", "o4"]),
            (OrderFilter(limit=2, offset=2), ["o3", "o2"]),
            (OrderFilter(offset=4), ["o1"]),
            (
                OrderFilter(client_id="client-1", statuses=frozenset({OrderStatus.PLACED})),
                ["o5", "o1"],
            ),
        ],
        ids=[
            "all newest first",
            "client",
            "one company",
            "two companies",
            "status",
            "two statuses",
            "date range inclusive",
            "from",
            "to",
            "first page",
            "second page",
            "last page",
            "client and status",
        ],
    )
    @pytest.mark.usefixtures("five_orders")
    def test_list_orders(
        self, uows: UnitOfWorkFactory, criteria: OrderFilter, expected: list[str]
    ) -> None:
        """list filters by every criterion together and pages newest first."""
        assert listed(uows, criteria) == expected

    @pytest.mark.usefixtures("five_orders")
    def test_ids_in_status(self, uows: UnitOfWorkFactory) -> None:
        """ids_in_status returns the orders in any of the statuses."""
        with uows() as uow:
            placed = uow.orders.ids_in_status([OrderStatus.PLACED, OrderStatus.PAID])
            assert sorted(placed) == ["o1", "o3", "o4", "o5"]
            assert not uow.orders.ids_in_status([OrderStatus.SHIPPED])

    @pytest.mark.usefixtures("five_orders")
    def test_overdue_invoices(self, uows: UnitOfWorkFactory) -> None:
        """The invoiced orders due before the day, as the order itself judges them; a held
        order counts as it is held (paid here, so no longer overdue)."""
        with uows() as uow:
            due = uow.orders.get("o2").invoice
            assert due is not None
            on_due_date, day_after = due.due_date, due.due_date + timedelta(days=1)
            assert uow.orders.overdue_invoices(on_due_date) == []
            assert uow.orders.overdue_invoices(day_after) == ["o2"]
        with uows() as uow:
            late = invoiced_order(make_order(order_id="o6", placed_at=on(date(2026, 2, 1), 9)))
            uow.orders.add(late)
            assert uow.orders.overdue_invoices(day_after) == ["o6", "o2"]
            held = uow.orders.get("o2")
            held.record_payment(
                SYSTEM, payment_id="p-1", amount=held.amount_due, received_at=held.placed_at
            )
            assert uow.orders.overdue_invoices(day_after) == ["o6"]

    @pytest.mark.usefixtures("five_orders")
    def test_find_order_by_invoice_and_number(self, uows: UnitOfWorkFactory) -> None:
        """An order is found by its invoice number and by its own number."""
        with uows() as uow:
            by_invoice = uow.orders.find_by_invoice("СЧ-o2")
            assert by_invoice is not None
            assert by_invoice.id == "o2"
            assert uow.orders.find_by_invoice("СЧ-none") is None
            assert uow.orders.get_by_number("ЗК-o3").id == "o3"

    # -- paid volume ---------------------------------------------------------------

    @pytest.fixture
    def march_payments(self, uows: UnitOfWorkFactory, buyers: None) -> None:
        """client-1 paid 500.00 on 1 March 00:00 and 1000.00 on 31 March 23:59 (plus
        delivery); everything else of client-1 is out of the window, unpaid or cancelled;
        client-2 paid 4000.00 in March."""
        start, end = MARCH

        def paid_on(
            order_id: str, paid_at: datetime, quantity: int, client: str = "client-1"
        ) -> Order:
            placed = make_order(
                order_id=order_id,
                client_id=client,
                quantity=quantity,
                placed_at=paid_at - timedelta(days=1),
            )
            return paid_order(placed, paid_at=paid_at)

        cancelled = paid_on("cancelled", on(date(2026, 3, 10)), 32)
        cancelled.cancel(MANAGER, on(date(2026, 3, 11)), "client refused")
        store(
            uows,
            paid_on("first-day", on(start, 0, 0), 1),
            paid_on("last-day", on(end, 23, 59), 2),
            paid_on("day-before", on(start - timedelta(days=1), 23, 59), 4),
            paid_on("day-after", on(end + timedelta(days=1), 0, 0), 8),
            invoiced_order(make_order(order_id="unpaid", quantity=16, placed_at=on(start))),
            cancelled,
            paid_on("other-client", on(date(2026, 3, 15)), 8, client="client-2"),
        )

    @pytest.mark.usefixtures("march_payments")
    def test_paid_volume_counts_paid_goods_inside_the_window(self, uows: UnitOfWorkFactory) -> None:
        """Goods of paid, not cancelled orders paid on the window's days, boundaries included."""
        with uows() as uow:
            assert uow.orders.paid_volume("client-1", *MARCH) == Decimal("1500.00")

    @pytest.mark.usefixtures("march_payments")
    def test_paid_volumes_agree_with_paid_volume(self, uows: UnitOfWorkFactory) -> None:
        """paid_volumes gives every client what paid_volume gives it."""
        with uows() as uow:
            volumes = uow.orders.paid_volumes(*MARCH)
            for client_id in ("client-1", "client-2", "client-3"):
                expected = uow.orders.paid_volume(client_id, *MARCH)
                assert volumes.get(client_id, ZERO) == expected
            assert volumes["client-2"] == Decimal("4000.00")

    # -- a whole discount recomputation ---------------------------------------------

    # March (MARCH's window, ending on its last day): client-1 bought 1500.00 and
    # client-2 4000.00, exactly the threshold of the top tier.
    MARCH_POLICY = DiscountPolicy.from_tiers([(0, 0), (1000, 3), (4000, 5)], window_months=1)

    @pytest.mark.usefixtures("march_payments")
    def test_recompute_discounts_sets_each_clients_tier(self, uows: UnitOfWorkFactory) -> None:
        """Every client gets the tier of its paid volume in the window (a threshold
        reached exactly counts), version + 1 and one message; the changes are returned."""
        with uows() as uow:
            recomputation = uow.clients.recompute_discounts(
                self.MARCH_POLICY, today=MARCH[1], now=NOW
            )
            uow.commit()
        assert dict(recomputation.changes) == {
            "client-1": (ZERO, Decimal("3.00")),
            "client-2": (ZERO, Decimal("5.00")),
        }
        with uows() as uow:
            stored = {cid: uow.clients.get(cid) for cid in ("client-1", "client-2")}
        assert {cid: (c.discount_percent, c.version) for cid, c in stored.items()} == {
            "client-1": (Decimal("3.00"), 1),
            "client-2": (Decimal("5.00"), 1),
        }
        assert self.discount_messages(uows) == [
            ("client-1", "0.00", "3.00"),
            ("client-2", "0.00", "5.00"),
        ]

    @pytest.mark.usefixtures("march_payments")
    def test_recompute_discounts_lowers_a_tier_and_leaves_the_rest(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """Run again when the window holds no payment, both fall to 0 %; run again on
        the same day, nothing changes and nothing more is written."""
        for today in (MARCH[1], date(2026, 6, 30), date(2026, 6, 30)):
            with uows() as uow:
                recomputation = uow.clients.recompute_discounts(
                    self.MARCH_POLICY, today=today, now=NOW
                )
                uow.commit()
        assert dict(recomputation.changes) == {}
        with uows() as uow:
            assert dict(uow.clients.discounts()) == {"client-1": ZERO, "client-2": ZERO}
            assert uow.clients.get("client-1").version == 2
        assert self.discount_messages(uows) == [
            ("client-1", "0.00", "3.00"),
            ("client-1", "3.00", "0.00"),
            ("client-2", "0.00", "5.00"),
            ("client-2", "5.00", "0.00"),
        ]

    @pytest.mark.usefixtures("march_payments")
    def test_recompute_discounts_writes_only_when_committed(self, uows: UnitOfWorkFactory) -> None:
        """Before the commit the changes are unknown (InvariantViolation); without a
        commit nothing is written."""
        with uows() as uow:
            recomputation = uow.clients.recompute_discounts(
                self.MARCH_POLICY, today=MARCH[1], now=NOW
            )
            with pytest.raises(InvariantViolation, match="once committed"):
                recomputation.changes  # noqa: B018 -- the property raises
        with uows() as uow:
            assert dict(uow.clients.discounts()) == {"client-1": ZERO, "client-2": ZERO}
        assert self.discount_messages(uows) == []

    @pytest.mark.usefixtures("march_payments")
    def test_recompute_discounts_wants_a_unit_of_work_of_its_own(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """A unit of work that holds a client refuses it: InvariantViolation."""
        with uows() as uow:
            uow.clients.get("client-1")
            with pytest.raises(InvariantViolation, match="of their own"):
                uow.clients.recompute_discounts(self.MARCH_POLICY, today=MARCH[1], now=NOW)

    # -- events --------------------------------------------------------------------

    @pytest.mark.usefixtures("buyers")
    def test_collect_events_returns_events_of_changed_aggregates(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """Events of added and changed aggregates come out oldest first, after commit too."""
        store(uows, make_order())
        later = NOW + timedelta(hours=1)
        with uows() as uow:
            uow.orders.get("order-1").reserve(SYSTEM, later, "reservation-1")
            uow.clients.add(make_client(client_id="client-3", kpp=SECOND_KPP, now=NOW))
            uow.commit()
        events = uow.collect_events()
        assert [e.name for e in events] == ["ClientRegistered", "OrderReserved"]
        assert [e.occurred_at for e in events] == [NOW, later]

    def test_collect_events_returns_each_event_once(self, uows: UnitOfWorkFactory) -> None:
        """A second collect_events returns nothing new."""
        with uows() as uow:
            uow.clients.add(make_client())
            uow.commit()
            assert len(uow.collect_events()) == 1
            assert uow.collect_events() == []

    def test_stored_aggregates_come_back_without_events(self, uows: UnitOfWorkFactory) -> None:
        """Events are not stored: a loaded aggregate has none until it changes."""
        store(uows, make_client(), paid_order())
        with uows() as uow:
            assert uow.clients.get("client-1").events == []
            assert uow.orders.get("order-1").events == []
            assert uow.collect_events() == []

    # -- the outbox ------------------------------------------------------------------

    def test_a_commit_stores_one_message_per_event(self, uows: UnitOfWorkFactory) -> None:
        """After a commit the outbox holds one message per event of the change, oldest first."""
        later = NOW + timedelta(hours=1)
        with uows() as uow:
            uow.clients.add(make_client())
            uow.orders.add(make_order(placed_at=later))
            uow.commit()
        with uows() as uow:
            messages = uow.outbox.pending()
        assert [(m.topic, m.aggregate_id, m.created_at) for m in messages] == [
            ("ClientRegistered", "client-1", NOW),
            ("OrderPlaced", "order-1", later),
        ]
        assert messages[1].payload == {
            "occurred_at": later.isoformat(),
            "order_id": "order-1",
            "route": "automatic",
        }

    def test_an_uncommitted_change_leaves_no_message(self, uows: UnitOfWorkFactory) -> None:
        """A change left without commit, or refused at commit, writes no message."""
        store(uows, make_client(client_id="client-1"))
        with uows() as uow:
            uow.clients.get("client-1").set_discount(Decimal("5.00"), now=NOW)
        with pytest.raises(Conflict):
            store(uows, make_client(client_id="client-2"))  # the INN+KPP of client-1
        with uows() as uow:
            assert [m.topic for m in uow.outbox.pending()] == ["ClientRegistered"]

    def test_an_event_that_cannot_be_stored_undoes_the_commit(
        self, uows: UnitOfWorkFactory
    ) -> None:
        """An event the outbox cannot serialize fails the commit: neither the change nor
        any of its messages is stored."""
        store(uows, make_client(client_id="client-1"))
        with uows() as uow:
            client = uow.clients.get("client-1")
            client.set_discount(Decimal("5.00"), now=NOW)  # DiscountChanged, serializable
            client.events.append(Unserializable(occurred_at=NOW, client_id="client-1"))
            with pytest.raises(TypeError):
                uow.commit()
        with uows() as uow:
            assert uow.clients.get("client-1").discount_percent == ZERO
            assert [m.topic for m in uow.outbox.pending()] == ["ClientRegistered"]

    # -- catalogue, prices, managers, tasks ---------------------------------------

    def test_products_upsert_and_list_by_sku(self, uows: UnitOfWorkFactory) -> None:
        """Upsert replaces by SKU; list is sorted by SKU and paged; get_many skips unknown SKUs."""
        with uows() as uow:
            for sku in ("B", "C", "A"):
                uow.products.upsert(make_product(sku=sku))
            uow.commit()
        with uows() as uow:
            uow.products.upsert(make_product(sku="B", list_price="990.00"))
            uow.commit()
        with uows() as uow:
            assert [p.sku for p in uow.products.list()] == ["A", "B", "C"]
            assert [p.sku for p in uow.products.list(limit=1, offset=1)] == ["B"]
            found = uow.products.get_many(["B", "nope"])
            assert list(found) == ["B"]
            assert found["B"].list_price == Decimal("990.00")

    @pytest.mark.parametrize("count", [1, 63, 64, 150])  # asked: one more, "nope"
    def test_get_many_finds_every_stored_sku_of_a_long_cart(
        self, uows: UnitOfWorkFactory, count: int
    ) -> None:
        """Any number of SKUs, asked in any order, repeats and unknown ones included
        (the SQL store asks up to 64 with a prepared statement, more another way)."""
        skus = [f"SKU-{n:03d}" for n in range(count)]
        with uows() as uow:
            for sku in skus:
                uow.products.upsert(make_product(sku=sku))
            uow.commit()
        asked = [*reversed(skus), "nope", skus[0]]
        with uows() as uow:
            found = uow.products.get_many(asked)
        assert list(found) == list(reversed(skus))
        assert all(found[sku].sku == sku for sku in skus)

    @pytest.mark.usefixtures("buyers")
    def test_contract_prices_belong_to_their_client(self, uows: UnitOfWorkFactory) -> None:
        """prices_for returns the client's own prices, the last one set per SKU."""
        with uows() as uow:
            uow.products.upsert(make_product(sku="A"))
            uow.products.upsert(make_product(sku="B"))
            uow.prices.set_price("client-1", "A", Decimal("100.00"))
            uow.prices.set_price("client-1", "A", Decimal("90.00"))
            uow.prices.set_price("client-2", "B", Decimal("50.00"))
            uow.commit()
        with uows() as uow:
            assert dict(uow.prices.prices_for("client-1")) == {"A": Decimal("90.00")}
            assert not uow.prices.prices_for("client-3")

    def test_managers_are_stored_once(self, uows: UnitOfWorkFactory) -> None:
        """A manager is stored, listed and found; a second one with the same id conflicts."""
        with uows() as uow:
            uow.managers.add(make_manager(manager_id="m-1"))
            uow.commit()
        with uows() as uow:
            assert uow.managers.get("m-1") == make_manager(manager_id="m-1")
            assert [m.id for m in uow.managers.list()] == ["m-1", "manager-1"]
            with pytest.raises(Conflict):
                uow.managers.add(make_manager(manager_id="m-1"))

    def test_open_tasks_oldest_first(self, uows: UnitOfWorkFactory) -> None:
        """list_open returns open tasks oldest first; completed ones are gone."""
        store(
            uows,
            make_task(task_id="late", created_at=NOW + timedelta(hours=2)),
            make_task(task_id="early", created_at=NOW),
            make_task(task_id="done", created_at=NOW + timedelta(hours=1)),
        )
        with uows() as uow:
            uow.tasks.get("done").complete("manager-1", client_id=None)
            uow.commit()
        with uows() as uow:
            assert [t.id for t in uow.tasks.list_open()] == ["early", "late"]

    # -- report rows ---------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("criteria", "expected"),
        [
            (ReportFilter(client_id="client-1"), ["o1", "o2", "o4", "o5"]),
            (
                ReportFilter(client_id="client-1", company_ids=frozenset({"client-1-branch"})),
                ["o5"],
            ),
            (
                ReportFilter(client_id="client-1", statuses=frozenset({OrderStatus.PAID})),
                ["o4"],
            ),
            (
                ReportFilter(
                    client_id="client-1", placed_from=date(2026, 3, 2), placed_to=date(2026, 3, 4)
                ),
                ["o2", "o4"],
            ),
            (ReportFilter(client_id="client-2"), ["o3"]),
            (ReportFilter(client_id="nobody"), []),
        ],
        ids=["client", "company", "status", "period inclusive", "other client", "none"],
    )
    @pytest.mark.usefixtures("five_orders")
    def test_report_rows_filter_and_order(
        self, uows: UnitOfWorkFactory, criteria: ReportFilter, expected: list[str]
    ) -> None:
        """One row per line of the matching orders, oldest first; report_size agrees."""
        with uows() as uow:
            rows = list(uow.orders.report_rows(criteria))
            assert [row.order_id for row in rows] == expected
            assert uow.orders.report_size(criteria) == len(rows)

    @pytest.mark.usefixtures("buyers")
    def test_report_rows_carry_the_lines_values(self, uows: UnitOfWorkFactory) -> None:
        """Each row holds its order's number, time, status and company and the line's values."""
        order = paid_order(make_order(order_id="o1"))
        store(uows, order)
        with uows() as uow:
            (row,) = uow.orders.report_rows(ReportFilter(client_id="client-1"))
        line = order.lines[0]
        assert (row.order_number, row.placed_at, row.status, row.company_id) == (
            order.number,
            order.placed_at,
            OrderStatus.PAID,
            order.company_id,
        )
        assert (row.position, row.sku, row.name, row.unit, row.quantity) == (
            0,
            line.sku,
            line.name,
            line.unit,
            line.quantity,
        )
        assert (row.unit_price, row.gross, row.vat_rate, row.vat) == (
            line.unit_price,
            line.gross,
            line.vat_rate,
            line.vat,
        )

    @pytest.mark.usefixtures("buyers")
    def test_report_rows_read_committed_orders_only(self, uows: UnitOfWorkFactory) -> None:
        """An order added but not committed is not reported."""
        with uows() as uow:
            uow.orders.add(make_order(order_id="pending"))
            assert list(uow.orders.report_rows(ReportFilter(client_id="client-1"))) == []


class TestInMemoryUnitOfWork(InMemory, UnitOfWorkContract):
    pass


class TestSqliteUnitOfWork(OnSqlite, UnitOfWorkContract):
    pass


class TestPostgresUnitOfWork(OnPostgres, UnitOfWorkContract):
    pass
