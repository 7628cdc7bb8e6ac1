"""Documents and reports: invoices rendered per second on one core (3 and 200 lines),
and ``b2b report orders --format xlsx`` over 1 000 000 order lines (seconds and the
command's own peak memory; the bar is under 200 MB).

Invoices are rendered in this process, one after another, from one built document
(building it from the order is a few microseconds and not what is measured). The
report's data is generated with bulk SQL into a fresh SQLite file and is not
timed: 100 000 orders of 10 lines, each a copy of one real order's rows, all of
one client; the report then runs as the CLI in a fresh process.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from tests.builders import make_client, make_manager
from tests.documents.samples import invoice_of, order_with, product

from b2bcore.adapters.pdf import PdfDocumentRenderer
from b2bcore.adapters.persistence.sql import (
    SqlUnitOfWorkFactory,
    codec,
    create_engine_from_url,
    migrate,
)
from b2bcore.adapters.persistence.sql.tables import order_lines, orders
from b2bcore.documents.model import InvoiceDocument
from benchmarks.harness import Options, check, median, note, print_table, run_python

NAME = "documents"
LINES_PER_ORDER = 10
REPORT_LINES = 1_000_000
_BATCH = 20_000


def invoices_per_second(doc: InvoiceDocument, seconds: float) -> float:
    """Invoices per second of this process's CPU time: one core's rate, whatever else
    the machine is running (wall time on a busy machine would measure the others)."""
    renderer = PdfDocumentRenderer()
    renderer.invoice(doc)  # fonts registered, caches warm
    count, started = 0, time.process_time()
    while (elapsed := time.process_time() - started) < seconds:
        renderer.invoice(doc)
        count += 1
    return count / elapsed


def fill(url: str, lines: int) -> None:
    """A migrated database with one client and ``lines`` order lines in 10-line orders."""
    migrate.upgrade(url)
    engine = create_engine_from_url(url)
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(make_client())
        uow.commit()
    template = order_with([product(n) for n in range(1, LINES_PER_ORDER + 1)])
    order_row, line_rows = codec.order_row(template), codec.line_rows(template)
    number_of_orders = max(1, lines // LINES_PER_ORDER)
    with engine.begin() as connection:
        for start in range(0, number_of_orders, _BATCH // LINES_PER_ORDER):
            batch = range(start, min(number_of_orders, start + _BATCH // LINES_PER_ORDER))
            connection.execute(
                insert(orders),
                [
                    {
                        **order_row,
                        "id": f"o{n}",
                        "number": f"B2B-2026-{n:07d}",
                        "invoice_number": None,
                    }
                    for n in batch
                ],
            )
            connection.execute(
                insert(order_lines),
                [{**line, "order_id": f"o{n}"} for n in batch for line in line_rows],
            )
    engine.dispose()


def report_run(url: str, output: Path) -> tuple[float, float]:
    env = {**os.environ, "B2B_DATABASE_URL": url}
    run = check(
        run_python(
            "b2bcore.cli.main",
            "report",
            "orders",
            "--client",
            "client-1",
            "--format",
            "xlsx",
            "-o",
            str(output),
            env=env,
        ),
        "b2b report orders",
    )
    return run.seconds, run.peak_rss_mb


def run(options: Options) -> None:
    seconds = options.seconds(3.0, quick=0.2)
    rows = []
    for lines in (3, 200):
        doc = invoice_of(order_with([product(n) for n in range(1, lines + 1)]))
        note(f"documents: invoices of {lines} lines for {seconds:g} s")
        rates = [
            invoices_per_second(doc, seconds) for _ in range(1 if options.quick else options.runs)
        ]
        rows.append(
            [
                f"invoice, {lines} lines (+ delivery)",
                median(rates),
                "≥ 100/s" if lines == 3 else "—",
            ]
        )
    print_table(
        "Invoice PDFs rendered per CPU-second (one core)", ["document", "per second", "bar"], rows
    )

    lines = options.size(REPORT_LINES, quick=2_000)
    with tempfile.TemporaryDirectory(prefix="b2b-bench-documents-") as folder:
        url = f"sqlite:///{Path(folder) / 'report.db'}"
        note(f"documents: {lines:,} order lines into SQLite (not timed)")
        fill(url, lines)
        output = Path(folder) / "orders.xlsx"
        note("documents: b2b report orders --format xlsx")
        took, peak = report_run(url, output)
        size_mb = output.stat().st_size / 1024 / 1024
    print_table(
        "b2b report orders --format xlsx (CLI in a subprocess, SQLite)",
        ["order lines", "seconds", "lines/s", "peak RSS, MB", "file, MB", "bar"],
        [[lines, took, lines / took, peak, size_mb, "peak < 200 MB"]],
    )
