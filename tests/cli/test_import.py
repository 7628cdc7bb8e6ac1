"""`b2b import products|clients`: validated rows, clear rejects, idempotent re-runs."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from b2bcore import bootstrap, in_memory_world
from b2bcore.application import B2B
from b2bcore.cli import main
from b2bcore.cli.context import CliContext
from b2bcore.domain import Manager

HEADER = "sku;name;unit;list_price;vat_rate\n"


@pytest.fixture
def app() -> B2B:
    application = bootstrap(world=in_memory_world(now=datetime(2026, 11, 26, 10, tzinfo=UTC)))
    application.catalogue.add_manager(
        Manager(id="m1", full_name="Анна Смирнова", email="anna@shop.example")
    )
    return application


def run(app: B2B, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), obj=CliContext.with_app(app))


def write(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_products_are_imported_from_a_semicolon_file_with_bom(app: B2B, tmp_path: Path) -> None:
    """A Russian-Excel CSV (BOM, ';') creates every product with its price and VAT rate."""
    file = write(
        tmp_path / "p.csv",
        HEADER + "A-1;Ноутбук;шт;89990.00;22\nB-2;Услуга;усл;1 500,50;без НДС\n",
    )
    result = run(app, "import", "products", str(file))
    assert result.exit_code == 0, result.output
    assert "создано 2" in result.output
    stored = {p.sku: p for p in app.catalogue.products()}
    assert stored["A-1"].list_price == Decimal("89990.00")
    assert stored["B-2"].list_price == Decimal("1500.50")
    assert stored["B-2"].vat_rate.value == "none"


def test_importing_the_same_products_again_changes_nothing(app: B2B, tmp_path: Path) -> None:
    """A second run of the same file reports every row unchanged."""
    file = write(tmp_path / "p.csv", HEADER + "A-1;Ноутбук;шт;89990.00;22\n")
    run(app, "import", "products", str(file))
    result = run(app, "import", "products", str(file))
    assert "создано 0, обновлено 0, без изменений 1" in result.output


def test_a_changed_price_updates_the_product(app: B2B, tmp_path: Path) -> None:
    """Re-importing with a new price updates that product only."""
    run(
        app,
        "import",
        "products",
        str(write(tmp_path / "a.csv", HEADER + "A-1;Ноутбук;шт;100;22\n")),
    )
    result = run(
        app, "import", "products", str(write(tmp_path / "b.csv", HEADER + "A-1;Ноутбук;шт;90;22\n"))
    )
    assert "обновлено 1" in result.output
    assert app.catalogue.products()[0].list_price == Decimal("90.00")


def test_bad_rows_are_reported_with_line_field_and_reason(app: B2B, tmp_path: Path) -> None:
    """Each bad row names its line and field; the good rows are stored, the bad ones are not."""
    file = write(
        tmp_path / "p.csv",
        HEADER
        + "A-1;Ноутбук;шт;89990.00;22\n"
        + "B-2;Мышь;шт;дорого;22\n"
        + "C-3;Кабель;шт;-5;22\n"
        + "D-4;Чехол;шт;990;18\n"
        + ";Без артикула;шт;10;22\n"
        + "E-5;Зарядка;шт;1990;10\n",
    )
    result = run(app, "import", "products", str(file))
    assert result.exit_code == 0
    assert "3: list_price" in result.output
    assert "4: list_price" in result.output
    assert "5: vat_rate" in result.output
    assert "6: sku" in result.output
    assert sorted(p.sku for p in app.catalogue.products()) == ["A-1", "E-5"]
    rejects = (tmp_path / "p.rejects.csv").read_text("utf-8-sig").splitlines()
    assert rejects[0].startswith("line;field;reason;sku;name")
    assert [r.split(";")[0] for r in rejects[1:]] == ["3", "4", "5", "6"]


def test_ten_thousand_bad_rows_leave_exactly_the_good_rows(app: B2B, tmp_path: Path) -> None:
    """A file that is mostly junk still imports its good rows and reports every bad one."""
    lines = [HEADER]
    for n in range(10_000):
        lines.append(f"BAD-{n};Товар;шт;не число;22\n")
        if n % 1000 == 0:
            lines.append(f"GOOD-{n};Товар;шт;100;22\n")
    file = write(tmp_path / "junk.csv", "".join(lines))
    result = run(app, "import", "products", str(file))
    assert "создано 10" in result.output
    assert "отклонено 10000" in result.output
    assert len(app.catalogue.products(limit=1000)) == 10


def test_a_file_that_is_not_utf8_is_refused_before_anything_is_stored(
    app: B2B, tmp_path: Path
) -> None:
    """A cp1251 file is refused with the line of the first bad byte; nothing is imported."""
    file = write(tmp_path / "p.csv", HEADER + "A-1;Ноутбук;шт;100;22\n", encoding="cp1251")
    result = run(app, "import", "products", str(file))
    assert result.exit_code == 1
    assert "Файл: is not UTF-8" in result.output
    assert "on line 2" in result.output
    assert app.catalogue.products() == []


def test_missing_columns_are_named(app: B2B, tmp_path: Path) -> None:
    """A header without the required columns is refused and says which are missing."""
    file = write(tmp_path / "p.csv", "sku,name\nA-1,Ноутбук\n")
    result = run(app, "import", "products", str(file))
    assert result.exit_code == 1
    assert "missing columns: list_price, vat_rate" in result.output


CLIENTS = "inn;kpp;contact;email;phone;manager\n"


def test_clients_are_registered_under_the_named_manager(app: B2B, tmp_path: Path) -> None:
    """Each good row becomes a client with its supervisor, owned by the manager named."""
    file = write(
        tmp_path / "c.csv",
        CLIENTS
        + "7700222227;770001001;Мария Петрова;maria@vasilek.example;;anna@shop.example\n"
        + "7700333336;;Иван Лютиков;ivan@lutik.example;;m1\n"
        + "7700222228;;Плохой ИНН;bad@example.ru;;m1\n",
    )
    result = run(app, "import", "clients", str(file))
    assert result.exit_code == 0, result.output
    assert "создано 1" in result.output
    assert "отклонено 2" in result.output
    assert "4: inn" in result.output
    with app.services.uow() as uow:
        client = uow.clients.find_by_company("7700222227", "770001001")
    assert client is not None
    assert client.manager_id == "m1"


def test_importing_the_same_clients_again_changes_nothing(app: B2B, tmp_path: Path) -> None:
    """A re-run finds the INN+KPP registered and leaves it alone."""
    file = write(
        tmp_path / "c.csv",
        CLIENTS + "7700222227;770001001;Мария Петрова;maria@vasilek.example;;m1\n",
    )
    run(app, "import", "clients", str(file))
    result = run(app, "import", "clients", str(file))
    assert "создано 0, обновлено 0, без изменений 1" in result.output
