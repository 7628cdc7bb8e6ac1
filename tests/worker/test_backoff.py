"""The durable backoff between attempts of a message that keeps failing."""

from __future__ import annotations

from b2bcore.adapters.clock import FixedClock
from b2bcore.application import RunReport, Worker, WorkerSettings
from b2bcore.domain.errors import Unavailable
from b2bcore.domain.order import OrderStatus
from tests.builders import open_shop, place_order, read_order


def test_backoff_stays_capped_however_many_attempts_are_allowed() -> None:
    """With a generous max_attempts, attempt after attempt waits at most backoff_max (the
    doubling never overflows) and the order stays on the automatic track."""
    world, app, cast = open_shop()
    assert isinstance(world.clock, FixedClock)
    settings = WorkerSettings(max_attempts=100, quick_retries=1, nightly_discounts=False)
    worker = Worker(app.services, worker_id="patient", settings=settings)
    worker.drain(RunReport())  # the registration's messages
    order = place_order(app, cast, PAPER=1)
    world.erp.fail_next(1000, Unavailable("sap", "503 Service Unavailable"))

    report = RunReport()
    for _ in range(60):
        worker.drain(report)
        world.clock.advance(seconds=(settings.backoff_max + settings.backoff_initial).seconds)

    stored = read_order(app, order.id)
    assert (stored.status, stored.failure, report.deferred) == (OrderStatus.PLACED, None, 60)
