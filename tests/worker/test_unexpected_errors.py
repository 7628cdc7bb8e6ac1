"""A bug is not the end of the worker: an exception that is no domain error, raised while
one order's message is handled, is logged with its traceback, retried with backoff and
finally parks that order for a manager, while every other order goes on."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs
import pytest

from b2bcore.adapters.clock import FixedClock
from b2bcore.application import RunReport, Worker, WorkerSettings
from b2bcore.bootstrap import bootstrap
from b2bcore.domain.order import OrderStatus
from b2bcore.ports import ClaimedMessage, Erp, OutboxQueue, ReservationLine, ReservationResult
from tests.builders import MANAGER, open_shop, place_order, read_order

S = OrderStatus
SETTINGS = WorkerSettings(
    max_attempts=3,
    quick_retries=1,
    backoff_initial=timedelta(seconds=10),
    backoff_max=timedelta(minutes=1),
    nightly_discounts=False,
)


@attrs.define
class BuggyErp:
    """SAP behind an adapter with a bug: reserving ``order_number`` raises a KeyError."""

    erp: Erp
    order_number: str = ""

    def reserve(
        self, *, key: str, order_number: str, customer: str, lines: Sequence[ReservationLine]
    ) -> ReservationResult:
        if order_number == self.order_number:
            raise KeyError("MATNR")
        return self.erp.reserve(key=key, order_number=order_number, customer=customer, lines=lines)

    def __getattr__(self, name: str) -> object:
        return getattr(self.erp, name)


def test_a_bug_in_one_order_parks_it_and_the_others_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The order hit by the KeyError is retried, then parked at "reserve" with the error's
    text, its message buried; the orders around it are invoiced; each failure is logged
    with its traceback."""
    world, app, cast = open_shop()
    assert isinstance(world.clock, FixedClock)
    erp = BuggyErp(world.erp)
    worker = Worker(bootstrap(world=world, erp=erp).services, settings=SETTINGS, seed=1)
    worker.drain(RunReport())  # the registration's messages
    orders = [place_order(app, cast, PAPER=1) for _ in range(3)]
    erp.order_number = orders[1].number

    report = RunReport()
    with caplog.at_level(logging.ERROR, logger="b2bcore.application.worker"):
        for _ in range(SETTINGS.max_attempts + 1):
            worker.drain(report)
            world.clock.advance(seconds=(SETTINGS.backoff_max + SETTINGS.backoff_initial).seconds)

    good, bad = [read_order(app, orders[i].id) for i in (0, 2)], read_order(app, orders[1].id)
    assert [o.status for o in good] == [S.INVOICED, S.INVOICED]
    assert bad.status is S.PLACED
    assert bad.failure is not None
    assert (bad.failure.step, bad.failure.error) == ("reserve", "KeyError: 'MATNR'")
    assert [o.id for o in app.review.queue(MANAGER)] == [bad.id]
    dead = app.services.queue.dead_messages()
    assert [(d.message.aggregate_id, d.error) for d in dead] == [(bad.id, "KeyError: 'MATNR'")]
    assert (report.deferred, report.failed) == (SETTINGS.max_attempts - 1, 1)
    tracebacks = [r for r in caplog.records if r.exc_info and r.exc_info[0] is KeyError]
    assert len(tracebacks) == SETTINGS.max_attempts


@attrs.define
class QueueLosingItsDatabase:
    """The outbox queue whose first claim fails as a lost connection would; ``stop`` is
    set once a later claim finds nothing left to do."""

    queue: OutboxQueue
    stop: threading.Event
    claims: int = 0

    def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[ClaimedMessage]:
        self.claims += 1
        if self.claims == 1:
            raise ConnectionError("server closed the connection unexpectedly")
        claimed = self.queue.claim(worker=worker, now=now, lease=lease, limit=limit)
        if not claimed:
            self.stop.set()
        return claimed

    def __getattr__(self, name: str) -> object:
        return getattr(self.queue, name)


def test_run_forever_outlives_a_pass_that_fails_outside_any_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A claim that raises is logged with its traceback; the next pass handles the work."""
    world, app, cast = open_shop()
    order = place_order(app, cast, PAPER=1)
    stop = threading.Event()
    queue = QueueLosingItsDatabase(app.services.queue, stop)
    services = bootstrap(world=world, queue=queue).services  # type: ignore[arg-type]
    worker = Worker(services, settings=attrs.evolve(SETTINGS, poll_interval=timedelta(0)))

    with caplog.at_level(logging.ERROR, logger="b2bcore.application.worker"):
        report = worker.run_forever(stop)

    assert read_order(app, order.id).status is S.INVOICED
    assert report.failed == 1
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [ConnectionError]
