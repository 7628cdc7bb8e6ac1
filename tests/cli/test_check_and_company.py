"""`b2b check` and `b2b company` as an operator runs them, against fakes on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from b2bcore.cli import main
from b2bcore.i18n import has_translation
from b2bcore.ports.probe import ProbeStatus
from tests.fakes.dadata import API_KEY, FakeDadata
from tests.fakes.edms import TOKEN, FakeEdms
from tests.fakes.smtp import PASSWORD, USERNAME, FakeSmtp, make_tls

SECRETS = {
    "B2B_DADATA_API_KEY": API_KEY,
    "B2B_EDMS_TOKEN": TOKEN,
    "B2B_SMTP_PASSWORD": PASSWORD,
}


def b2b(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(main, list(args))


@pytest.fixture
def dadata() -> Iterator[FakeDadata]:
    with FakeDadata() as fake:
        yield fake


@pytest.fixture
def edms() -> Iterator[FakeEdms]:
    with FakeEdms() as fake:
        yield fake


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[FakeSmtp, Path]]:
    tls = make_tls(tmp_path)
    with FakeSmtp(security="starttls", tls=tls) as fake:
        yield fake, tls.ca_file


def config_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "b2bcore.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def dadata_config(tmp_path: Path, server: FakeDadata) -> str:
    return config_file(tmp_path, f'[dadata]\nbase_url = "{server.base_url}"\nretries = 0\n')


# -- b2b company -------------------------------------------------------------------------------


def test_lookup_prints_every_branch_of_the_demo_company() -> None:
    """Without [dadata] the demo directory answers: head office and branch, with their state."""
    result = b2b("company", "lookup", "7700111118")
    assert result.exit_code == 0, result.output
    assert "ИНН 7700111118  КПП 770001001  головная организация  действует" in result.stdout
    assert "ИНН 7700111118  КПП 780143001  филиал  действует" in result.stdout
    assert "Найдено записей: 2" in result.stdout
    assert "[dadata]" in result.stderr


def test_lookup_by_kpp_prints_one_entry() -> None:
    """--kpp selects the branch."""
    result = b2b("company", "lookup", "7700111118", "--kpp", "780143001")
    assert "Найдено записей: 1" in result.stdout
    assert "филиал" in result.stdout


def test_lookup_shows_a_liquidated_company_as_such() -> None:
    """The registry state is printed, so a liquidated company is visible at once."""
    assert "ликвидирована" in b2b("company", "lookup", "7700333336").stdout


def test_lookup_as_json() -> None:
    """--json prints the entries with every requisite, for scripts."""
    result = b2b("company", "lookup", "7700111118", "--json")
    entries = json.loads(result.stdout)
    assert [(e["kpp"], e["is_branch"], e["state"]) for e in entries] == [
        ("770001001", False, "ACTIVE"),
        ("780143001", True, "ACTIVE"),
    ]
    assert entries[0]["kind"] == "legal_entity"


@pytest.mark.parametrize(
    ("inn", "message"),
    [
        ("7700999990", "компания с ИНН 7700999990 не найдена в реестре"),
        ("7700333335", "ИНН: не сходится контрольная цифра"),
    ],
)
def test_lookup_refuses_unknown_and_invalid_inns(inn: str, message: str) -> None:
    """An unknown or invalid INN is one line and exit code 1."""
    result = b2b("company", "lookup", inn)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_lookup_asks_the_configured_dadata(tmp_path: Path, dadata: FakeDadata) -> None:
    """With [dadata] and the key in the environment, the lookup goes to DaData."""
    result = b2b(
        "--config",
        dadata_config(tmp_path, dadata),
        "company",
        "lookup",
        "7707083893",
        env={"B2B_DADATA_API_KEY": API_KEY},
    )
    assert result.exit_code == 0, result.output
    assert "ПАО СБЕРБАНК" in result.stdout
    assert "Руководитель: Греф Герман Оскарович" in result.stdout
    assert result.stderr == ""
    assert dadata.requests[0].headers["authorization"] == f"Token {API_KEY}"


def test_lookup_reports_a_refused_key_without_a_traceback(
    tmp_path: Path, dadata: FakeDadata
) -> None:
    """A 403 from DaData is one line naming dadata, exit code 1."""
    result = b2b(
        "--config",
        dadata_config(tmp_path, dadata),
        "company",
        "lookup",
        "7707083893",
        env={"B2B_DADATA_API_KEY": "expired"},
    )
    assert result.exit_code == 1
    assert "dadata" in result.output
    assert "403" in result.output
    assert "Traceback" not in result.output


def test_lookup_without_the_key_names_the_variable(tmp_path: Path, dadata: FakeDadata) -> None:
    """[dadata] without B2B_DADATA_API_KEY is refused, naming the variable."""
    result = b2b(
        "--config", dadata_config(tmp_path, dadata), "company", "lookup", "7707083893", env={}
    )
    assert result.exit_code == 1
    assert "B2B_DADATA_API_KEY: должна быть задана в переменных окружения" in result.output


def test_bank_prints_name_and_accounts() -> None:
    """`company bank` prints the bank's name, correspondent account and SWIFT."""
    result = b2b("company", "bank", "044525225")
    assert result.exit_code == 0, result.output
    assert "БИК 044525225  ПАО Сбербанк" in result.stdout
    assert "30101810400000000225" in result.stdout
    assert "SABRRUMM" in result.stdout


