"""A password change or reset ends the user's other sessions (a stolen session with it)."""

from __future__ import annotations

import re
from collections.abc import Callable

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.web.pages.session import SESSION_COOKIE
from tests.builders import EMPLOYEE_EMAIL, SUPERVISOR_EMAIL, Cast
from tests.web.pages.conftest import PASSWORD, Browser, sign_in, submit

NEW_PASSWORD = "a new long secret"
SIGN_IN_AGAIN = "Пароль изменён — войдите снова"


def signed_in_browser(open_browser: Callable[[], Browser], email: str) -> Browser:
    client = open_browser()
    assert sign_in(client, email).status_code == 303
    return client


def assert_sent_to_login(client: Browser, path: str) -> None:
    """The browser's next page is the login page, saying why; the session is over."""
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    login_page = client.get(response.headers["location"])
    assert login_page.status_code == 200
    assert SIGN_IN_AGAIN in login_page.text
    assert client.get(path, follow_redirects=False).status_code == 303


def reset_by_link(client: Browser, app: B2B, world: InMemoryWorld, email: str) -> None:
    """The browser asks for a reset link and sets a new password with it."""
    submit(client, "/password/forgot", {"email": email})
    app.processing.run_until_idle()
    link = re.search(r"/password/reset\?token=(\S+)", world.mailer.to(email)[-1].text)
    assert link is not None
    form = {"token": link.group(1), "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    assert submit(client, "/password/reset", form).status_code == 303


def test_changing_the_password_ends_the_other_sessions(
    open_browser: Callable[[], Browser], supervisor_browser: Browser
) -> None:
    """The other browser of the same buyer is sent to the login page; this one stays."""
    other = signed_in_browser(open_browser, SUPERVISOR_EMAIL)
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    changed = submit(supervisor_browser, "/account/password", form)
    assert (changed.status_code, changed.headers["location"]) == (303, "/")
    assert_sent_to_login(other, "/orders")
    home = supervisor_browser.get("/", follow_redirects=False)
    assert home.status_code == 200
    assert "Пароль изменён" in home.text
    assert SIGN_IN_AGAIN not in home.text
    assert sign_in(other, SUPERVISOR_EMAIL, NEW_PASSWORD).status_code == 303
    assert other.get("/").status_code == 200


def test_changing_the_password_renews_the_session_id(
    open_browser: Callable[[], Browser], supervisor_browser: Browser
) -> None:
    """A copy of the changing browser's own cookie dies too: its session gets a new id."""
    old = supervisor_browser.cookies[SESSION_COOKIE]
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    assert submit(supervisor_browser, "/account/password", form).status_code == 303
    assert supervisor_browser.cookies[SESSION_COOKIE] != old
    thief = open_browser()
    thief.cookies.set(SESSION_COOKIE, old)
    assert thief.get("/", follow_redirects=False).status_code == 303
    assert supervisor_browser.get("/").status_code == 200


def test_a_password_change_leaves_other_users_signed_in(
    open_browser: Callable[[], Browser], supervisor_browser: Browser
) -> None:
    """Only the sessions of the user whose password changed end."""
    colleague = signed_in_browser(open_browser, EMPLOYEE_EMAIL)
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    assert submit(supervisor_browser, "/account/password", form).status_code == 303
    assert colleague.get("/", follow_redirects=False).status_code == 200


def test_a_password_reset_ends_the_other_sessions(
    open_browser: Callable[[], Browser],
    supervisor_browser: Browser,
    browser: Browser,
    app: B2B,
    world: InMemoryWorld,
) -> None:
    """The browser that reset the password is signed in; the sessions before it end."""
    reset_by_link(browser, app, world, SUPERVISOR_EMAIL)
    assert browser.get("/", follow_redirects=False).status_code == 200
    assert_sent_to_login(supervisor_browser, "/")
    assert browser.get("/orders").status_code == 200


def test_blocking_the_client_ends_its_users_sessions(
    supervisor_browser: Browser, app: B2B, cast: Cast
) -> None:
    """A blocked client's buyer cannot sign in, so a session opened before ends too."""
    with app.services.uow() as uow:
        uow.clients.get(cast.client_id).block()
        uow.commit()
    response = supervisor_browser.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=%2F")
    assert supervisor_browser.get("/orders", follow_redirects=False).status_code == 303
