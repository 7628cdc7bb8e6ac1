"""A real worker process killed with SIGKILL, again and again, and restarted: the end
state is the one of a run without crashes. No order is lost, no external write is
done twice, nothing is left in the outbox.

The kills are seeded: half of them land right after a call to a simulator did its
work and before its reply reached the worker (:class:`~tests.worker.remote.Tripwire`:
a reservation made, an invoice registered, a mail sent, and the worker dead before
it could commit), the other half after a random short time, wherever the worker
is (claiming, committing, sleeping). Each call is slowed down a little to widen
the window between an external write and its commit. The lease is two seconds,
so a killed worker's claims are taken over quickly by its successor.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from tests.worker.remote import SimulatorServer
from tests.worker.shop import Outcome, SqlShop, WorkerProcess

ORDERS = 20
KILLS = 6
SEED = 20261126
DEADLINE = 120.0
"""Seconds a run may take before the test gives up (it needs about ten)."""


@attrs.frozen
class CrashedRun:
    outcome: Outcome
    kills: list[str]
    """Where each kill landed: the call it came right after, or the time it came at."""


def fresh_copy(template: Path, directory: Path, name: str) -> str:
    path = directory / f"{name}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def run_inline(database_url: str) -> Outcome:
    """The reference: the same orders and world, the worker inline, never killed."""
    shop = SqlShop(database_url)
    shop.place(ORDERS, seed=SEED)
    started = time.monotonic()
    while not shop.act():
        shop.app.processing.run_once()
        assert time.monotonic() - started < DEADLINE, "the reference run did not finish"
    return shop.outcome()


def run_with_crashes(database_url: str, logs: Path) -> CrashedRun:
    shop = SqlShop(database_url)
    shop.place(ORDERS, seed=SEED)
    rng = random.Random(SEED)
    kills: list[str] = []
    deadline = time.monotonic() + DEADLINE
    with SimulatorServer(shop.world, delay=0.01) as server:

        def start(generation: int) -> WorkerProcess:
            options = ("--lease", "2", "--batch", "5")
            return WorkerProcess(
                database_url, server, f"crash-{generation}", logs, *options
            ).wait_ready()

        def act(stop: Callable[[], bool]) -> None:
            """The world acts until ``stop()`` says so or everything is done."""
            while not stop():
                assert time.monotonic() < deadline, _logs(logs)
                if shop.act():
                    return
                time.sleep(0.01)

        worker = start(0)
        try:
            while len(kills) < KILLS:
                if len(kills) % 2 == 0:  # right after a write, before its commit
                    server.tripwire.arm(worker.pid, after_writes=rng.randint(1, 12))
                    act(lambda w=worker: not w.alive)
                    kills.append(f"after {server.tripwire.fired[-1]}" if not worker.alive else "")
                else:  # wherever the worker is
                    delay = rng.uniform(0.05, 1.0)
                    end = time.monotonic() + delay
                    act(lambda end=end: time.monotonic() >= end)
                    kills.append(f"after {delay:.2f} s" if worker.alive else "")
                worker.kill()
                worker = start(len(kills))
            act(lambda: False)
        finally:
            server.tripwire.disarm()
            worker.stop()
    return CrashedRun(outcome=shop.outcome(), kills=kills)


def _logs(logs: Path) -> str:
    return "the run did not finish; worker logs:\n" + "\n".join(
        f"{p.name}: {p.read_text()}" for p in sorted(logs.glob("*.log"))
    )


@pytest.fixture(scope="module")
def runs(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Outcome, CrashedRun]:
    """The reference run and the crashed run, on fresh SQLite files (done once, asserted
    by each test below)."""
    directory = tmp_path_factory.mktemp("crash")
    reference = run_inline(fresh_copy(sqlite_template, directory, "reference"))
    crashed = run_with_crashes(fresh_copy(sqlite_template, directory, "crashed"), directory)
    return reference, crashed


def test_every_kill_landed_while_there_was_work(runs: tuple[Outcome, CrashedRun]) -> None:
    """Each planned kill hit a working worker, half of them right after a write."""
    _, crashed = runs
    after_writes = [k for k in crashed.kills if k and not k.endswith(" s")]
    assert all(crashed.kills), crashed.kills
    assert (len(crashed.kills), len(after_writes)) == (KILLS, KILLS // 2), crashed.kills


def test_no_order_is_lost(runs: tuple[Outcome, CrashedRun]) -> None:
    """Every order ends where the crash-free run left it: delivered."""
    reference, crashed = runs
    assert crashed.outcome.statuses == reference.statuses
    assert set(reference.statuses.values()) == {"delivered"}


def test_no_status_is_entered_twice(runs: tuple[Outcome, CrashedRun]) -> None:
    """Each order's history is the crash-free one: every transition once."""
    reference, crashed = runs
    assert crashed.outcome.histories == reference.histories


def test_no_external_write_is_repeated(runs: tuple[Outcome, CrashedRun]) -> None:
    """SAP and 1C recorded the same writes as in the crash-free run, each exactly once."""
    reference, crashed = runs
    assert crashed.outcome.writes == reference.writes
    assert set(reference.writes.values()) == {1}
    assert len(reference.writes) == 3 * ORDERS


def test_no_mail_is_sent_twice(runs: tuple[Outcome, CrashedRun]) -> None:
    """The same mails as in the crash-free run, each exactly once."""
    reference, crashed = runs
    assert crashed.outcome.mails == reference.mails
    assert set(reference.mails.values()) == {1}
    assert len(reference.mails) == 3 * ORDERS


def test_each_document_is_listed_once(runs: tuple[Outcome, CrashedRun]) -> None:
    """Each order lists one stored invoice and one stored УПД, as in the crash-free run."""
    reference, crashed = runs
    assert crashed.outcome.documents == reference.documents
    assert set(reference.documents.values()) == {("invoice", "upd")}


def test_outbox_is_drained(runs: tuple[Outcome, CrashedRun]) -> None:
    """No message waits and none was given up on, after all the crashes."""
    _, crashed = runs
    assert (crashed.outcome.backlog, crashed.outcome.dead) == (0, 0)
