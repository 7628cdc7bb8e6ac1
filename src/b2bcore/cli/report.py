"""`b2b report orders`: a client's order lines as XLSX or CSV, with a progress bar.

The file is written beside its final name and renamed into place at the end, so
an interrupted export never leaves half a report where a finished one is expected.
"""

from __future__ import annotations

import contextlib
import os
from datetime import date, datetime
from pathlib import Path

import click

from b2bcore.application.reports import OrderReport
from b2bcore.cli.context import CliContext
from b2bcore.domain.actors import Actor
from b2bcore.domain.order import OrderStatus
from b2bcore.i18n import translate

_DATE = click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"])
_FORMATS = ("xlsx", "csv")


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


@click.group()
def report() -> None:
    """Reports for accountants: order lines as XLSX or CSV."""


@report.command()
@click.option("--client", "client_id", required=True, help="The client's id.")
@click.option("--company", "company_ids", multiple=True, help="A company's id (repeatable).")
@click.option("--from", "placed_from", type=_DATE, help="First day (YYYY-MM-DD or DD.MM.YYYY).")
@click.option("--to", "placed_to", type=_DATE, help="Last day, inclusive.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice([s.value for s in OrderStatus]),
    help="Only orders in this status (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(_FORMATS), help="Default: from the file name, else xlsx."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as-manager", "manager_id", default="report", show_default=True)
@click.pass_obj
def orders(
    ctx: CliContext,
    *,
    client_id: str,
    company_ids: tuple[str, ...],
    placed_from: datetime | None,
    placed_to: datetime | None,
    statuses: tuple[str, ...],
    fmt: str | None,
    output: Path,
    manager_id: str,
) -> None:
    """One row per order line: order, date, status, company, product, quantity, price,
    amount and VAT, with a totals row."""
    chosen = fmt or (output.suffix.lstrip(".").lower() if output.suffix else "xlsx")
    if chosen not in _FORMATS:
        chosen = "xlsx"
    reports = ctx.app.reports
    request = OrderReport(
        client_id=client_id,
        company_ids=company_ids,
        placed_from=_day(placed_from),
        placed_to=_day(placed_to),
        statuses=[OrderStatus(s) for s in statuses],
    )
    actor = Actor.manager(manager_id)
    size = reports.size(actor, request)
    partial = output.with_name(f".{output.name}.part")
    try:
        with (
            partial.open("wb") as out,
            click.progressbar(length=size, label=translate("Order lines")) as bar,
        ):
            result = reports.orders(actor, request, fmt=chosen, out=out, progress=bar.update)
        os.replace(partial, output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    click.echo(translate("{rows} rows written to {path}", rows=result.rows, path=output))
