"""The order pipeline: orders per second from placed to shipped, through worker
processes, on a SQLite file (one worker) and on PostgreSQL (one and two workers).

The orders (1 000 at scale 1) are placed first (not timed) through
``ordering.place``; then the worker processes start together (a barrier), each
having rendered one invoice and one УПД (start-up, not throughput), and the clock
runs until every order is shipped and the outbox is empty (the УПД stored and the
shipment mailed). An order needs two poll passes (payment, shipment) on its way,
so the first and last second of a run are filling and draining the pipeline; at
300 orders that was a quarter of the run, at 1 000 it is under a tenth. The
world runs in this process: the simulators of SAP, 1C, the EDMS, the mail server
and the document storage (:func:`b2bcore.bootstrap.in_memory_world`), served to
the workers over 127.0.0.1 (:mod:`b2bcore.adapters.remote`, one round trip per
call), and the outside world acting on them as the demo does -- the bank pays
every invoice the ledger holds, each buyer picks the last offered interval of a
paid order through ``ordering.choose_delivery_interval``, the warehouse ships every
requested transport and the carrier delivers it at the next look.

Each worker times what it does (:data:`~b2bcore.application.worker.StepObserver`:
each message by its step, each periodic job per pass) and every call it makes to
a simulator or to the PDF renderer; p50 and p95 of all runs of a configuration
are printed. Setting ``B2B_PIPELINE_PROFILE=DIR`` writes each worker's cProfile to
``DIR``; it times by the wall clock (waits show up under the socket calls), because a
CPU-time timer is a system call per function call, which inflates the run tenfold and
skews the profile towards functions called often.
"""

from __future__ import annotations

import contextlib
import cProfile
import multiprocessing
import os
import queue
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, TypeVar

import attrs
from tests.documents import samples

from b2bcore import Actor, Config, bootstrap, in_memory_world
from b2bcore.adapters.clock import SystemClock
from b2bcore.adapters.pdf import PdfDocumentRenderer
from b2bcore.adapters.remote import SimulatorServer, connect
from b2bcore.application import B2B, Worker, WorkerSettings
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.documents.model import build_upd
from b2bcore.domain.errors import Conflict
from b2bcore.domain.order import OrderStatus
from b2bcore.i18n import DEFAULT_LOCALE, catalog
from benchmarks.harness import Options, create_database, median, note, print_table
from benchmarks.shop import CART, CATALOGUE, Buyer, seed

NAME = "pipeline"
CONFIGURATIONS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2))
BUYERS = 12
BAR = 100.0  # orders/s from placed to shipped, PostgreSQL, 2 workers
POLL = timedelta(seconds=0.5)
LOOK = 0.05
"""Seconds between two looks of the world (bank, buyers, warehouse): often enough
that no worker waits on it for long, rarely enough that its own queries stay a
small part of the machine's CPU (they are counted as the world's)."""
STEPS = {
    "OrderPlaced": "reserve",
    "OrderReserved": "invoice (+ register in accounting)",
    "InvoiceIssued": "invoice PDF + mail",
    "OrderPaid": "interval offer mail",
    "DeliveryIntervalChosen": "transport request",
    "OrderShipped": "shipping documents (УПД) + mail",
}
"""What the worker does with a message, by its topic (docs/worker.md)."""
S = OrderStatus
T = TypeVar("T")
Samples = dict[str, list[float]]


# -- a worker process ------------------------------------------------------------------


@attrs.define
class _Timed:
    """A port whose every method call is timed into ``samples`` as ``<prefix>.<method>``."""

    target: Any
    prefix: str
    samples: Samples

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.target, name)
        if not callable(value):
            return value

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                self.samples[f"{self.prefix}.{name}"].append(time.perf_counter() - started)

        return timed


@attrs.frozen
class _WorkerResult:
    worker_id: str
    handled: int
    cpu_seconds: float
    samples: Samples


