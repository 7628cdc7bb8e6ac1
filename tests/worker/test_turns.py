"""Two workers on one store: the periodic jobs run in one of them at a time.

Both workers run :meth:`Worker.run_forever` side by side on the system clock, polling
every :data:`INTERVAL`, for :data:`RUN_FOR` seconds; the queue they share records each
turn asked for. The assertions hold however the threads happen to be scheduled: they
count what ran against the turns granted, never against the seconds elapsed.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
import pytest

from b2bcore.adapters.clock import SystemClock
from b2bcore.application import B2B, RunReport, Worker, WorkerSettings
from b2bcore.application.context import Services
from b2bcore.application.discounts import Discounts
from b2bcore.application.worker import NIGHTLY_DISCOUNTS, PERIODIC_JOBS
from b2bcore.ports import OutboxQueue
from tests.builders import open_shop
from tests.worker.shop import SqlShop

INTERVAL = timedelta(milliseconds=100)
RUN_FOR = 0.7
"""Seconds both workers run: some seven intervals."""
SETTINGS = WorkerSettings(
    poll_interval=INTERVAL,
    nightly_discounts=True,
    discount_hour_utc=0,  # the night's turn is due all day: both workers ask for it at once
)


@attrs.frozen
class Ask:
    job: str
    worker: str
    now: datetime
    granted: bool


@attrs.define
class TurnLog:
    """The shared outbox queue, recording every turn asked for and the answer."""

    queue: OutboxQueue
    asks: list[Ask] = attrs.Factory(list)

    def take_turn(self, job: str, *, worker: str, now: datetime, every: timedelta) -> bool:
        granted = self.queue.take_turn(job, worker=worker, now=now, every=every)
        self.asks.append(Ask(job, worker, now, granted))  # list.append is atomic
        return granted

    def granted(self, job: str) -> list[Ask]:
        return [ask for ask in self.asks if ask.job == job and ask.granted]

    def __getattr__(self, name: str) -> object:
        return getattr(self.queue, name)


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest) -> B2B:
    """The seeded shop, in memory or on a migrated SQLite file, its messages drained."""
    if request.param == "memory":
        _world, shop_app, _cast = open_shop()
    else:
        shop_app = SqlShop(request.getfixturevalue("sqlite_url")).app
    Worker(shop_app.services).drain(RunReport())  # the registrations' messages
    return shop_app


@pytest.fixture
def turns(app: B2B) -> TurnLog:
    return TurnLog(app.services.queue)


@pytest.fixture
def services(app: B2B, turns: TurnLog) -> Services:
    """The shop's services on the system clock (the jobs must come due), with the log."""
    return attrs.evolve(app.services, clock=SystemClock(), queue=turns)


@pytest.fixture
def recomputations(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times the discounts were recomputed (under the key "discounts")."""
    counter = Counter[str]()
    recompute = Discounts.recompute

    def counted(self: Discounts) -> dict[str, tuple[str, str]]:
        counter["discounts"] += 1
        return recompute(self)

    monkeypatch.setattr(Discounts, "recompute", counted)
    return counter


def two_workers(services: Services, polls: Counter[str]) -> list[Worker]:
    """Workers "w1" and "w2", each counting its payment polls in ``polls``."""

    def observer(worker_id: str) -> Callable[[str, float], None]:
        def observe(step: str, _seconds: float) -> None:
            if step == "payment poll":
                polls[worker_id] += 1

        return observe

    return [
        Worker(services, worker_id=worker_id, settings=SETTINGS, observe=observer(worker_id))
        for worker_id in ("w1", "w2")
    ]


def run_side_by_side(workers: list[Worker], seconds: float) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=w.run_forever, args=(stop,)) for w in workers]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_the_periodic_jobs_run_in_one_worker_per_interval(
    services: Services, turns: TurnLog, recomputations: Counter[str]
) -> None:
    """A worker polls only in a turn it was granted; turns are an interval apart or
    more; both workers asked, and the one without the turn was refused."""
    polls = Counter[str]()
    run_side_by_side(two_workers(services, polls), RUN_FOR)

    granted = turns.granted(PERIODIC_JOBS)
    assert polls == Counter(ask.worker for ask in granted)
    assert len(granted) >= 2
    times = sorted(ask.now for ask in granted)
    assert all(later - earlier >= INTERVAL for earlier, later in itertools.pairwise(times))
    asked = {ask.worker for ask in turns.asks if ask.job == PERIODIC_JOBS}
    refused = [a for a in turns.asks if a.job == PERIODIC_JOBS and not a.granted]
    assert asked == {"w1", "w2"}
    assert refused


def test_the_nightly_discounts_are_recomputed_by_one_worker(
    services: Services, turns: TurnLog, recomputations: Counter[str]
) -> None:
    """Both workers find the discounts due; one takes the night's turn and recomputes
    them, and neither asks again the same day."""
    run_side_by_side(two_workers(services, Counter()), RUN_FOR)

    asks = [ask for ask in turns.asks if ask.job == NIGHTLY_DISCOUNTS]
    days = {ask.now.date() for ask in asks}  # two if the run crossed midnight (UTC)
    assert len(turns.granted(NIGHTLY_DISCOUNTS)) == recomputations["discounts"] == len(days)
    assert len(asks) <= 2 * len(days)
    assert {ask.worker for ask in asks} == {"w1", "w2"}


def test_run_until_idle_runs_the_jobs_without_a_turn(
    services: Services, turns: TurnLog, recomputations: Counter[str]
) -> None:
    """``run_once`` (and so ``run_until_idle``, the demo, tests) asks for no turn: each
    worker polls and recomputes the discounts on its own."""
    polls = Counter[str]()
    for worker in two_workers(services, polls):
        worker.run_until_idle()
    assert turns.asks == []
    assert polls == Counter({"w1": 1, "w2": 1})
    assert recomputations["discounts"] == 2
