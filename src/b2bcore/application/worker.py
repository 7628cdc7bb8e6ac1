"""The worker: drains the outbox and runs the periodic jobs.

Any number of workers may drain one database's outbox side by side. The periodic
jobs (the payment poll, invoice expiry and the shipment poll, every
``poll_interval``; the discounts, once a night) are another matter: run by every
worker they would poll accounting and the ERP once per worker, and every worker
would act on every payment and shipment found. So :meth:`Worker.run_forever` runs
them only in its *turn* (:meth:`~b2bcore.ports.outbox.OutboxQueue.take_turn`, the
``job_turns`` table on SQL): when they are due it asks for the turn and, whether it
got it or not, looks again ``poll_interval`` later, so one worker at a time runs
them, about once per interval. A worker that dies mid-job delays the next turn by
at most that interval (if it dies recomputing the discounts, they wait for the next
night). :meth:`Worker.run_once` and :meth:`Worker.run_until_idle` (``b2b worker
--until-idle``, the demo, tests) take no turn: they always run the jobs.

Each message is claimed under a lease, handled, and completed in the same
transaction as the change its handler made. Failures:

* ``Unavailable`` (timeouts, 5xx, connection errors): retried at once a few
  times with exponential backoff and jitter (stamina), then the message is put
  back with a durable backoff (``available_at``) that doubles per attempt; after
  ``max_attempts`` the order is parked for a manager with the error text.
* ``Rejected`` and other domain errors: permanent, the order is parked at once.
* ``Conflict`` (the order changed underneath, or the lease was taken over): the
  message is retried soon; idempotency keys make the repeat harmless.
* Any other exception (a bug, a lost database connection) is logged with its
  traceback and treated like ``Unavailable`` without the quick retries: put back
  with backoff, parked after ``max_attempts``. The worker goes on with the other
  messages; :meth:`Worker.run_forever` also outlives a pass that fails outside a
  message (a claim or a periodic job), and goes on with the next pass.

A parked order waits in the manager's queue; ``review.retry`` emits
``StepRetried`` and the worker runs the failed step again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import attrs
import stamina

from b2bcore.application.context import Services
from b2bcore.application.discounts import Discounts
from b2bcore.application.handlers import Handlers
from b2bcore.application.jobs import Jobs, RunReport
from b2bcore.application.steps import OrderSteps
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import Conflict, DomainError, Unavailable
from b2bcore.ports import ClaimedMessage

log = logging.getLogger(__name__)
SYSTEM = Actor.system()

SHORTEST_PAUSE = 0.02
"""Seconds an idle worker first waits before it looks for messages again (see
:meth:`Worker.run_forever`)."""
PERIODIC_JOBS = "periodic jobs"
"""The turn at the payment poll, invoice expiry and the shipment poll, taken together."""
NIGHTLY_DISCOUNTS = "nightly discounts"
"""The turn at the nightly recomputation of the discounts: free once a day, from
``discount_hour_utc`` on (see :meth:`Worker._nightly`)."""

StepObserver = Callable[[str, float], None]
"""Told how long each thing the worker did took, in seconds: a message by its topic, a
periodic job by its name ("payment poll", "invoice expiry", "shipment poll")."""


@attrs.frozen(kw_only=True)
class WorkerSettings:
    lease: timedelta = timedelta(seconds=60)
    batch: int = 20
    max_attempts: int = 8
    backoff_initial: timedelta = timedelta(seconds=10)
    backoff_max: timedelta = timedelta(minutes=30)
    poll_interval: timedelta = timedelta(seconds=30)
    """How often payments and shipments are polled, and how long an idle worker sleeps."""
    quick_retries: int = 3
    """Attempts within one claim before the message is put back (stamina)."""
    nightly_discounts: bool = True
    discount_hour_utc: int = 23
    """Discounts are recomputed once a day, on the first pass after this hour (UTC)."""


class Worker:
    def __init__(
        self,
        services: Services,
        *,
        worker_id: str = "worker",
        settings: WorkerSettings | None = None,
        seed: int | None = None,
        observe: StepObserver | None = None,
    ) -> None:
        self._s = services
        self.worker_id = worker_id
        self.settings = settings or WorkerSettings()
        self._handlers = Handlers(services)
        self._jobs = Jobs(services, observe=observe)
        self._observe = observe
        self._discounts = Discounts(services)
        self._random = random.Random(seed)
        self._last_discount_day: object = None

    # -- loops -------------------------------------------------------------------------

    def run_once(self, *, jobs: bool = True) -> RunReport:
        """Drain every available message, then run the periodic jobs once."""
        report = RunReport()
        self.drain(report)
        if jobs:
            self._jobs.run(report)
            self._nightly(report, take_turn=False)
            self.drain(report)
        return report

    def run_until_idle(self, max_passes: int = 100) -> RunReport:
        """Passes until one changes nothing (``b2b worker --until-idle``, tests, the demo)."""
        total = RunReport()
        for _ in range(max_passes):
            report = self.run_once()
            total.add(report)
            if report.total == 0:
                break
        return total

    def run_forever(self, stop: threading.Event) -> RunReport:
        """Until ``stop`` is set: the message in hand is finished, then the loop ends.

        The periodic jobs run only in this worker's turn (see the module's docstring).
        A pass that found nothing to do is followed by a pause that starts at
        :data:`SHORTEST_PAUSE` and doubles with each idle pass up to the poll interval
        (at most 1 s): a message written just after a busy spell waits milliseconds,
        not a whole second, and an idle worker asks the database about once a second."""
        total = RunReport()
        next_jobs = self._s.clock.now()
        longest = min(1.0, self.settings.poll_interval.total_seconds())
        idle = min(SHORTEST_PAUSE, longest)
        while not stop.is_set():
            report = RunReport()
            try:
                self.drain(report, stop=stop, until=next_jobs)
                now = self._s.clock.now()
                if not stop.is_set() and now >= next_jobs:
                    # Another worker's turn: it polls, this one looks again an interval on.
                    if self._take_turn(PERIODIC_JOBS, now, self.settings.poll_interval):
                        self._jobs.run(report)
                    self._nightly(report, take_turn=True)
                    next_jobs = self._s.clock.now() + self.settings.poll_interval
            except Exception:
                # Outside any message (the claim, a job): its messages come back after
                # their lease, and the next pass may find the database reachable again.
                log.exception("worker %s: pass failed", self.worker_id)
                report.failed += 1
            total.add(report)
            if report.total == 0 and report.deferred == 0:
                stop.wait(idle)
                idle = min(idle * 2, longest)
            else:
                idle = min(SHORTEST_PAUSE, longest)
        return total

    def drain(
        self,
        report: RunReport,
        stop: threading.Event | None = None,
        until: datetime | None = None,
    ) -> None:
        """Handle messages, a batch at a time, until none is available, ``stop`` is set or
        (between batches) the clock passed ``until``, when the periodic jobs are due: a
        steady stream of messages must not hold up the payments."""
        queue = self._s.queue
        while stop is None or not stop.is_set():
            claimed = queue.claim(
                worker=self.worker_id,
                now=self._s.clock.now(),
                lease=self.settings.lease,
                limit=self.settings.batch,
            )
            if not claimed:
                return
            for index, message in enumerate(claimed):
                if stop is not None and stop.is_set():
                    self._give_back(claimed[index:])
                    return
                self._handle(message, report)
            if until is not None and self._s.clock.now() >= until:
                return

    # -- one message -----------------------------------------------------------------------

    def _handle(self, claimed: ClaimedMessage, report: RunReport) -> None:
        started = time.perf_counter()
        try:
            self._handle_once(claimed, report)
        finally:
            if self._observe is not None:
                self._observe(claimed.message.topic, time.perf_counter() - started)

    def _handle_once(self, claimed: ClaimedMessage, report: RunReport) -> None:
        try:
            done = self._with_quick_retries(claimed)
        except Conflict as exc:
            report.deferred += 1
            self._s.queue.retry_later(
                claimed.message.id,
                worker=self.worker_id,
                available_at=self._s.clock.now(),
                error=str(exc),
            )
        except Unavailable as exc:
            self._later_or_give_up(claimed, report, str(exc))
        except DomainError as exc:
            report.failed += 1
            self._give_up(claimed, str(exc))
        except Exception as exc:
            log.exception(
                "message %s (%s) of %s: unexpected error",
                claimed.message.id,
                claimed.message.topic,
                claimed.message.aggregate_id,
            )
            self._later_or_give_up(claimed, report, f"{type(exc).__name__}: {exc}")
        else:
            if done is not None:
                report.count(done)

    def _later_or_give_up(self, claimed: ClaimedMessage, report: RunReport, error: str) -> None:
        """Put the message back with backoff, or give up once its attempts are used up."""
        if claimed.attempts >= self.settings.max_attempts:
            report.failed += 1
            self._give_up(claimed, error)
            return
        report.deferred += 1
        self._s.queue.retry_later(
            claimed.message.id,
            worker=self.worker_id,
            available_at=self._s.clock.now() + self._backoff(claimed.attempts),
            error=error,
        )

    def _with_quick_retries(self, claimed: ClaimedMessage) -> str | None:
        for attempt in stamina.retry_context(
            on=Unavailable,
            attempts=self.settings.quick_retries,
            timeout=self.settings.lease.total_seconds() / 2,
            wait_initial=0.05,
            wait_max=1.0,
            wait_jitter=0.05,
        ):
            with attempt:
                return self._handlers.handle(claimed)
        return None  # pragma: no cover - stamina either returns or raises

    def _backoff(self, attempts: int) -> timedelta:
        """Exponential in the attempts, capped, with up to one initial step of jitter."""
        # In whole microseconds (ints do not overflow): initial * 2**44 is already more
        # than a timedelta holds, and a generous max_attempts gets there.
        step = timedelta(microseconds=1)
        initial, cap = self.settings.backoff_initial // step, self.settings.backoff_max // step
        capped = timedelta(microseconds=min(initial * 2 ** max(attempts - 1, 0), cap))
        jitter = self.settings.backoff_initial * self._random.random()
        return capped + jitter

    def _give_up(self, claimed: ClaimedMessage, error: str) -> None:
        """Park the order in the manager's queue (for an order step) and bury the message.

        Only while the failed step is still the one due: a worker whose lease ran out
        while it waited may find the order already moved on by the worker that took the
        message over, and must not park it at a step that is done.
        """
        step = self._handlers.step_of(claimed)
        now = self._s.clock.now()
        if step is not None:
            try:
                with self._s.uow() as uow:
                    order = uow.orders.get(claimed.message.aggregate_id)
                    if OrderSteps.due(order) == step and not order.status.is_terminal:
                        order.fail_step(SYSTEM, now, step, error)
                        uow.commit()
            except DomainError as park_error:
                log.error("could not park order %s: %s", claimed.message.aggregate_id, park_error)
        topic = claimed.message.topic
        log.warning("message %s (%s) failed for good: %s", claimed.message.id, topic, error)
        self._s.queue.dead(claimed.message.id, worker=self.worker_id, now=now, error=error)

    def _give_back(self, claimed: Sequence[ClaimedMessage]) -> None:
        for message in claimed:
            self._s.queue.retry_later(
                message.message.id,
                worker=self.worker_id,
                available_at=self._s.clock.now(),
                error="worker stopped before handling it",
            )

    def _take_turn(self, job: str, now: datetime, every: timedelta) -> bool:
        return self._s.queue.take_turn(job, worker=self.worker_id, now=now, every=every)

    def _nightly(self, report: RunReport, *, take_turn: bool) -> None:
        """Recompute the discounts on the first pass after ``discount_hour_utc``, once a
        day; with ``take_turn``, only if this worker takes the day's turn (either way it
        does not ask again until the next day).

        The turn's ``every`` reaches back to just before today's ``discount_hour_utc``:
        the turn is free while nobody took it since then, whenever that was, so a turn
        taken late yesterday (the workers were down at the hour) does not cost today's."""
        now = self._s.clock.now()
        hour = self.settings.discount_hour_utc
        if not self.settings.nightly_discounts or now.hour < hour:
            return
        if self._last_discount_day == now.date():
            return
        if take_turn:
            opened = now.replace(hour=hour, minute=0, second=0, microsecond=0)
            every = now - opened + timedelta(microseconds=1)
            granted = self._take_turn(NIGHTLY_DISCOUNTS, now, every)
            self._last_discount_day = now.date()
            if not granted:
                return
        self._last_discount_day = now.date()
        changes = self._discounts.recompute()
        if changes:
            report.count("discount changed", len(changes))