def _work(
    *,
    database_url: str,
    address: tuple[str, int],
    authkey: bytes,
    worker_id: str,
    ready: multiprocessing.Queue[str],
    go: Event,
    stop: Event,
    results: multiprocessing.Queue[_WorkerResult],
) -> None:
    """One worker process on the served simulators, until ``stop``; sends its timings."""
    samples: Samples = defaultdict(list)
    simulators = connect(address, authkey)
    ports: dict[str, Any] = {
        name: _Timed(port, prefix, samples)
        for (name, port), prefix in zip(
            simulators.adapters().items(),
            ("erp", "ledger", "mailer", "companies", "edms", "documents"),
            strict=True,
        )
    }
    app = bootstrap(
        Config(database_url=database_url),
        clock=SystemClock(),
        renderer=_Timed(PdfDocumentRenderer(), "render", samples),
        **ports,
    )

    def observe(step: str, seconds: float) -> None:
        samples[STEPS.get(step, step)].append(seconds)

    worker = Worker(
        app.services,
        worker_id=worker_id,
        settings=WorkerSettings(poll_interval=POLL, nightly_discounts=False),
        seed=hash(worker_id),
        observe=observe,
    )
    _warm_up(PdfDocumentRenderer())  # its caches are the process's, not the instance's
    stopping = threading.Event()

    def relay_stop() -> None:
        stop.wait()
        stopping.set()

    threading.Thread(target=relay_stop, daemon=True).start()
    profile_dir = os.environ.get("B2B_PIPELINE_PROFILE")
    profiler = cProfile.Profile() if profile_dir else None
    ready.put(worker_id)
    go.wait()
    cpu = time.process_time()
    if profiler is not None:
        profiler.enable()
    report = worker.run_forever(stopping)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(Path(profile_dir or ".") / f"{worker_id}.prof")
    results.put(_WorkerResult(worker_id, report.total, time.process_time() - cpu, dict(samples)))


def _warm_up(renderer: PdfDocumentRenderer) -> None:
    """Render an invoice and a УПД and read the message catalog before the clock
    starts, as a long-running worker has long since done: the fonts' one subset per
    process, the imports on first use, the text caches and the catalog parsed from its
    ``.po`` file (a quarter of a second) are a start-up cost (a third of a worker's CPU
    in a 300-order run when counted), not throughput."""
    catalog(DEFAULT_LOCALE)
    order = samples.order_with([samples.product(1), samples.product(2)])
    renderer.invoice(samples.invoice_of(order))
    renderer.upd(build_upd(order, samples.company(), samples.SELLER, date(2026, 3, 5)))


# -- the world, in this process ----------------------------------------------------------


class _World:
    """The bank, the buyers, the warehouse and the carrier (see the module's docstring)."""

    def __init__(self, app: B2B, world: InMemoryWorld, buyers: dict[str, Actor]) -> None:
        self._app, self._world, self._buyers = app, world, buyers
        self._shipped: list[str] = []

    def act(self) -> None:
        """One look: the bank pays what the ledger shows open, buyers of paid orders pick
        an interval, the carrier delivers what shipped at the last look and the
        warehouse ships every requested transport."""
        for invoice in self._world.ledger.open_invoices():
            self._world.ledger.pay(invoice.number, invoice.outstanding)
        for order_id in self._ids_in(S.PAID):
            buyer = self._buyers[order_id]
            latest = self._app.ordering.delivery_intervals(buyer, order_id)[-1]
            with contextlib.suppress(Conflict):  # the worker changed the order: next look
                self._app.ordering.choose_delivery_interval(buyer, order_id, latest.id)
        for transport in self._shipped:
            self._world.erp.deliver(transport)
        self._shipped = self._world.erp.advance_all()

    def done(self, orders: int) -> bool:
        """Every order shipped and the outbox empty; the cheap count first, so the ids
        are read only while the outbox is empty (rarely, before the end)."""
        if self._app.services.queue.backlog(self._world.clock.now()) != 0:
            return False
        return len(self._ids_in(S.SHIPPED, S.DELIVERED)) == orders

    def _ids_in(self, *statuses: OrderStatus) -> set[str]:
        with self._app.services.uow() as uow:
            return set(uow.orders.ids_in_status(statuses))


