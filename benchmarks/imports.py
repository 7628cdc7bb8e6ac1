"""Catalogue import: ``b2b import products FILE`` of a generated 100 000-row CSV, run as
the CLI in a fresh process (its own peak memory), into a freshly migrated SQLite
file and PostgreSQL database. Rows/s count the whole command, start-up included."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from b2bcore.adapters.persistence.sql import create_engine_from_url, migrate
from b2bcore.adapters.persistence.sql.tables import products
from benchmarks.harness import (
    Options,
    check,
    create_database,
    median,
    note,
    print_table,
    run_python,
)

NAME = "imports"
ROWS = 100_000
_VAT = ("22", "10", "0", "без НДС")


def write_catalogue(path: Path, rows: int) -> None:
    """A semicolon CSV as a shop exports it: sku, name, list_price, vat_rate, unit."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["sku", "name", "list_price", "vat_rate", "unit"])
        for number in range(rows):
            writer.writerow(
                [
                    f"SKU-{number:07d}",
                    f"Товар номер {number}, упаковка",
                    f"{100 + number % 99_900},{number % 100:02d}",
                    _VAT[number % len(_VAT)],
                    "шт",
                ]
            )


def import_once(url: str, catalogue: Path, rows: int) -> tuple[float, float]:
    """One ``b2b import products`` into a fresh database: (seconds, peak RSS in MB)."""
    migrate.upgrade(url)
    env = {**os.environ, "B2B_DATABASE_URL": url}
    run = check(
        run_python("b2bcore.cli.main", "import", "products", str(catalogue), env=env),
        "b2b import products",
    )
    engine = create_engine_from_url(url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(products)).scalar_one()
    finally:
        engine.dispose()
    if stored != rows:
        raise RuntimeError(f"{stored} products stored of {rows}:\n{run.stdout}\n{run.stderr}")
    return run.seconds, run.peak_rss_mb


def run(options: Options) -> None:
    rows = options.size(ROWS, quick=500)
    runs = 1 if options.quick else options.runs
    results: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="b2b-bench-imports-") as folder:
        catalogue = Path(folder) / "catalogue.csv"
        write_catalogue(catalogue, rows)
        targets: list[tuple[str, Callable[[int], str]]] = [
            ("sqlite", lambda n: f"sqlite:///{Path(folder) / f'import-{n}.db'}")
        ]
        if options.postgres is not None:
            server = options.postgres
            targets.append(("postgresql", lambda n: create_database(server, f"bench_import_{n}")))
        for backend, fresh in targets:
            note(f"imports: {rows:,} rows into {backend}, {runs} run(s)")
            found = [import_once(fresh(n), catalogue, rows) for n in range(runs)]
            seconds = median([f[0] for f in found])
            results.append(
                [backend, f"{rows:,}", seconds, rows / seconds, f"{max(f[1] for f in found):.0f}"]
            )
    print_table(
        f"b2b import products (CLI in a subprocess), median of {runs}",
        ["database", "rows", "seconds", "rows/s", "peak MB"],
        results,
    )
