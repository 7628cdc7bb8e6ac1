"""The worker under random faults: whatever fails and whenever, once the systems recover
every automatic order ships, and every external write happened exactly once.

The worker's adapters (SAP, 1C, mail, document storage) are wrapped in the
``Flaky*`` classes of :mod:`b2bcore.adapters.faults`; the buyer and the outside
world (the bank paying, the warehouse shipping) act on the simulators directly.
The clock moves a minute per round, past the worker's backoffs; stamina's quick
retries run without waiting (``stamina.set_testing``).
"""

from __future__ import annotations

from collections import Counter

import stamina
from hypothesis import event, example, given, note
from hypothesis import strategies as st

from b2bcore.adapters.clock import FixedClock
from b2bcore.adapters.faults import (
    FaultTiming,
    FlakyAccounting,
    FlakyDocumentStorage,
    FlakyErp,
    FlakyMailer,
    RandomFaults,
)
from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld, bootstrap
from b2bcore.domain.order import Order, OrderStatus
from tests.builders import STOCK, open_shop, place_order, read_order
from tests.strategies import fault_rates, seeds, shop_carts

S = OrderStatus
FAULTY_ROUNDS = 12
RECOVERY_ROUNDS = 60
HAPPY_PATH = [
    S.PLACED,
    S.RESERVED,
    S.INVOICED,
    S.PAID,
    S.SCHEDULED,
    S.TRANSPORT_REQUESTED,
    S.SHIPPED,
]


class Shop:
    """A seeded shop whose worker talks to SAP, 1C, the mail server and the document
    storage through ``faults``."""

    def __init__(self, faults: RandomFaults) -> None:
        self.world, self.app, self.cast = open_shop()
        assert isinstance(self.world.clock, FixedClock)
        self.clock: FixedClock = self.world.clock
        self.worker: B2B = bootstrap(
            world=self.world,
            erp=FlakyErp(self.world.erp, faults),
            accounting=FlakyAccounting(self.world.ledger, faults),
            mailer=FlakyMailer(self.world.mailer, faults),
            documents=FlakyDocumentStorage(self.world.documents, faults),
        )
        self._paid: set[str] = set()

    def round(self, order_ids: list[str]) -> None:
        """One worker pass, then the world moves: the bank pays, the buyer picks an interval,
        the warehouse ships; then a minute passes."""
        self.worker.processing.run_once()
        for order_id in order_ids:
            self._world_acts_on(read_order(self.app, order_id))
        self.clock.advance(minutes=1)

    def done(self, order_ids: list[str]) -> bool:
        return self.app.services.queue.backlog(self.clock.now()) == 0 and all(
            read_order(self.app, order_id).status is S.SHIPPED for order_id in order_ids
        )

    def _world_acts_on(self, order: Order) -> None:
        if order.status is S.INVOICED and order.id not in self._paid:
            assert order.invoice is not None
            self.world.ledger.pay(order.invoice.number, order.amount_due)
            self._paid.add(order.id)
        elif order.status is S.PAID:
            latest = self.app.ordering.delivery_intervals(self.cast.supervisor, order.id)[-1]
            self.app.ordering.choose_delivery_interval(self.cast.supervisor, order.id, latest.id)
        elif order.status is S.TRANSPORT_REQUESTED:
            assert order.transport_request is not None
            self.world.erp.ship(order.transport_request)


def run_with_faults(faults: RandomFaults, carts: list[dict[str, int]]) -> tuple[Shop, list[str]]:
    """Place the orders, run with faults, switch them off and drain."""
    shop = Shop(faults)
    order_ids = [place_order(shop.app, shop.cast, **cart).id for cart in carts]
    with stamina.set_testing(True, attempts=3):
        for _ in range(FAULTY_ROUNDS):
            shop.round(order_ids)
        faults.switch_off()
        for _ in range(RECOVERY_ROUNDS):
            if shop.done(order_ids):
                break
            shop.round(order_ids)
    return shop, order_ids


any_faults = given(
    seed=seeds(), rate=fault_rates(), carts=st.lists(shop_carts(), min_size=1, max_size=3)
)
half_the_calls_failing = example(seed=1, rate=0.5, carts=[{"PAPER": 2}, {"PEN": 3, "BOOK": 1}])


def effect_keys(world: InMemoryWorld) -> Counter[tuple[str, str]]:
    return Counter([*world.erp.side_effects, *world.ledger.side_effects])


