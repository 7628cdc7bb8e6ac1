"""Order reports: CSV and XLSX read back, and who may report on what."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import attrs
import pytest
from openpyxl import load_workbook

from b2bcore.application import B2B
from b2bcore.application.reports import OrderReport
from b2bcore.bootstrap import InMemoryWorld, bootstrap
from b2bcore.config import Config
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import InvalidValue, NotFound
from b2bcore.domain.order import Order, OrderStatus
from tests.builders import Cast, cart, place_order, read_order, register_cast, seed_shop

COLUMNS = 13


@pytest.fixture
def orders(app: B2B, cast: Cast) -> list[Order]:
    """Three orders of client A: two of the head office (3 lines), one of the branch; and
    one of client B, which no report of A may show."""
    placed = [
        place_order(app, cast, PAPER=10, PEN=3),
        place_order(app, cast, BOOK=2),
        place_order(app, cast, company_id=cast.branch_id, SETUP=1),
    ]
    app.ordering.place(
        cast.other_buyer,
        company_id=cast.other_company_id,
        items=cart(PAPER=1),
        address_id=cast.other_address_id,
    )
    app.processing.run_until_idle()
    return [read_order(app, order.id) for order in placed]


def report(
    app: B2B, actor: Actor, fmt: str, request: OrderReport | None = None
) -> tuple[bytes, int]:
    out = io.BytesIO()
    result = app.reports.orders(actor, request or OrderReport(client_id=None), fmt=fmt, out=out)
    return out.getvalue(), result.rows


def csv_rows(data: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


# -- CSV -------------------------------------------------------------------------------


def test_csv_is_what_russian_excel_opens(app: B2B, cast: Cast, orders: list[Order]) -> None:
    """UTF-8 with a BOM, ';' between fields, a decimal comma, DD.MM.YYYY dates."""
    data, _ = report(app, cast.supervisor, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    header, first, *_ = csv_rows(data)
    assert header[:3] == ["Заказ", "Дата", "Статус"]
    assert first[0] == orders[0].number
    assert datetime.strptime(first[1], "%d.%m.%Y %H:%M")
    assert first[9] == "500,00"


def test_csv_has_a_row_per_line_and_totals(app: B2B, cast: Cast, orders: list[Order]) -> None:
    """One row per order line of the client's orders, then the totals row."""
    data, count = report(app, cast.supervisor, "csv")
    rows = csv_rows(data)
    lines = [line for order in orders for line in order.lines]
    assert count == len(lines) == len(rows) - 2
    assert [row[5] for row in rows[1:-1]] == [line.sku for line in lines]
    totals = rows[-1]
    assert totals[0] == "Итого"
    assert Decimal(totals[10].replace(",", ".")) == sum(line.gross for line in lines)
    assert Decimal(totals[12].replace(",", ".")) == sum(line.vat for line in lines)
    assert int(totals[8]) == sum(line.quantity for line in lines)


def test_csv_delimiter_and_bom_are_configurable(world: InMemoryWorld) -> None:
    """A shop may write ',' with a decimal point and no BOM."""
    settings = attrs.evolve(Config().settings, report_csv_delimiter=",", report_csv_bom=False)
    app = bootstrap(Config(settings=settings), world=world)
    seed_shop(app, world)
    cast = register_cast(app)
    place_order(app, cast, PEN=3)
    data, _ = report(app, cast.supervisor, "csv")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert csv_rows(data, ",")[1][9] == "33.33"


# -- XLSX ------------------------------------------------------------------------------


