"""`b2b worker` and `b2b queue` as an operator and a manager use them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner, Result

from b2bcore.adapters.persistence.sql import migrate
from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.cli import main
from b2bcore.cli.context import CliContext
from b2bcore.domain import OrderStatus
from b2bcore.domain.errors import Rejected
from tests.builders import Cast, place_order, read_order

S = OrderStatus


def run(app: B2B, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), obj=CliContext.with_app(app))


def test_worker_until_idle_processes_placed_orders_and_reports(app: B2B, cast: Cast) -> None:
    """`worker --until-idle` reserves and invoices a placed order, prints what it did, exits 0."""
    order = place_order(app, cast, PAPER=2)
    result = run(app, "worker", "--until-idle")
    assert result.exit_code == 0, result.output
    assert "зарезервировано: 1" in result.output
    assert "выставлено счетов: 1" in result.output
    assert read_order(app, order.id).status is S.INVOICED


def test_worker_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """A running `b2b worker` finishes and exits 0 when the service manager sends SIGTERM."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    migrate.upgrade(url)
    env = {**os.environ, "B2B_DATABASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "b2bcore.cli.main", "worker", "--poll", "0.2"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        started = ""
        while "запущен" not in started and time.monotonic() < deadline:
            started += process.stderr.readline() if process.stderr else ""
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Останавливаюсь после текущего сообщения" in err
    assert "Выполнено 0" in out


def test_queue_list_shows_waiting_orders_with_reasons(app: B2B, cast: Cast) -> None:
    """The manager sees the large order and why it waits, in Russian."""
    order = place_order(app, cast, LAPTOP=3)
    result = run(app, "queue", "list", "--manager", "mgr-1")
    assert result.exit_code == 0, result.output
    assert order.number in result.output
    assert "не меньше лимита" in result.output
    assert "Заказов в очереди: 1" in result.output


def test_queue_show_prints_lines_and_history(app: B2B, cast: Cast) -> None:
    """`queue show` lists the lines, the total and every transition."""
    order = place_order(app, cast, LAPTOP=3)
    result = run(app, "queue", "show", order.number, "--manager", "mgr-1")
    assert result.exit_code == 0, result.output
    assert "LAPTOP" in result.output
    assert "размещён → на проверке" in result.output


def test_queue_approve_then_the_worker_invoices(app: B2B, cast: Cast) -> None:
    """An approved order goes back to automation and is invoiced by the next worker pass."""
    order = place_order(app, cast, LAPTOP=3)
    assert run(app, "queue", "approve", order.number, "--manager", "mgr-1").exit_code == 0
    run(app, "worker", "--until-idle")
    assert read_order(app, order.id).status is S.INVOICED


def test_queue_reject_needs_a_reason_and_cancels(app: B2B, cast: Cast) -> None:
    """Rejecting without a reason is a usage error; with one it cancels the order."""
    order = place_order(app, cast, LAPTOP=3)
    assert run(app, "queue", "reject", order.number, "--manager", "mgr-1").exit_code == 2
    result = run(app, "queue", "reject", order.number, "--manager", "mgr-1", "--reason", "нет")
    assert result.exit_code == 0
    assert read_order(app, order.id).status is S.CANCELLED


def test_queue_adjust_reprices_the_order(app: B2B, cast: Cast) -> None:
    """`--line SKU=QTY@PRICE` sets a manual price; the total follows."""
    order = place_order(app, cast, LAPTOP=3)
    result = run(
        app, "queue", "adjust", order.number, "--manager", "mgr-1", "--line", "LAPTOP=3@90000"
    )
    assert result.exit_code == 0, result.output
    assert read_order(app, order.id).totals.goods_gross == 270000


def test_queue_retry_resumes_a_parked_order(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """A step SAP refused parks the order; `queue retry` lets the worker finish it."""
    order = place_order(app, cast, PAPER=1)
    world.erp.fail_next(1, Rejected("sap", "material PAPER is blocked"))
    run(app, "worker", "--until-idle")
    listed = run(app, "queue", "list", "--manager", "mgr-1")
    assert "ошибка шага reserve: sap: material PAPER is blocked" in listed.output
    assert run(app, "queue", "retry", order.number, "--manager", "mgr-1").exit_code == 0
    run(app, "worker", "--until-idle")
    assert read_order(app, order.id).status is S.INVOICED


def test_queue_commands_refuse_an_unknown_order_clearly(app: B2B, cast: Cast) -> None:
    """An unknown number is one line and exit code 1."""
    result = run(app, "queue", "approve", "B2B-2026-999999", "--manager", "mgr-1")
    assert result.exit_code == 1
    assert result.output.startswith("Ошибка: ")
