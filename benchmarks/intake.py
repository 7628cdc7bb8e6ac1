"""Order intake: ``ordering.place`` end to end -- pricing, the auto-processing policy,
the order number, persistence and the outbox -- from 1, 2 and 4 processes at once,
on a SQLite file (WAL) and on PostgreSQL; next to it, pgbench's built-in TPC-B
on the same PostgreSQL server with as many clients, as the yardstick.

Every process builds the application with ``bootstrap(Config(database_url=...))``
and places orders for buyers of its own, in a loop, for a fixed time after all
processes are ready (a barrier), so no setup is counted.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import subprocess
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.synchronize import Barrier
from pathlib import Path

from tests.postgres import PostgresServer

from b2bcore import Actor, Config, bootstrap
from benchmarks.harness import Options, create_database, median, note, print_table
from benchmarks.shop import CART, Buyer, seed

NAME = "intake"
PROCESSES = (1, 2, 4)
BUYERS_PER_PROCESS = 3
BAR = 0.25  # intake orders/s at 4 processes over pgbench TPC-B tps at 4 clients


def _place_orders(
    database_url: str,
    buyers: Sequence[Buyer],
    seconds: float,
    ready: Barrier,
    results: multiprocessing.Queue[int],
) -> None:
    """One worker process: warm up, wait for the others, place orders until time is up."""
    app = bootstrap(Config(database_url=database_url))
    actors = [(Actor.buyer(b.contact_id, b.client_id), b) for b in buyers]

    def place(index: int) -> None:
        actor, buyer = actors[index % len(actors)]
        app.ordering.place(
            actor, company_id=buyer.company_id, address_id=buyer.address_id, items=CART
        )

    place(0)
    ready.wait()
    deadline = time.perf_counter() + seconds
    placed = 0
    while time.perf_counter() < deadline:
        place(placed)
        placed += 1
    results.put(placed)


def intake_rate(
    database_url: str, buyers: Sequence[Buyer], processes: int, seconds: float
) -> float:
    """Orders per second placed by ``processes`` processes together."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes)
    results: multiprocessing.Queue[int] = context.Queue()
    share = len(buyers) // processes
    workers = [
        context.Process(
            target=_place_orders,
            args=(database_url, buyers[i * share : (i + 1) * share], seconds, ready, results),
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    counts: list[int] = []
    while len(counts) < processes:
        try:
            counts.append(results.get(timeout=1))
        except queue.Empty:
            failed = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            if failed:
                for worker in workers:
                    worker.kill()
                raise RuntimeError(f"an intake process failed with exit code {failed[0]}") from None
    for worker in workers:
        worker.join()
    return sum(counts) / seconds


_TPS = re.compile(r"^tps = ([\d.]+) \(without initial connection time\)", re.MULTILINE)


def pgbench_tps(server: PostgresServer, database: str, clients: int, seconds: float) -> float:
    """pgbench's built-in TPC-B with ``clients`` clients and as many threads."""
    output = _pgbench(
        server, "-c", str(clients), "-j", str(clients), "-T", str(max(1, round(seconds))), database
    )
    found = _TPS.search(output)
    if found is None:
        raise RuntimeError(f"no tps line in pgbench's output:\n{output}")
    return float(found.group(1))


def _pgbench(server: PostgresServer, *args: str) -> str:
    command = [
        str(server.bindir / "pgbench"),
        "-h",
        "127.0.0.1",
        "-p",
        str(server.port),
        "-U",
        "postgres",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def run(options: Options) -> None:
    seconds = options.seconds(5.0, quick=0.5)
    runs = 1 if options.quick else options.runs
    buyers_needed = BUYERS_PER_PROCESS * max(PROCESSES)
    with tempfile.TemporaryDirectory(prefix="b2b-bench-intake-") as folder:
        backends = [("sqlite", f"sqlite:///{Path(folder) / 'intake.db'}")]
        if options.postgres is not None:
            backends.append(("postgresql", create_database(options.postgres, "bench_intake")))
        rates: dict[tuple[str, int], list[float]] = {}
        for backend, url in backends:
            note(f"intake: seeding {backend}")
            buyers = seed(url, buyers_needed)
            for processes in PROCESSES:
                note(f"intake: {backend}, {processes} process(es), {runs} x {seconds:g} s")
                rates[backend, processes] = [
                    intake_rate(url, buyers, processes, seconds) for _ in range(runs)
                ]
    rows: list[list[object]] = [
        [backend, processes, median(found), " / ".join(f"{r:.0f}" for r in found)]
        for (backend, processes), found in rates.items()
    ]
    print_table(
        f"Order intake (ordering.place), orders/s, median of {runs} x {seconds:g} s",
        ["database", "processes", "orders/s", "runs"],
        rows,
    )
    if options.postgres is None:
        print("\n  pgbench: skipped, PostgreSQL is not installed")
        return
    server = options.postgres
    scale = 1 if options.quick else 10
    create_database(server, "bench_pgbench")
    note(f"pgbench: -i -s {scale}")
    _pgbench(server, "-i", "-q", "-s", str(scale), "bench_pgbench")
    comparison: list[list[object]] = []
    for clients in PROCESSES:
        note(f"pgbench: {clients} client(s), {runs} x {seconds:g} s")
        tps = median([pgbench_tps(server, "bench_pgbench", clients, seconds) for _ in range(runs)])
        intake = median(rates["postgresql", clients])
        comparison.append([clients, intake, tps, f"{intake / tps:.3f}"])
    print_table(
        f"PostgreSQL: intake vs pgbench TPC-B (-s {scale}), same server and client count,"
        f" median of {runs}",
        ["clients", "intake orders/s", "pgbench tps", "intake / pgbench"],
        comparison,
    )
    ratio = comparison[-1][1] / comparison[-1][2]  # type: ignore[operator]
    verdict = "met" if ratio >= BAR else "NOT met"
    print(f"  bar: intake / pgbench >= {BAR} at 4 clients: {ratio:.3f}, {verdict}")
