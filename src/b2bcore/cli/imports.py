"""`b2b import products|clients FILE`: validated, batched, idempotent, with a progress bar."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

import click

from b2bcore.application.imports import (
    CLIENT_COLUMNS,
    PRODUCT_COLUMNS,
    Importer,
    ImportReport,
    RowError,
)
from b2bcore.cli.context import CliContext
from b2bcore.cli.csvfile import count_rows, read_rows
from b2bcore.domain.actors import Actor
from b2bcore.i18n import translate

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class RejectsFile:
    """Bad rows go to stderr and to a CSV beside the input: line, field, reason, then the row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self._writer: Any = None
        self.count = 0

    def __call__(self, error: RowError) -> None:
        if self._handle is None:
            self._handle = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._handle, delimiter=";")
            self._writer.writerow(["line", "field", "reason", *error.row.keys()])
        assert self._writer is not None
        self._writer.writerow([error.line, error.field, error.reason, *error.row.values()])
        self.count += 1
        click.echo(f"{error.line}: {error.field}: {translate(error.reason)}", err=True)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _summary(report: ImportReport, rejects: RejectsFile) -> None:
    click.echo(
        translate(
            "Read {read}, created {created}, updated {updated}, "
            "unchanged {unchanged}, rejected {rejected}",
            read=report.read,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
        )
    )
    if rejects.count:
        click.echo(translate("Rejected rows are in {path}", path=rejects.path))


@click.group(name="import")
def import_group() -> None:
    """Import products or clients from a CSV file (UTF-8, ';' or ',')."""


@import_group.command()
@click.argument("file", type=_FILE)
@click.option(
    "--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Where bad rows go."
)
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_obj
def products(ctx: CliContext, file: Path, rejects: Path | None, batch_size: int) -> None:
    """Columns: sku, name, list_price, vat_rate (22, 10, 0, без НДС); optional unit, active."""
    importer = Importer(ctx.app.services)
    rows = read_rows(file, PRODUCT_COLUMNS)
    bad = RejectsFile(rejects or file.with_suffix(".rejects.csv"))
    try:
        with click.progressbar(length=count_rows(file), label=translate("Products")) as bar:
            report = importer.products(rows, reject=bad, batch_size=batch_size, progress=bar.update)
    finally:
        bad.close()
    _summary(report, bad)


@import_group.command()
@click.argument("file", type=_FILE)
@click.option(
    "--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Where bad rows go."
)
@click.option("--notify/--no-notify", default=False, help="Email each new supervisor their login.")
@click.option("--as-manager", "manager_id", default="import", show_default=True)
@click.pass_obj
def clients(
    ctx: CliContext, file: Path, rejects: Path | None, notify: bool, manager_id: str
) -> None:
    """Columns: inn, contact, email, manager (id or email); optional kpp, phone."""
    importer = Importer(ctx.app.services)
    rows = read_rows(file, CLIENT_COLUMNS)
    bad = RejectsFile(rejects or file.with_suffix(".rejects.csv"))
    try:
        with click.progressbar(length=count_rows(file), label=translate("Clients")) as bar:
            report = importer.clients(
                Actor.manager(manager_id), rows, reject=bad, notify=notify, progress=bar.update
            )
    finally:
        bad.close()
    _summary(report, bad)