@attrs.frozen
class PipelineRun:
    orders_per_second: float
    seconds: float
    worker_cpu_ms_per_order: float
    world_cpu_ms_per_order: float
    """This process: the simulators serving the workers, the bank, buyers and warehouse."""
    database_cpu_ms_per_order: float | None
    """The PostgreSQL server's processes; None on SQLite (inside the worker)."""
    samples: Samples

    @property
    def cpu_ms_per_order(self) -> float:
        return (
            self.worker_cpu_ms_per_order
            + self.world_cpu_ms_per_order
            + (self.database_cpu_ms_per_order or 0.0)
        )


def children_cpu_seconds(parent_pid: int) -> float:
    """CPU time (user + system) of the live child processes of ``parent_pid``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == parent_pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def postmaster_pid(database_url: str, directory: Path | None) -> int | None:
    if directory is None or not database_url.startswith("postgresql"):
        return None
    return int((directory / "data" / "postmaster.pid").read_text().split()[0])


def pipeline_run(
    database_url: str,
    buyers: Sequence[Buyer],
    orders: int,
    workers: int,
    *,
    server_pid: int | None = None,
) -> PipelineRun:
    """Place ``orders``, then time ``workers`` worker processes taking them to shipped;
    ``server_pid`` is PostgreSQL's postmaster, whose children's CPU time is counted."""
    world = in_memory_world()
    for product in CATALOGUE:
        world.erp.set_stock(product.sku, 10_000_000)
    app = bootstrap(Config(database_url=database_url), world=world, documents=world.documents)
    app.processing.run_until_idle()  # the seeding's messages (registrations), not timed
    placed: dict[str, Actor] = {}
    for index in range(orders):
        buyer = buyers[index % len(buyers)]
        actor = Actor.buyer(buyer.contact_id, buyer.client_id)
        order = app.ordering.place(
            actor, company_id=buyer.company_id, address_id=buyer.address_id, items=CART
        )
        placed[order.id] = actor
    the_world = _World(app, world, placed)
    context = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue[str] = context.Queue()
    go, stop = context.Event(), context.Event()
    results: multiprocessing.Queue[_WorkerResult] = context.Queue()
    with SimulatorServer(world) as server:
        processes = [
            context.Process(
                target=_work,
                kwargs={
                    "database_url": database_url,
                    "address": server.address,
                    "authkey": server.authkey,
                    "worker_id": f"w{i}",
                    "ready": ready,
                    "go": go,
                    "stop": stop,
                    "results": results,
                },
            )
            for i in range(workers)
        ]
        for process in processes:
            process.start()
        try:
            for _ in processes:
                _wait_for(ready, processes)
            database_cpu = children_cpu_seconds(server_pid) if server_pid else 0.0
            go.set()
            started, world_cpu = time.perf_counter(), time.process_time()
            while not the_world.done(orders):
                the_world.act()
                _check_alive(processes)
                time.sleep(LOOK)
            seconds = time.perf_counter() - started
            world_cpu = time.process_time() - world_cpu
            if server_pid:
                database_cpu = children_cpu_seconds(server_pid) - database_cpu
        finally:
            stop.set()
        found = [_wait_for(results, processes) for _ in processes]
        for process in processes:
            process.join(timeout=60)
    samples: Samples = defaultdict(list)
    for result in found:
        for step, values in result.samples.items():
            samples[step].extend(values)
    cpu = sum(r.cpu_seconds for r in found)
    return PipelineRun(
        orders_per_second=orders / seconds,
        seconds=seconds,
        worker_cpu_ms_per_order=cpu / orders * 1000,
        world_cpu_ms_per_order=world_cpu / orders * 1000,
        database_cpu_ms_per_order=database_cpu / orders * 1000 if server_pid else None,
        samples=dict(samples),
    )


def _check_alive(processes: Sequence[multiprocessing.process.BaseProcess]) -> None:
    failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
    if failed:
        raise RuntimeError(f"a worker process failed with exit code {failed[0]}")


def _wait_for(
    results: multiprocessing.Queue[T], processes: Sequence[multiprocessing.process.BaseProcess]
) -> T:
    """The next item of ``results``, unless a worker process died first."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return results.get(timeout=1)
        except queue.Empty:
            _check_alive(processes)
            if time.monotonic() > deadline:
                raise RuntimeError("a worker process did not report") from None


