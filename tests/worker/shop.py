"""A shop on a SQL database whose worker runs in other processes, and the world around it.

The test process owns the database's test data, the simulators (served to the
workers by :class:`tests.worker.remote.SimulatorServer`) and the outside world:
the bank pays each invoice, the buyer picks a delivery interval, the warehouse
ships and the carrier delivers (:meth:`SqlShop.act`). Worker processes are
started, killed and stopped with :class:`WorkerProcess`.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Collection
from pathlib import Path

import attrs

from b2bcore.application import B2B
from b2bcore.application.steps import invoice_number
from b2bcore.bootstrap import InMemoryWorld, bootstrap, in_memory_world
from b2bcore.config import Config
from b2bcore.domain.errors import Conflict, NotFound
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.ports import OrderFilter
from tests.builders import Cast, place_order, register_cast, seed_shop
from tests.worker.remote import SimulatorServer

S = OrderStatus
ROOT = Path(__file__).parents[2]
SKUS = ("PAPER", "PEN", "BOOK", "SETUP")


@attrs.frozen
class Outcome:
    """A run's end state, with order ids replaced by order numbers so runs compare."""

    statuses: dict[str, str]
    histories: dict[str, tuple[str, ...]]
    writes: Counter[tuple[str, str]]
    """``(operation, key)`` of every real write in SAP and 1C."""
    mails: Counter[str]
    """Idempotency keys of the mails about orders."""
    documents: dict[str, tuple[str, ...]]
    """The kinds of the documents each order lists whose bytes are in storage."""
    backlog: int
    dead: int


