"""The outbox-queue contract: claiming, completing, retrying and giving up on messages.

:class:`OutboxQueueContract` is written against the ports only; each store
subclasses it and says how to build units of work and a queue over one fresh,
empty store (``make_store``). Messages reach the outbox the real way: a unit of
work commits an order, and its ``OrderPlaced`` event becomes the message.

Every test starts with the manager and client-1 stored (a database refuses an
order of an unknown client). The client is stored without its registration
event, so the outbox holds only the messages of the test's own orders.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from b2bcore.adapters.persistence import InMemoryOutboxQueue, InMemoryUnitOfWorkFactory
from b2bcore.adapters.persistence.sql import SqlOutboxQueue, SqlUnitOfWorkFactory
from b2bcore.domain.errors import Conflict
from b2bcore.domain.order import OrderStatus
from b2bcore.ports.outbox import ClaimedMessage, OutboxQueue
from b2bcore.ports.repositories import UnitOfWorkFactory
from tests.builders import NOW, SYSTEM, make_client, make_manager, make_order

LATER = NOW + timedelta(hours=1)
"""When the workers claim: every order of a test is placed before then."""
LEASE = timedelta(minutes=5)
EXPIRED = LATER + LEASE + timedelta(seconds=1)
"""Just after a claim made at LATER ran out."""


def place(uows: UnitOfWorkFactory, order_id: str, *, minute: int = 0) -> None:
    """Commit an order placed ``minute`` minutes after NOW: one OrderPlaced message."""
    with uows() as uow:
        uow.orders.add(make_order(order_id=order_id, placed_at=NOW + timedelta(minutes=minute)))
        uow.commit()


def ids(claims: Sequence[ClaimedMessage]) -> list[str]:
    """The orders whose messages were claimed, in the order returned."""
    return [claimed.message.aggregate_id for claimed in claims]


def claim(
    queue: OutboxQueue, worker: str = "worker-a", *, at: datetime = LATER, limit: int = 10
) -> Sequence[ClaimedMessage]:
    return queue.claim(worker=worker, now=at, lease=LEASE, limit=limit)


def complete(uows: UnitOfWorkFactory, claimed: ClaimedMessage) -> None:
    """Complete the message in a unit of work of its own."""
    with uows() as uow:
        uow.outbox.complete(claimed.message.id, worker=claimed.worker)
        uow.commit()


EVERY = timedelta(seconds=30)
"""How often a periodic job's turn comes round in the turn tests."""


def turn(
    queue: OutboxQueue, worker: str = "worker-a", *, at: datetime = LATER, job: str = "poll"
) -> bool:
    return queue.take_turn(job, worker=worker, now=at, every=EVERY)


def pending_topics(uows: UnitOfWorkFactory) -> list[tuple[str, str]]:
    with uows() as uow:
        return [(m.topic, m.aggregate_id) for m in uow.outbox.pending()]


