"""What every benchmark shares: options, medians, child processes with their own peak
memory, a throwaway PostgreSQL server, and the tables the results are printed in.

Peak memory is measured per child process: each memory-measured workload runs
in a fresh interpreter, which records its own high-water resident set (``VmHWM``
of ``/proc/self/status``, :mod:`benchmarks.peak`), so nothing the parent or an
earlier run allocated counts.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import attrs
from sqlalchemy import create_engine, text
from tests.postgres import PostgresServer, find_binaries

from benchmarks.peak import PEAK_FILE

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent


@attrs.frozen
class Options:
    """How big and how long: ``scale`` multiplies data sizes; ``quick`` makes every
    benchmark tiny and short, for the smoke test."""

    scale: float = 1.0
    quick: bool = False
    runs: int = 3
    postgres: PostgresServer | None = None

    def size(self, full: int, *, quick: int) -> int:
        """``full`` at scale 1.0; ``quick`` in a quick run; never below 1."""
        return quick if self.quick else max(1, round(full * self.scale))

    def seconds(self, full: float, *, quick: float) -> float:
        return quick if self.quick else full


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """The action's result and how long it took, in seconds."""
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


@attrs.frozen
class ChildRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float


def run_python(module: str, *args: str, env: dict[str, str] | None = None) -> ChildRun:
    """Run ``python -m module args`` in a fresh interpreter to its end: its output, wall
    time and own peak resident memory (see :mod:`benchmarks.peak`)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(prefix="peak-") as peak,
    ):
        environment = {**(os.environ if env is None else env), PEAK_FILE: peak.name}
        command = [sys.executable, "-m", "benchmarks.peak", module, *args]
        started = time.perf_counter()
        returncode = subprocess.run(
            command, stdout=out, stderr=err, env=environment, cwd=ROOT, check=False
        ).returncode
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        recorded = Path(peak.name).read_text().strip()
        return ChildRun(
            returncode=returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            seconds=seconds,
            peak_rss_mb=int(recorded or 0) / 1024,
        )


def check(run: ChildRun, what: str) -> ChildRun:
    if run.returncode != 0:
        raise RuntimeError(f"{what} failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    return run


# -- PostgreSQL -------------------------------------------------------------------


@contextmanager
def postgres_server() -> Iterator[PostgresServer | None]:
    """The throwaway server of the test suite (``tests.postgres``), or ``None`` without
    the binaries. As there, it runs as the ``postgres`` user when we are root."""
    bindir = find_binaries()
    if bindir is None:
        yield None
        return
    server = PostgresServer.start(bindir)
    try:
        yield server
    finally:
        server.stop()


def create_database(server: PostgresServer, name: str) -> str:
    """A new, empty database on ``server`` (dropped first if it exists); its URL."""
    admin = create_engine(server.database_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()
    return server.database_url(name)


def postgres_version(server: PostgresServer) -> str:
    result = subprocess.run(
        [str(server.bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


# -- the machine and the tables ----------------------------------------------------


def machine(server: PostgresServer | None) -> list[tuple[str, str]]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return [
        ("cpus (nproc)", str(os.cpu_count())),
        ("cpu", model.group(1) if model else "?"),
        ("memory", f"{int(memory.group(1)) / 1024 / 1024:.1f} GiB" if memory else "?"),
        ("python", platform.python_version()),
        ("postgresql", postgres_version(server) if server else "not installed"),
        ("load average (1, 5, 15 min)", load_average()),
    ]


def load_average() -> str:
    """Other work on the machine skews every figure: printed before and after the run."""
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *[[_cell(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n{title}", flush=True)
    for index, row in enumerate(cells):
        print("  " + "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  " + "  ".join("-" * width for width in widths))
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def note(message: str) -> None:
    """Progress on stderr, so the tables on stdout stay clean."""
    print(f"  .. {message}", file=sys.stderr, flush=True)