class SqlShop:
    """The seeded shop (``tests.builders``) on ``database_url``, on the system clock."""

    def __init__(self, database_url: str, *, stock: int | None = None) -> None:
        self.world: InMemoryWorld = in_memory_world()
        # The documents too in the world: with a database URL they would go to a directory.
        self.app: B2B = bootstrap(
            Config(database_url=database_url), world=self.world, documents=self.world.documents
        )
        seed_shop(self.app, self.world)
        if stock is not None:
            for sku in SKUS:
                self.world.erp.set_stock(sku, stock)
        self.cast: Cast = register_cast(self.app)
        self.order_ids: list[str] = []
        """In the order they were placed."""
        self.numbers: list[str] = []
        """The orders' numbers, in the same order."""
        self._paid: set[str] = set()
        self._unpaid: set[str] = set()  # invoice numbers the bank has not paid yet
        self._shipped: list[str] = []  # transports shipped at the last look, delivered at the next

    def place(self, count: int, *, seed: int) -> None:
        """``count`` automatic orders of client A, each of one to three SKUs (seeded)."""
        rng = random.Random(seed)
        for _ in range(count):
            skus = rng.sample(SKUS, rng.randint(1, 3))
            cart = {sku: rng.randint(1, 5) for sku in skus}
            order = place_order(self.app, self.cast, **cart)
            self.order_ids.append(order.id)
            self.numbers.append(order.number)
            self._unpaid.add(
                invoice_number(order.number, self.app.services.settings.invoice_number_prefix)
            )

    def orders(self) -> list[Order]:
        with self.app.services.uow() as uow:
            return list(uow.orders.list(OrderFilter(limit=len(self.order_ids) + 1)))

    def act(self) -> bool:
        """The world does what is due for every order; True once all are delivered and
        the outbox is drained."""
        delivered = 0
        for order in self.orders():
            if order.status is S.INVOICED and order.id not in self._paid:
                assert order.invoice is not None
                self.world.ledger.pay(order.invoice.number, order.amount_due)
                self._paid.add(order.id)
            elif order.status is S.PAID:
                self._choose_interval(order.id)
            elif order.status is S.TRANSPORT_REQUESTED:
                assert order.transport_request is not None
                self.world.erp.ship(order.transport_request)
            elif order.status is S.SHIPPED:
                assert order.transport_request is not None
                self.world.erp.deliver(order.transport_request)
            elif order.status is S.DELIVERED:
                delivered += 1
        return delivered == len(self.order_ids) and self.backlog() == 0

    def act_in_bulk(self, scheduled: Collection[str]) -> None:
        """:meth:`act` for thousands of orders, reading few of them: the bank pays every
        invoice the ledger holds, the buyers of the ``scheduled`` orders pick an interval
        once paid (the other orders stay paid), the warehouse ships every pending
        transport and the carrier delivers what was shipped at the last look."""
        for number in list(self._unpaid):
            try:
                invoice = self.world.ledger.invoice(number)
            except NotFound:
                continue  # not invoiced yet
            self.world.ledger.pay(number, invoice.amount)
            self._unpaid.discard(number)
        for order_id in self.ids_in(S.PAID):
            if order_id in scheduled:
                self._choose_interval(order_id)
        for transport in self._shipped:
            self.world.erp.deliver(transport)
        self._shipped = self.world.erp.advance_all()

    def ids_in(self, status: OrderStatus) -> set[str]:
        with self.app.services.uow() as uow:
            return set(uow.orders.ids_in_status([status]))

    def backlog(self) -> int:
        return self.app.services.queue.backlog(self.world.clock.now())

    def _choose_interval(self, order_id: str) -> None:
        buyer = self.cast.supervisor
        latest = self.app.ordering.delivery_intervals(buyer, order_id)[-1]
        # Conflict: the worker changed the order meanwhile; the next look tries again.
        with contextlib.suppress(Conflict):
            self.app.ordering.choose_delivery_interval(buyer, order_id, latest.id)

    def outcome(self) -> Outcome:
        orders = self.orders()
        numbers = {order.id: order.number for order in orders}

        def by_number(key: str) -> str:
            order_id, _, rest = key.partition(":")
            return f"{numbers[order_id]}:{rest}"

        writes = [*self.world.erp.side_effects, *self.world.ledger.side_effects]
        mail_keys = [m.idempotency_key for m in self.world.mailer.sent]
        queue = self.app.services.queue
        return Outcome(
            statuses={o.number: o.status.value for o in orders},
            histories={o.number: tuple(t.to_status.value for t in o.history) for o in orders},
            writes=Counter((operation, by_number(key)) for operation, key in writes),
            mails=Counter(by_number(k) for k in mail_keys if k.partition(":")[0] in numbers),
            documents={o.number: self._stored_documents(o) for o in orders},
            backlog=queue.backlog(self.world.clock.now()),
            dead=len(queue.dead_messages()),
        )

    def _stored_documents(self, order: Order) -> tuple[str, ...]:
        kinds = []
        for document in order.documents:
            with contextlib.suppress(NotFound):
                self.world.documents.get(document.storage_key)
                kinds.append(document.kind)
        return tuple(sorted(kinds))


class WorkerProcess:
    """``python -m tests.worker.worker_process`` on the shop's database and simulators."""

    def __init__(
        self,
        database_url: str,
        server: SimulatorServer,
        worker_id: str,
        log_dir: Path,
        *options: str,
    ) -> None:
        host, port = server.address
        self.worker_id = worker_id
        self.log = log_dir / f"{worker_id}.log"
        command = [
            sys.executable,
            "-m",
            "tests.worker.worker_process",
            database_url,
            f"{host}:{port}",
            server.authkey.hex(),
            worker_id,
            *options,
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with self.log.open("w") as log:
            self._process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True
            )

    def wait_ready(self) -> WorkerProcess:
        """Wait until the worker has built the application and starts working."""
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != "ready":
            self._process.kill()
            raise RuntimeError(f"{self.worker_id} did not start: {self.log.read_text()}")
        return self

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup, no lease given back, a transaction cut off wherever it was."""
        if self.alive:
            self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=10)

    def stop(self) -> str:
        """SIGTERM: the message in hand is finished; returns what the worker printed."""
        self._process.send_signal(signal.SIGTERM)
        try:
            out, _ = self._process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()
            raise
        return out.strip()
