"""Two worker processes on one PostgreSQL database: 2 000 orders, every step of every
order exactly once.

The test places the orders through ``ordering.place``, then starts both workers;
the bank pays every invoice as soon as the ledger holds it. Every order is
reserved, invoiced, mailed its invoice PDF, paid and mailed the interval request;
the buyers of the first :data:`SCHEDULED` orders also pick an interval, and those
go on to transport, shipment (УПД) and delivery. The workers claim in batches of
20 under a 30-second lease and both poll payments and shipments every second, so
they race for the same orders all the time.

Why not all 2 000 to delivery: measured on this two-core machine, that run takes
about 155 s (the workers need some 120 s of CPU, 60 ms an order, and the test
itself 50 s to pick 2 000 intervals through the use case); this one about 50 s.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from b2bcore.domain.order import OrderStatus
from tests.databases import fresh_postgres_database
from tests.postgres import PostgresServer
from tests.worker.remote import SimulatorServer
from tests.worker.shop import Outcome, SqlShop, WorkerProcess

S = OrderStatus
ORDERS = 2000
SCHEDULED = 200
SEED = 2000
DEADLINE = 300.0
"""Seconds the run may take before the test gives up (it needs about a minute)."""
PAID = ("placed", "reserved", "invoiced", "paid")
DELIVERED = (*PAID, "scheduled", "transport_requested", "shipped", "delivered")


@attrs.frozen
class ConcurrentRun:
    outcome: Outcome
    numbers: list[str]
    """Order numbers, in the order the orders were placed."""
    reports: list[str]
    """What each worker printed when stopped: ``done N deferred N failed N cpu N s``."""
    seconds: float


def run_two_workers(database_url: str, logs: Path) -> ConcurrentRun:
    started = time.monotonic()
    shop = SqlShop(database_url, stock=1_000_000)
    shop.place(ORDERS, seed=SEED)
    scheduled = set(shop.order_ids[:SCHEDULED])
    with SimulatorServer(shop.world) as server:
        options = ("--poll", "1", "--batch", "20", "--lease", "30")
        workers = [
            WorkerProcess(database_url, server, f"worker-{i}", logs, *options) for i in (1, 2)
        ]
        try:
            for worker in workers:
                worker.wait_ready()
            while not (
                len(shop.ids_in(S.DELIVERED)) == SCHEDULED
                and len(shop.ids_in(S.PAID)) == ORDERS - SCHEDULED
                and shop.backlog() == 0
            ):
                assert time.monotonic() - started < DEADLINE, "the run did not finish in time"
                shop.act_in_bulk(scheduled)
                time.sleep(0.5)
        finally:
            reports = [worker.stop() for worker in workers]
    seconds = time.monotonic() - started
    return ConcurrentRun(
        outcome=shop.outcome(), numbers=shop.numbers, reports=reports, seconds=seconds
    )


@pytest.fixture(scope="module")
def run(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConcurrentRun]:
    """One run of both workers over the orders (asserted by each test below)."""
    with fresh_postgres_database(postgres) as database_url:
        yield run_two_workers(database_url, tmp_path_factory.mktemp("workers"))


def test_both_workers_did_part_of_the_work(run: ConcurrentRun) -> None:
    """Neither worker sat idle: the work really was shared (and raced for)."""
    done = [int(report.split()[1]) for report in run.reports]
    assert all(n > 0 for n in done), run.reports


def test_every_order_gets_as_far_as_its_buyer_went(run: ConcurrentRun) -> None:
    """The scheduled orders are delivered, every other one is paid; none is lost or parked."""
    expected = {n: "delivered" if i < SCHEDULED else "paid" for i, n in enumerate(run.numbers)}
    assert run.outcome.statuses == expected


def test_every_transition_happens_once(run: ConcurrentRun) -> None:
    """Each order's history lists each status it went through exactly once."""
    expected = {n: DELIVERED if i < SCHEDULED else PAID for i, n in enumerate(run.numbers)}
    assert run.outcome.histories == expected


def test_every_external_write_happens_once(run: ConcurrentRun) -> None:
    """One reservation and one invoice per order, one transport request per scheduled order."""
    expected = Counter[tuple[str, str]]()
    for i, number in enumerate(run.numbers):
        expected[("reserve", f"{number}:reserve:1")] += 1
        expected[("register_invoice", f"{number}:invoice")] += 1
        if i < SCHEDULED:
            expected[("request_transport", f"{number}:transport")] += 1
    assert run.outcome.writes == expected


def test_every_mail_is_sent_once(run: ConcurrentRun) -> None:
    """The invoice and the interval request to every buyer, the shipment notice to the
    scheduled ones: each exactly once."""
    expected = Counter[str]()
    for i, number in enumerate(run.numbers):
        expected[f"{number}:invoice-mail"] += 1
        expected[f"{number}:choose-interval-mail"] += 1
        if i < SCHEDULED:
            expected[f"{number}:shipped-mail"] += 1
    assert run.outcome.mails == expected


def test_every_document_is_listed_once(run: ConcurrentRun) -> None:
    """Every order lists its stored invoice once; the delivered ones their УПД too."""
    expected = {
        n: ("invoice", "upd") if i < SCHEDULED else ("invoice",) for i, n in enumerate(run.numbers)
    }
    assert run.outcome.documents == expected


def test_outbox_is_fully_processed(run: ConcurrentRun) -> None:
    """No message is left waiting and none was given up on."""
    assert (run.outcome.backlog, run.outcome.dead) == (0, 0)
