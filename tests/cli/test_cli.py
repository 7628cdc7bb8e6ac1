"""The `b2b` command as a user runs it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from b2bcore.cli import main


@pytest.fixture(scope="module")
def demo_output() -> str:
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _timeline_of(output: str, number: str) -> str:
    block = re.search(rf"^{number} .*?(?=^\S|\Z)", output, flags=re.M | re.S)
    assert block is not None, f"{number} missing from the timeline"
    return block.group(0)


def test_demo_registers_the_client_and_names_its_manager(demo_output: str) -> None:
    """The demo starts with the registered client and the manager's contacts."""
    assert 'Клиент зарегистрирован: ООО "Ромашка"' in demo_output
    assert "Менеджер: Анна Смирнова, +7 495 000-00-01" in demo_output


def test_demo_routes_the_large_order_to_a_manager_with_reasons(demo_output: str) -> None:
    """The large order goes to manual processing and both failed rules are printed."""
    assert "B2B-2026-000002 размещён" in demo_output or "000002 размещён" in demo_output
    assert "обработка: через менеджера" in demo_output
    assert "не меньше лимита 300\u202f000,00\u00a0₽" in demo_output
    assert "строк в заказе: 4, больше лимита 3" in demo_output


def test_demo_ships_the_small_and_the_approved_order(demo_output: str) -> None:
    """Both paid orders reach shipped, the approved one after the manager's approval."""
    numbers = re.findall(r"^(B2B-\d{4}-\d{6})  .*→ (\S+)", demo_output, flags=re.M)
    assert [status for _, status in numbers] == ["отгружен", "отгружен", "отменён"]
    approved = _timeline_of(demo_output, numbers[1][0])
    assert "на проверке → размещён" in approved
    assert "заявка на транспорт → отгружен" in approved


def test_demo_cancels_the_unpaid_order_when_its_invoice_expires(demo_output: str) -> None:
    """The third order is cancelled by the system after its due date."""
    numbers = re.findall(r"^(B2B-\d{4}-\d{6})  ", demo_output, flags=re.M)
    unpaid = _timeline_of(demo_output, numbers[2])
    assert "система    счёт выставлен → отменён" in unpaid
    assert re.search(r"\(счёт СЧ-\d{4}-\d{6} не оплачен до \d\d\.\d\d\.\d{4}\)", unpaid)


def test_demo_reports_the_new_discount_tier(demo_output: str) -> None:
    """Over a million roubles paid in the window moves the client to 5 %."""
    assert "Скидка: 5.00%" in demo_output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--inn", "7700333335"], "ИНН: не сходится контрольная цифра"),
        (["--inn", "7700333336", "--kpp", ""], "ликвидирована"),
        (["--inn", "7700444445", "--kpp", ""], "в процессе ликвидации"),
        (["--inn", "7700111118", "--kpp", ""], "выберите КПП: 770001001, 780143001"),
        (["--inn", "7700999990", "--kpp", ""], "не найдена в реестре"),
    ],
)
def test_demo_refuses_a_bad_company_with_a_clear_message(args: list[str], message: str) -> None:
    """A refused registration is one readable line and exit code 1, never a traceback."""
    result = CliRunner().invoke(main, ["demo", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert result.output.startswith("Ошибка: ")
    assert "Traceback" not in result.output


def test_demo_lists_the_documents_of_each_order(demo_output: str) -> None:
    """Shipped orders list their invoice and УПД; the expired one only its invoice."""
    assert demo_output.count("документ счёт на оплату № СЧ-2026-") == 3
    assert demo_output.count("документ УПД № УПД-2026-") == 2
