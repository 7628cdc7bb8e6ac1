"""`b2b user set-password` and `b2b user add-manager`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result

from b2bcore import bootstrap, in_memory_world
from b2bcore.adapters.passwords import FastPasswordHasher
from b2bcore.application import B2B
from b2bcore.cli import main
from b2bcore.cli.context import CliContext
from b2bcore.domain import Actor


@pytest.fixture
def app() -> B2B:
    world = in_memory_world(now=datetime(2026, 11, 26, 10, tzinfo=UTC))
    return bootstrap(world=world, passwords=FastPasswordHasher())


def run(app: B2B, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), obj=CliContext.with_app(app), input=stdin)


def test_a_manager_is_added_and_given_a_password(app: B2B) -> None:
    """add-manager stores the manager; set-password asks twice and lets them sign in."""
    added = run(app, "user", "add-manager", "m2", "Олег Ким", "O.Kim@shop.ru")
    assert added.exit_code == 0, added.output
    assert "Менеджер m2 добавлен: Олег Ким, o.kim@shop.ru" in added.output
    result = run(app, "user", "set-password", "o.kim@shop.ru", stdin="long-password-1\n" * 2)
    assert result.exit_code == 0, result.output
    assert "long-password-1" not in result.output
    assert "Пароль для o.kim@shop.ru задан" in result.output
    assert app.accounts.sign_in("o.kim@shop.ru", "long-password-1") == Actor.manager("m2")


def test_a_weak_password_is_refused_in_one_line(app: B2B) -> None:
    """The policy's refusal is a one-line error in Russian, exit code 1."""
    run(app, "user", "add-manager", "m2", "Олег Ким", "o.kim@shop.ru")
    result = run(app, "user", "set-password", "o.kim@shop.ru", "--password", "short")
    assert result.exit_code == 1
    assert "Пароль: должен быть не короче 10 символов" in result.output


def test_an_unknown_email_is_said(app: B2B) -> None:
    """Nobody with that e-mail: a clear error, not a traceback."""
    result = run(app, "user", "set-password", "nobody@shop.ru", "--password", "long-password-1")
    assert result.exit_code == 1
    assert "nobody@shop.ru не найден" in result.output