# -- the benchmark ------------------------------------------------------------------------


def _database(options: Options, backend: str, folder: Path, run: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / f'pipeline-{run}.db'}"
    assert options.postgres is not None
    return create_database(options.postgres, "bench_pipeline")


def _percentile(values: Sequence[float], share: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def run(options: Options) -> None:
    orders = options.size(1000, quick=20)
    runs = 1 if options.quick else options.runs
    configurations = [
        (backend, workers)
        for backend, workers in CONFIGURATIONS
        if backend == "sqlite" or options.postgres is not None
    ]
    found: dict[tuple[str, int], list[PipelineRun]] = {}
    with tempfile.TemporaryDirectory(prefix="b2b-bench-pipeline-") as folder:
        for backend, workers in configurations:
            found[backend, workers] = []
            for index in range(runs):
                note(f"pipeline: {backend}, {workers} worker(s), run {index + 1} of {runs}")
                url = _database(options, backend, Path(folder), index)
                buyers = seed(url, BUYERS)
                server = options.postgres.directory if options.postgres else None
                found[backend, workers].append(
                    pipeline_run(
                        url, buyers, orders, workers, server_pid=postmaster_pid(url, server)
                    )
                )
    rows: list[list[object]] = [
        [
            backend,
            workers,
            median([r.orders_per_second for r in done]),
            " / ".join(f"{r.orders_per_second:.1f}" for r in done),
            median([r.worker_cpu_ms_per_order for r in done]),
            median([r.world_cpu_ms_per_order for r in done]),
            "-"
            if backend == "sqlite"
            else median([r.database_cpu_ms_per_order or 0 for r in done]),
            median([r.cpu_ms_per_order for r in done]),
            2000 / median([r.cpu_ms_per_order for r in done]),
        ]
        for (backend, workers), done in found.items()
    ]
    print_table(
        f"Pipeline, placed to shipped, {orders} orders: orders/s (median of {runs}) and CPU"
        " ms per order",
        [
            "database",
            "workers",
            "orders/s",
            "runs",
            "workers",
            "world",
            "postgres",
            "all",
            "2 cores / all",
        ],
        rows,
    )
    for (backend, workers), done in found.items():
        pooled: Samples = defaultdict(list)
        for result in done:
            for step, values in result.samples.items():
                pooled[step].extend(values)
        print_table(
            f"Pipeline steps, {backend}, {workers} worker(s): ms per message, per poll pass"
            " or per call (all runs)",
            ["step", "count", "p50 ms", "p95 ms"],
            [
                [step, len(values), _percentile(v, 0.5) * 1000, _percentile(v, 0.95) * 1000]
                for step, values in sorted(pooled.items(), key=_step_order)
                if (v := sorted(values))
            ],
        )
    if ("postgresql", 2) not in found:
        print("\n  bar: skipped, PostgreSQL is not installed")
        return
    rate = median([r.orders_per_second for r in found["postgresql", 2]])
    verdict = "met" if rate >= BAR else "NOT met"
    print(f"  bar: >= {BAR:.0f} orders/s on PostgreSQL with 2 workers: {rate:.0f}, {verdict}")


def _database_cpu(done: Sequence[PipelineRun]) -> float | str:
    measured = [r.database_cpu_ms_per_order for r in done]
    return "-" if None in measured else median([m or 0.0 for m in measured])


def _step_order(item: tuple[str, list[float]]) -> tuple[int, str]:
    """Steps in pipeline order, then the jobs, then the calls they make."""
    step = item[0]
    order: list[str] = list(STEPS.values())
    if step in order:
        return order.index(step), step
    return (len(order) if "." not in step else len(order) + 1), step