def test_unknown_bank_is_refused() -> None:
    """An unknown BIK is one line and exit code 1."""
    result = b2b("company", "bank", "044525999", "--json")
    assert result.exit_code == 1
    assert "банк с БИК 044525999 не найден" in result.output


# -- b2b check ---------------------------------------------------------------------------------


def full_config(
    tmp_path: Path,
    sqlite_url: str,
    dadata: FakeDadata,
    edms: FakeEdms,
    smtp: tuple[FakeSmtp, Path],
) -> str:
    server, ca_file = smtp
    return config_file(
        tmp_path,
        f'database_url = "{sqlite_url}"\n'
        f'[dadata]\nbase_url = "{dadata.base_url}"\nretries = 0\n'
        f'[edms]\nbase_url = "{edms.base_url}"\nretries = 0\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nusername = "{USERNAME}"\n'
        f'sender = "shop@example.ru"\nca_file = "{ca_file}"\ntimeout = 2.0\n',
    )


def lines(result: Result) -> dict[str, str]:
    return {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}


def test_check_reports_every_system_ok(
    tmp_path: Path,
    sqlite_url: str,
    dadata: FakeDadata,
    edms: FakeEdms,
    smtp: tuple[FakeSmtp, Path],
) -> None:
    """A valid configuration with every system answering: one ok line each, exit code 0."""
    config = full_config(tmp_path, sqlite_url, dadata, edms, smtp)
    result = b2b("--config", config, "check", env=SECRETS)
    assert result.exit_code == 0, result.output
    found = lines(result)
    for system in ("config", "database", "dadata", "edms", "smtp"):
        assert "в порядке" in found[system], found
    for system in ("sap", "onec"):
        assert "симулятор (не настроена)" in found[system]


def test_check_names_each_failure_and_exits_non_zero(
    tmp_path: Path,
    sqlite_url: str,
    dadata: FakeDadata,
    edms: FakeEdms,
    smtp: tuple[FakeSmtp, Path],
) -> None:
    """A wrong key, an unreachable server and a missing secret each get their own word."""
    (tmp_path / "stopped").mkdir()
    with FakeSmtp(security="starttls", tls=make_tls(tmp_path / "stopped")) as stopped:
        pass
    config = full_config(tmp_path, sqlite_url, dadata, edms, (stopped, smtp[1]))
    env = {"B2B_DADATA_API_KEY": "wrong", "B2B_SMTP_PASSWORD": PASSWORD}
    result = b2b("--config", config, "check", env=env)
    assert result.exit_code == 1
    found = lines(result)
    assert "в порядке" in found["database"]
    assert "неверные учётные данные" in found["dadata"]
    assert "ошибка настройки" in found["edms"]
    assert "B2B_EDMS_TOKEN" in found["edms"]
    assert "недоступна" in found["smtp"]
    assert "wrong" not in found["dadata"].split("403", 1)[1]


def test_check_reports_a_database_without_schema(tmp_path: Path) -> None:
    """A database that was never migrated is misconfigured, and the fix is named."""
    config = config_file(tmp_path, f'database_url = "sqlite:///{tmp_path / "new.db"}"\n')
    result = b2b("--config", config, "check", env={})
    assert result.exit_code == 1
    assert "b2b db upgrade" in lines(result)["database"]


def test_check_reports_an_invalid_configuration(tmp_path: Path) -> None:
    """A configuration with a secret in it fails the first line, exit code 1."""
    config = config_file(tmp_path, '[dadata]\napi_key = "abc"\n')
    result = b2b("--config", config, "check", env={})
    assert result.exit_code == 1
    assert "B2B_DADATA_API_KEY" in lines(result)["config"]
    assert "ошибка настройки" in lines(result)["config"]


def test_every_probe_status_has_a_russian_word() -> None:
    """`b2b check` prints each status in the interface language."""
    assert all(has_translation(f"probe:{status.value}") for status in ProbeStatus)
