"""A manager's password reset ends their other sessions."""

from __future__ import annotations

from collections.abc import Callable

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from tests.web.pages.conftest import Browser, sign_in
from tests.web.pages.test_password_sessions import assert_sent_to_login, reset_by_link


def test_a_managers_password_reset_ends_their_other_sessions(
    open_browser: Callable[[], Browser],
    manager_browser: Browser,
    manager_login: str,
    app: B2B,
    world: InMemoryWorld,
) -> None:
    """Two browsers of the manager; a reset in a third: both are sent to the login page."""
    second, browser = open_browser(), open_browser()
    assert sign_in(second, manager_login).status_code == 303
    assert second.get("/manager/queue", follow_redirects=False).status_code == 200
    reset_by_link(browser, app, world, manager_login)
    assert browser.get("/manager/queue", follow_redirects=False).status_code == 200
    assert_sent_to_login(manager_browser, "/manager/queue")
    assert_sent_to_login(second, "/manager/queue")
    assert browser.get("/manager/queue").status_code == 200


def test_a_managers_password_changed_elsewhere_ends_the_session(
    manager_browser: Browser, manager_login: str, app: B2B
) -> None:
    """A new password set from the operator's CLI ends the manager's session too."""
    app.accounts.operator_set_password(manager_login, "a new long secret")
    assert_sent_to_login(manager_browser, "/manager/queue")
