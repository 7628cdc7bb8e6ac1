"""`b2b db` and the batch commands on a real SQLite file, as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from b2bcore.cli import main


def b2b(tmp_path: Path, *args: str) -> Result:
    env = {"B2B_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}"}
    return CliRunner(env=env).invoke(main, list(args))


def test_an_empty_database_says_how_to_create_the_schema(tmp_path: Path) -> None:
    """`db current` on a new database exits 1 and names the command to run."""
    result = b2b(tmp_path, "db", "current")
    assert result.exit_code == 1
    assert "b2b db upgrade" in result.output


def test_upgrade_brings_the_schema_to_the_head_revision(tmp_path: Path) -> None:
    """After `db upgrade`, `db current` reports the head revision as up to date."""
    assert b2b(tmp_path, "db", "upgrade").exit_code == 0
    result = b2b(tmp_path, "db", "current")
    assert result.exit_code == 0
    assert "(актуальна)" in result.output


def test_batch_commands_refuse_a_database_without_schema(tmp_path: Path) -> None:
    """Importing into an unmigrated database is a clear refusal, not a SQL traceback."""
    file = tmp_path / "p.csv"
    file.write_text("sku;name;list_price;vat_rate\nA;Товар;10;22\n", encoding="utf-8")
    result = b2b(tmp_path, "import", "products", str(file))
    assert result.exit_code == 1
    assert "выполните `b2b db upgrade`" in result.output
    assert "Traceback" not in result.output


def test_products_imported_into_sqlite_survive_the_process(tmp_path: Path) -> None:
    """Rows imported in one command are there for the next one (re-run: unchanged)."""
    b2b(tmp_path, "db", "upgrade")
    file = tmp_path / "p.csv"
    file.write_text("sku;name;list_price;vat_rate\nA;Товар;10;22\nB;Товар 2;20;10\n", "utf-8")
    first = b2b(tmp_path, "import", "products", str(file))
    second = b2b(tmp_path, "import", "products", str(file))
    assert "создано 2" in first.output
    assert "создано 0, обновлено 0, без изменений 2" in second.output


def test_discount_recomputation_runs_on_the_database(tmp_path: Path) -> None:
    """`discounts recompute` on a database without paid orders changes nothing."""
    b2b(tmp_path, "db", "upgrade")
    result = b2b(tmp_path, "discounts", "recompute")
    assert result.exit_code == 0, result.output
    assert "Скидок изменено: 0" in result.output