def test_xlsx_numbers_are_numbers_and_dates_dates(
    app: B2B, cast: Cast, orders: list[Order]
) -> None:
    """Amounts and quantities come back as numbers, the order date as a datetime."""
    data, _ = report(app, cast.supervisor, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "Заказ"
    first = list(sheet[2])
    assert isinstance(first[1].value, datetime)
    assert first[1].number_format == "DD.MM.YYYY HH:MM"
    assert isinstance(first[8].value, int)
    assert isinstance(first[10].value, int | float)
    assert first[10].number_format == "#,##0.00"
    assert Decimal(str(first[10].value)) == orders[0].lines[0].gross


def test_xlsx_row_count_totals_and_widths(app: B2B, cast: Cast, orders: list[Order]) -> None:
    """Header, one row per line, a totals row with the sums; columns sized for their text."""
    data, count = report(app, cast.supervisor, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    lines = [line for order in orders for line in order.lines]
    assert count == len(lines)
    assert sheet.max_row == len(lines) + 2
    assert sheet.max_column == COLUMNS
    totals = [cell.value for cell in sheet[sheet.max_row]]
    assert totals[0] == "Итого"
    assert Decimal(str(totals[10])).quantize(Decimal("0.01")) == sum(line.gross for line in lines)
    assert totals[8] == sum(line.quantity for line in lines)
    assert sheet.column_dimensions["G"].width == 40
    assert sheet.freeze_panes == "A2"


def test_an_empty_report_has_header_and_zero_totals(app: B2B, cast: Cast) -> None:
    """No matching orders: the header and a totals row of zeros."""
    data, count = report(app, cast.supervisor, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert count == 0
    assert sheet.max_row == 2


# -- criteria ----------------------------------------------------------------------------


def test_period_and_status_narrow_the_report(app: B2B, cast: Cast, orders: list[Order]) -> None:
    """Only orders placed in the period and in one of the statuses."""
    today = orders[0].placed_at.date()
    invoiced = OrderReport(
        client_id=cast.client_id, statuses=[OrderStatus.INVOICED], placed_from=today
    )
    data, _ = report(app, Actor.manager("m"), "csv", invoiced)
    expected = {o.number for o in orders if o.status is OrderStatus.INVOICED}
    assert {row[0] for row in csv_rows(data)[1:-1]} == expected
    tomorrow = OrderReport(client_id=cast.client_id, placed_from=date(2099, 1, 1))
    assert report(app, Actor.manager("m"), "csv", tomorrow)[1] == 0


def test_a_period_ending_before_it_starts_is_refused() -> None:
    """--from after --to is a user error, not an empty report."""
    with pytest.raises(InvalidValue):
        OrderReport(placed_from=date(2026, 3, 2), placed_to=date(2026, 3, 1))


def test_an_unknown_format_is_refused(app: B2B, cast: Cast) -> None:
    """Only the formats the shop wires (csv, xlsx)."""
    with pytest.raises(InvalidValue):
        report(app, cast.supervisor, "pdf")


# -- access --------------------------------------------------------------------------------


def test_a_supervisor_sees_every_company_of_the_client(
    app: B2B, cast: Cast, orders: list[Order]
) -> None:
    """Head office and branch, and nothing of client B."""
    data, _ = report(app, cast.supervisor, "csv")
    assert {row[0] for row in csv_rows(data)[1:-1]} == {o.number for o in orders}


def test_an_employee_sees_only_granted_companies(app: B2B, cast: Cast, orders: list[Order]) -> None:
    """The employee of the head office does not see the branch's order."""
    data, _ = report(app, cast.employee, "csv")
    expected = {o.number for o in orders if o.company_id == cast.head_office_id}
    assert {row[0] for row in csv_rows(data)[1:-1]} == expected


def test_an_employee_naming_an_ungranted_company_gets_not_found(app: B2B, cast: Cast) -> None:
    """Asking for the branch is answered as if it did not exist."""
    with pytest.raises(NotFound):
        report(app, cast.employee, "csv", OrderReport(company_ids=[cast.branch_id]))


def test_a_buyer_cannot_report_on_another_client(app: B2B, cast: Cast) -> None:
    """Client B's buyer naming client A gets "not found"."""
    with pytest.raises(NotFound):
        report(app, cast.other_buyer, "csv", OrderReport(client_id=cast.client_id))


def test_a_manager_reports_on_any_client_and_company(
    app: B2B, cast: Cast, orders: list[Order]
) -> None:
    """A manager names the client and, optionally, its companies."""
    branch = OrderReport(client_id=cast.client_id, company_ids=[cast.branch_id])
    data, _ = report(app, Actor.manager("m"), "csv", branch)
    expected = {o.number for o in orders if o.company_id == cast.branch_id}
    assert {row[0] for row in csv_rows(data)[1:-1]} == expected


def test_progress_is_told_every_row(app: B2B, cast: Cast, orders: list[Order]) -> None:
    """The rows reported as progress add up to the rows written."""
    told: list[int] = []
    result = app.reports.orders(
        cast.supervisor, OrderReport(), fmt="xlsx", out=io.BytesIO(), progress=told.append
    )
    assert sum(told) == result.rows == app.reports.size(cast.supervisor, OrderReport())
