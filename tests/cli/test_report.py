"""`b2b report orders`: a file with the client's order lines, or one line of error."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner, Result
from openpyxl import load_workbook

from b2bcore.application import B2B
from b2bcore.cli import main
from b2bcore.cli.context import CliContext
from tests.builders import Cast, place_order


def run(app: B2B, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), obj=CliContext.with_app(app))


def test_xlsx_report_of_a_client(app: B2B, cast: Cast, tmp_path: Path) -> None:
    """The file has the header, one row per line and the totals; the command says so."""
    place_order(app, cast, PAPER=10, PEN=3)
    out = tmp_path / "orders.xlsx"
    result = run(
        app, "report", "orders", "--client", cast.client_id, "--format", "xlsx", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "Записано строк: 2" in result.output
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet.max_row == 4


def test_csv_report_with_filters(app: B2B, cast: Cast, tmp_path: Path) -> None:
    """Company, period and status options narrow the rows; the format follows the name."""
    place_order(app, cast, PAPER=1)
    place_order(app, cast, company_id=cast.branch_id, PEN=1)
    out = tmp_path / "branch.csv"
    result = run(
        app,
        "report",
        "orders",
        "--client",
        cast.client_id,
        "--company",
        cast.branch_id,
        "--from",
        "26.11.2026",
        "--to",
        "2026-11-26",
        "--status",
        "placed",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8-sig"), delimiter=";"))
    assert [row[5] for row in rows[1:-1]] == ["PEN"]


def test_an_unknown_client_is_one_line_of_error(app: B2B, tmp_path: Path) -> None:
    """Exit code 1, a message, no traceback and no file left behind."""
    out = tmp_path / "x.xlsx"
    result = run(app, "report", "orders", "--client", "nobody", "-o", str(out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_period_ending_before_it_starts_is_refused(app: B2B, cast: Cast, tmp_path: Path) -> None:
    """--from after --to is a user error."""
    result = run(
        app,
        "report",
        "orders",
        "--client",
        cast.client_id,
        "--from",
        "2026-12-01",
        "--to",
        "2026-11-01",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert result.exit_code == 1
    assert "Период" in result.output