def expected_effects(order_ids: list[str]) -> Counter[tuple[str, str]]:
    return Counter(
        effect
        for order_id in order_ids
        for effect in [
            ("reserve", f"{order_id}:reserve:1"),
            ("register_invoice", f"{order_id}:invoice"),
            ("request_transport", f"{order_id}:transport"),
        ]
    )


def order_mail_keys(world: InMemoryWorld) -> Counter[str]:
    """Idempotency keys of every mail sent about orders (registration mail aside)."""
    return Counter(
        m.idempotency_key for m in world.mailer.sent if not m.idempotency_key.startswith("welcome:")
    )


@any_faults
@half_the_calls_failing
def test_every_order_ships_once_the_systems_recover(
    seed: int, rate: float, carts: list[dict[str, int]]
) -> None:
    """Faults before and after calls delay orders, but each reaches shipped and nothing
    is left in the outbox, dead or alive."""
    faults = RandomFaults(rate=rate, seed=seed)
    shop, order_ids = run_with_faults(faults, carts)
    injected = faults.injected
    note(f"{len(injected)} faults injected: {Counter(f.operation for f in injected)}")
    event(f"lost replies injected: {any(f.timing is FaultTiming.AFTER for f in injected)}")

    for order_id in order_ids:
        assert [t.to_status for t in read_order(shop.app, order_id).history] == HAPPY_PATH
    queue = shop.app.services.queue
    assert (queue.backlog(shop.clock.now()), queue.dead_messages()) == (0, [])


@any_faults
@half_the_calls_failing
def test_each_external_write_happens_once_per_key_under_faults(
    seed: int, rate: float, carts: list[dict[str, int]]
) -> None:
    """One reservation, one invoice, one transport request per order in the simulators'
    own records, however many replies were lost."""
    shop, order_ids = run_with_faults(RandomFaults(rate=rate, seed=seed), carts)
    assert effect_keys(shop.world) == expected_effects(order_ids)


@any_faults
@half_the_calls_failing
def test_each_mail_is_sent_once_under_faults(
    seed: int, rate: float, carts: list[dict[str, int]]
) -> None:
    """The invoice, the interval request and the shipment notice: one mail each per order."""
    shop, order_ids = run_with_faults(RandomFaults(rate=rate, seed=seed), carts)
    expected = Counter(
        f"{order_id}:{mail}"
        for order_id in order_ids
        for mail in ["invoice-mail", "choose-interval-mail", "shipped-mail"]
    )
    assert order_mail_keys(shop.world) == expected


@any_faults
@half_the_calls_failing
def test_each_order_lists_its_documents_once_under_faults(
    seed: int, rate: float, carts: list[dict[str, int]]
) -> None:
    """One invoice and one УПД on each order, both readable from storage, however many
    stores failed or lost their reply."""
    shop, order_ids = run_with_faults(RandomFaults(rate=rate, seed=seed), carts)
    for order_id in order_ids:
        documents = read_order(shop.app, order_id).documents
        assert sorted(d.kind for d in documents) == ["invoice", "upd"]
        for document in documents:
            assert shop.world.documents.get(document.storage_key).startswith(b"%PDF")


@any_faults
@half_the_calls_failing
def test_stock_leaves_the_warehouse_once_under_faults(
    seed: int, rate: float, carts: list[dict[str, int]]
) -> None:
    """Nothing stays reserved, and on hand is down by exactly what the orders shipped."""
    shop, _ = run_with_faults(RandomFaults(rate=rate, seed=seed), carts)
    shipped = Counter[str]()
    for cart in carts:
        shipped.update(cart)
    erp = shop.world.erp
    assert {sku: (erp.reserved(sku), erp.on_hand(sku)) for sku in STOCK} == {
        sku: (0, quantity - shipped[sku]) for sku, quantity in STOCK.items()
    }


def test_a_lost_reservation_reply_reserves_once() -> None:
    """SAP reserved but the reply was lost, three times over: the order holds one reservation."""
    faults = RandomFaults(rate=1.0, seed=0, timings=(FaultTiming.AFTER,))
    shop = Shop(faults)
    order = place_order(shop.app, shop.cast, PAPER=4)
    with stamina.set_testing(True, attempts=3):
        shop.worker.processing.run_once()
    assert read_order(shop.app, order.id).status is S.PLACED
    assert shop.world.erp.reserved("PAPER") == 4

    faults.switch_off()
    shop.clock.advance(minutes=1)
    shop.worker.processing.run_once()
    stored = read_order(shop.app, order.id)
    assert (stored.status, shop.world.erp.reserved("PAPER")) == (S.INVOICED, 4)
    assert shop.world.erp.side_effects == [("reserve", f"{order.id}:reserve:1")]