class OutboxQueueContract(abc.ABC):
    """Behaviour every OutboxQueue, with its store's OutboxRepository, must show."""

    @abc.abstractmethod
    def make_store(self) -> tuple[UnitOfWorkFactory, OutboxQueue]:
        """Units of work and a queue over one fresh, empty store."""

    @pytest.fixture
    def store(self) -> tuple[UnitOfWorkFactory, OutboxQueue]:
        uows, queue = self.make_store()
        client = make_client()
        client.events.clear()  # ClientRegistered would be a message of every test
        with uows() as uow:
            uow.managers.add(make_manager())
            uow.clients.add(client)
            uow.commit()
        return uows, queue

    @pytest.fixture
    def uows(self, store: tuple[UnitOfWorkFactory, OutboxQueue]) -> UnitOfWorkFactory:
        return store[0]

    @pytest.fixture
    def queue(self, store: tuple[UnitOfWorkFactory, OutboxQueue]) -> OutboxQueue:
        return store[1]

    # -- claiming ------------------------------------------------------------------

    def test_claim_returns_the_oldest_messages_first(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """Messages come out in the order their events happened, not the order stored."""
        place(uows, "o2", minute=2)
        place(uows, "o3", minute=3)
        place(uows, "o1", minute=1)
        assert ids(claim(queue)) == ["o1", "o2", "o3"]

    def test_claim_returns_at_most_limit_messages(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A claim takes ``limit`` messages, the oldest; the next claim takes the rest."""
        for minute in range(5):
            place(uows, f"o{minute}", minute=minute)
        assert ids(claim(queue, limit=3)) == ["o0", "o1", "o2"]
        assert ids(claim(queue, limit=3)) == ["o3", "o4"]

    def test_a_claim_counts_the_attempt_and_sets_the_lease(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A first claim is attempt 1, held by the worker until now + lease, with no error."""
        place(uows, "o1")
        (claimed,) = claim(queue, "worker-a")
        assert (claimed.worker, claimed.attempts, claimed.claimed_until, claimed.last_error) == (
            "worker-a",
            1,
            LATER + LEASE,
            None,
        )
        assert claimed.message.topic == "OrderPlaced"

    def test_a_message_is_not_claimed_before_its_event_happened(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A message is available from its creation on."""
        place(uows, "o1", minute=10)
        assert claim(queue, at=NOW + timedelta(minutes=9)) == []
        assert ids(claim(queue, at=NOW + timedelta(minutes=10))) == ["o1"]

    def test_a_claimed_message_is_not_claimed_again_while_its_lease_lives(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """Up to and including ``claimed_until`` no other claim returns the message."""
        place(uows, "o1")
        claim(queue, "worker-a")
        assert claim(queue, "worker-b") == []
        assert claim(queue, "worker-b", at=LATER + LEASE) == []

    def test_after_the_lease_another_worker_claims_the_message(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """Once the lease ran out the message is claimed again, as attempt 2."""
        place(uows, "o1")
        claim(queue, "worker-a")
        (claimed,) = claim(queue, "worker-b", at=EXPIRED)
        assert (claimed.worker, claimed.attempts) == ("worker-b", 2)

    # -- completing ----------------------------------------------------------------

    def test_complete_is_committed_with_the_change(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """The handler's change and the completion are stored by one commit."""
        place(uows, "o1")
        (claimed,) = claim(queue)
        with uows() as uow:
            uow.orders.get("o1").reserve(SYSTEM, LATER, "reservation-1")
            uow.outbox.complete(claimed.message.id, worker=claimed.worker)
            uow.commit()
        with uows() as uow:
            assert uow.orders.get("o1").status is OrderStatus.RESERVED
        assert pending_topics(uows) == [("OrderReserved", "o1")]

    def test_a_completion_alone_is_committed(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A unit of work whose only change is a completion stores it."""
        place(uows, "o1")
        (claimed,) = claim(queue)
        complete(uows, claimed)
        assert queue.backlog(LATER) == 0

    def test_a_completed_message_is_never_claimed_again(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """After completion no claim returns the message, however late."""
        place(uows, "o1")
        (claimed,) = claim(queue)
        complete(uows, claimed)
        assert claim(queue, "worker-b", at=EXPIRED + timedelta(days=30)) == []

    def test_a_completed_message_is_not_pending(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """``pending`` leaves completed messages out."""
        place(uows, "o1")
        place(uows, "o2", minute=1)
        complete(uows, claim(queue, limit=1)[0])
        assert pending_topics(uows) == [("OrderPlaced", "o2")]

    def test_complete_after_losing_the_lease_conflicts_and_stores_nothing(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A completion by a worker whose lease was taken over fails the whole commit."""
        place(uows, "o1")
        (lost,) = claim(queue, "worker-a")
        claim(queue, "worker-b", at=EXPIRED)
        with uows() as uow:
            uow.orders.get("o1").reserve(SYSTEM, EXPIRED, "reservation-1")
            uow.outbox.complete(lost.message.id, worker="worker-a")
            with pytest.raises(Conflict, match="no longer claimed by worker worker-a"):
                uow.commit()
        with uows() as uow:
            assert uow.orders.get("o1").status is OrderStatus.PLACED
        assert pending_topics(uows) == [("OrderPlaced", "o1")]

    def test_the_new_holder_completes_after_a_lost_lease(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """The worker that claimed the message after the lease ran out can complete it."""
        place(uows, "o1")
        claim(queue, "worker-a")
        (taken_over,) = claim(queue, "worker-b", at=EXPIRED)
        complete(uows, taken_over)
        assert queue.backlog(EXPIRED) == 0

    def test_complete_of_an_unclaimed_message_conflicts(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """Completing a message nobody claimed is refused at commit."""
        place(uows, "o1")
        with uows() as uow:
            (message,) = uow.outbox.pending()
            uow.outbox.complete(message.id, worker="worker-a")
            with pytest.raises(Conflict):
                uow.commit()
        assert queue.backlog(LATER) == 1

    def test_complete_without_commit_leaves_the_message_claimable(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """An uncommitted completion is dropped: the message is claimed after the lease."""
        place(uows, "o1")
        (claimed,) = claim(queue, "worker-a")
        with uows() as uow:
            uow.outbox.complete(claimed.message.id, worker="worker-a")
        assert ids(claim(queue, "worker-b", at=EXPIRED)) == ["o1"]

    # -- retrying ------------------------------------------------------------------

    def test_retry_later_hides_the_message_until_available_at(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A message given back is not claimed before ``available_at``, then it is."""
        place(uows, "o1")
        (claimed,) = claim(queue)
        retry_at = LATER + timedelta(hours=2)
        queue.retry_later(
            claimed.message.id, worker="worker-a", available_at=retry_at, error="ERP down"
        )
        assert claim(queue, "worker-b", at=retry_at - timedelta(seconds=1)) == []
        assert ids(claim(queue, "worker-b", at=retry_at)) == ["o1"]

    def test_a_retried_message_keeps_its_error_and_attempts(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """The next claim of a retried message shows the last error and counts on."""
        place(uows, "o1")
        (claimed,) = claim(queue)
        queue.retry_later(claimed.message.id, worker="worker-a", available_at=LATER, error="down")
        (again,) = claim(queue, "worker-b", at=LATER + timedelta(seconds=1))
        assert (again.attempts, again.last_error) == (2, "down")

    def test_retry_later_by_another_worker_does_nothing(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """Only the claim's holder gives it back: the message stays claimed by it."""
        place(uows, "o1")
        (claimed,) = claim(queue, "worker-a")
        queue.retry_later(claimed.message.id, worker="worker-b", available_at=LATER, error="x")
        assert claim(queue, "worker-c", at=LATER + timedelta(seconds=1)) == []
        complete(uows, claimed)  # worker-a still holds it

    # -- giving up -----------------------------------------------------------------

    def test_a_dead_message_is_never_claimed_again(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A message given up on is processed: no claim returns it."""
        place(uows, "o1")
        (claimed,) = claim(queue)
        queue.dead(claimed.message.id, worker="worker-a", now=LATER, error="rejected")
        assert claim(queue, "worker-b", at=EXPIRED + timedelta(days=30)) == []

    def test_dead_messages_are_listed_newest_first_with_their_error(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """``dead_messages`` shows each dead message with its error, attempts and time."""
        place(uows, "o1")
        place(uows, "o2", minute=1)
        first, second = claim(queue)
        queue.dead(first.message.id, worker="worker-a", now=LATER, error="first")
        queue.dead(second.message.id, worker="worker-a", now=EXPIRED, error="second")
        dead = queue.dead_messages()
        assert [(d.message.aggregate_id, d.error, d.attempts, d.failed_at) for d in dead] == [
            ("o2", "second", 1, EXPIRED),
            ("o1", "first", 1, LATER),
        ]

    def test_a_message_that_failed_and_then_succeeded_is_not_dead(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A retried message completed later is not listed among the dead ones."""
        place(uows, "o1")
        (claimed,) = claim(queue)
        queue.retry_later(claimed.message.id, worker="worker-a", available_at=LATER, error="down")
        complete(uows, claim(queue, "worker-b", at=LATER + timedelta(seconds=1))[0])
        assert queue.dead_messages() == []

    def test_dead_by_another_worker_does_nothing(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """Only the claim's holder gives up on it: the message stays claimed by it."""
        place(uows, "o1")
        (claimed,) = claim(queue, "worker-a")
        queue.dead(claimed.message.id, worker="worker-b", now=LATER, error="x")
        assert queue.dead_messages() == []
        complete(uows, claimed)  # worker-a still holds it

    def test_a_dead_message_is_not_pending(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """``pending`` leaves dead messages out."""
        place(uows, "o1")
        (claimed,) = claim(queue)
        queue.dead(claimed.message.id, worker="worker-a", now=LATER, error="rejected")
        assert pending_topics(uows) == []

    # -- the backlog and concurrency ------------------------------------------------

    def test_backlog_counts_unprocessed_messages_claimed_or_not(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """Waiting, claimed and retried messages count; completed and dead ones do not."""
        for minute in range(5):
            place(uows, f"o{minute}", minute=minute)
        completed, dead, retried, _claimed = claim(queue, limit=4)  # o4 waits
        complete(uows, completed)
        queue.dead(dead.message.id, worker="worker-a", now=LATER, error="rejected")
        queue.retry_later(retried.message.id, worker="worker-a", available_at=EXPIRED, error="down")
        assert queue.backlog(LATER) == 3

    def test_concurrent_claims_take_every_message_exactly_once(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """Threads claiming five at a time until none are left take each message once."""
        with uows() as uow:
            for n in range(200):
                uow.orders.add(make_order(order_id=f"o{n}", placed_at=NOW + timedelta(seconds=n)))
            uow.commit()
        with uows() as uow:
            stored = sorted(message.id for message in uow.outbox.pending(limit=1000))
        workers = 8
        all_ready = threading.Barrier(workers)

        def drain(worker: str) -> list[str]:
            all_ready.wait(timeout=10)
            taken: list[str] = []
            while batch := claim(queue, worker, limit=5):
                taken.extend(claimed.message.id for claimed in batch)
            return taken

        with ThreadPoolExecutor(workers) as pool:
            shares = list(pool.map(drain, [f"worker-{n}" for n in range(workers)]))
        claimed = sorted(message_id for share in shares for message_id in share)
        assert len(stored) == 200
        assert claimed == stored

    # -- turns at the periodic jobs ------------------------------------------------

    def test_the_first_to_ask_gets_the_turn(self, queue: OutboxQueue) -> None:
        """A job nobody ever took: the first caller's turn."""
        assert turn(queue, "worker-a") is True

    def test_no_other_worker_gets_the_turn_within_every(self, queue: OutboxQueue) -> None:
        """Until ``every`` has passed since the turn was taken, another worker gets none."""
        turn(queue, "worker-a")
        assert turn(queue, "worker-b") is False
        assert turn(queue, "worker-b", at=LATER + EVERY - timedelta(microseconds=1)) is False

    def test_the_holder_gets_no_second_turn_within_every(self, queue: OutboxQueue) -> None:
        """Asking again is no way round it: the worker that took the turn waits too."""
        turn(queue, "worker-a")
        assert turn(queue, "worker-a") is False
        assert turn(queue, "worker-a", at=LATER + timedelta(seconds=10)) is False

    def test_the_turn_comes_round_again_after_every(self, queue: OutboxQueue) -> None:
        """``every`` after the last turn was taken (to the microsecond) the next asker
        gets it, and it lasts ``every`` from then."""
        turn(queue, "worker-a")
        assert turn(queue, "worker-b", at=LATER + EVERY) is True
        assert turn(queue, "worker-a", at=LATER + EVERY + timedelta(seconds=1)) is False
        assert turn(queue, "worker-a", at=LATER + 2 * EVERY) is True

    def test_a_late_asker_gets_the_turn_for_every_from_its_now(self, queue: OutboxQueue) -> None:
        """A turn left untaken for long goes to whoever asks next, timed from their ask."""
        turn(queue, "worker-a")
        late = LATER + timedelta(hours=5)
        assert turn(queue, "worker-b", at=late) is True
        assert turn(queue, "worker-a", at=late + EVERY - timedelta(seconds=1)) is False
        assert turn(queue, "worker-a", at=late + EVERY) is True

    def test_jobs_of_different_names_have_turns_of_their_own(self, queue: OutboxQueue) -> None:
        """Taking one job's turn takes nothing from another job."""
        assert turn(queue, "worker-a", job="payments") is True
        assert turn(queue, "worker-b", job="discounts") is True
        assert turn(queue, "worker-b", job="payments") is False
        assert turn(queue, "worker-a", job="discounts") is False

    def test_turns_leave_the_messages_alone(
        self, uows: UnitOfWorkFactory, queue: OutboxQueue
    ) -> None:
        """A turn is no message: the backlog and the claims are what they were."""
        place(uows, "o1")
        turn(queue, "worker-a")
        assert queue.backlog(LATER) == 1
        assert ids(claim(queue, "worker-b")) == ["o1"]

    def test_workers_asking_at_the_same_instant_get_one_turn(self, queue: OutboxQueue) -> None:
        """Threads asking at once, a few rounds over: exactly one turn per round."""
        workers, rounds = 8, 5
        all_ready = threading.Barrier(workers)

        def ask(worker: str) -> list[bool]:
            granted: list[bool] = []
            for n in range(rounds):
                all_ready.wait(timeout=10)
                granted.append(turn(queue, worker, at=LATER + n * EVERY))
            return granted

        with ThreadPoolExecutor(workers) as pool:
            answers = list(pool.map(ask, [f"worker-{n}" for n in range(workers)]))
        per_round = [sum(answer[n] for answer in answers) for n in range(rounds)]
        assert per_round == [1] * rounds


class TestInMemoryOutboxQueue(OutboxQueueContract):
    def make_store(self) -> tuple[UnitOfWorkFactory, OutboxQueue]:
        uows = InMemoryUnitOfWorkFactory()
        return uows, InMemoryOutboxQueue(uows.db)


def captured_claim(engine: Engine, queue: OutboxQueue) -> tuple[str, Any]:
    """The SQL and parameters of a claim, as sent to the database."""
    sent: list[tuple[str, Any]] = []

    def capture(
        _conn: object, _cursor: object, statement: str, parameters: Any, *_: object
    ) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        claim(queue)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    (found,) = sent
    return found


class TestSqliteOutboxQueue(OutboxQueueContract):
    @pytest.fixture(autouse=True)
    def _database(self, sqlite_engine: Engine) -> None:
        self.engine = sqlite_engine

    def make_store(self) -> tuple[UnitOfWorkFactory, OutboxQueue]:
        return SqlUnitOfWorkFactory(self.engine), SqlOutboxQueue(self.engine)

    def test_the_claim_searches_the_claim_order_index(self, queue: OutboxQueue) -> None:
        """SQLite finds claimable messages through ix_outbox_claim_order."""
        statement, parameters = captured_claim(self.engine, queue)
        with self.engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = [row[-1] for row in plan]
        assert any("USING INDEX ix_outbox_claim_order" in detail for detail in details), details


class TestPostgresOutboxQueue(OutboxQueueContract):
    @pytest.fixture(autouse=True)
    def _database(self, postgres_engine: Engine) -> None:
        self.engine = postgres_engine

    def make_store(self) -> tuple[UnitOfWorkFactory, OutboxQueue]:
        return SqlUnitOfWorkFactory(self.engine), SqlOutboxQueue(self.engine)

    def test_the_claim_can_walk_the_claim_order_index(self, queue: OutboxQueue) -> None:
        """PostgreSQL can serve the claim from ix_outbox_claim_order's partial index."""
        # Sequential scans off: on a table this small the planner would rightly prefer one.
        statement, parameters = captured_claim(self.engine, queue)
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            lines = [row[0] for row in plan]
        assert any("Index Scan using ix_outbox_claim_order" in line for line in lines), lines
