"""Two workers and one message: a worker whose lease ran out while it was busy must not
spoil what the worker that took the message over did."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import attrs

from b2bcore.adapters.clock import FixedClock
from b2bcore.application import RunReport, Worker, WorkerSettings
from b2bcore.bootstrap import bootstrap
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.domain.order import OrderStatus
from b2bcore.ports import Erp, ReservationLine, ReservationResult
from tests.builders import open_shop, place_order, read_order

S = OrderStatus
LEASE = timedelta(seconds=60)
ONE_TRY = WorkerSettings(lease=LEASE, max_attempts=1, quick_retries=1, nightly_discounts=False)


@attrs.define
class StallingErp:
    """SAP whose first reservation stalls while ``meanwhile`` runs, then fails with
    ``error``; every other call goes through."""

    erp: Erp
    error: Exception
    meanwhile: Callable[[], None] = lambda: None
    stalled: bool = False

    def reserve(
        self, *, key: str, order_number: str, customer: str, lines: Sequence[ReservationLine]
    ) -> ReservationResult:
        if not self.stalled:
            self.stalled = True
            self.meanwhile()
            raise self.error
        return self.erp.reserve(key=key, order_number=order_number, customer=customer, lines=lines)

    def __getattr__(self, name: str) -> object:
        return getattr(self.erp, name)


def stalled_reservation(error: Exception) -> OrderStatus | str:
    """A worker stalls in SAP past its lease; a second worker takes the message over and
    runs the order's steps; then the first one's reservation fails with ``error``.
    Returns the order's status, or the step it was parked at."""
    world, app, cast = open_shop()
    assert isinstance(world.clock, FixedClock)
    clock = world.clock
    erp = StallingErp(world.erp, error)
    services = bootstrap(world=world, erp=erp).services
    stalled = Worker(services, worker_id="stalled", settings=ONE_TRY)
    successor = Worker(services, worker_id="successor", settings=ONE_TRY)

    def successor_takes_over() -> None:
        clock.advance(seconds=LEASE.total_seconds() + 1)
        successor.drain(RunReport())

    erp.meanwhile = successor_takes_over
    order = place_order(app, cast, PAPER=1)
    stalled.drain(RunReport())
    stored = read_order(app, order.id)
    return stored.status if stored.failure is None else f"parked at {stored.failure.step}"


def test_a_late_timeout_does_not_park_an_order_the_successor_advanced() -> None:
    """The stalled worker gives up on a timeout, but the order its successor reserved and
    invoiced meanwhile stays on the automatic track."""
    assert stalled_reservation(Unavailable("sap", "read timeout")) is S.INVOICED


def test_a_late_refusal_does_not_park_an_order_the_successor_advanced() -> None:
    """The same for a permanent refusal that came too late to matter."""
    assert stalled_reservation(Rejected("sap", "material blocked")) is S.INVOICED
