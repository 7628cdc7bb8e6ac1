"""Sessions, CSRF, no user enumeration, rate limiting."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.web import create_app
from b2bcore.web.pages import PageSettings
from b2bcore.web.pages.session import SESSION_COOKIE
from tests.builders import SUPERVISOR_EMAIL, Cast
from tests.web.pages.conftest import PASSWORD, Browser, sign_in, submit

UNKNOWN_EMAIL = "nobody@nowhere.example.ru"


def _set_cookie(response: object, name: str) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next(h for h in headers if h.startswith(f"{name}="))


def test_a_post_without_the_csrf_token_is_refused(supervisor_browser: Browser) -> None:
    """A form posted without its token (a forged cross-site post) is a 403 page."""
    response = supervisor_browser.post(
        "/cart/add", data={"sku": "PAPER", "quantity": "1"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "Форма устарела" in response.text


def test_the_login_form_needs_the_csrf_token_too(browser: Browser) -> None:
    """Even signing in needs the token (login CSRF)."""
    response = browser.post("/login", data={"email": SUPERVISOR_EMAIL, "password": PASSWORD})
    assert response.status_code == 403


def test_a_wrong_csrf_token_is_refused(supervisor_browser: Browser) -> None:
    response = supervisor_browser.post(
        "/cart/add", data={"_csrf_token": "x" * 80, "sku": "PAPER"}, follow_redirects=False
    )
    assert response.status_code == 403


def test_the_api_needs_no_csrf_token(browser: Browser) -> None:
    """/api/ uses bearer tokens: no CSRF check, and a 401 in JSON without a token."""
    response = browser.post("/api/v1/quote", json={"items": []})
    assert response.status_code == 401


def test_the_session_cookie_is_httponly_and_samesite(browser: Browser) -> None:
    """The session cookie cannot be read by scripts nor sent by cross-site posts."""
    cookie = _set_cookie(sign_in(browser, SUPERVISOR_EMAIL), SESSION_COOKIE).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie


def test_the_session_cookie_is_secure_when_configured(
    app: B2B, logins: object, world: InMemoryWorld
) -> None:
    """Behind TLS (``secure_cookies``) the session and CSRF cookies are Secure."""
    site = create_app(app, tokens={}, pages=PageSettings(secure_cookies=True))
    with TestClient(site, base_url="https://testserver.local") as client:
        assert "secure" in _set_cookie(client.get("/login"), "b2b_csrf").lower()
        response = sign_in(client, SUPERVISOR_EMAIL)
        assert "secure" in _set_cookie(response, SESSION_COOKIE).lower()


def test_the_session_id_changes_at_sign_in(
    open_browser: Callable[[], Browser], supervisor_browser: Browser
) -> None:
    """Signing in again issues a new session id; the old one no longer signs anyone in."""
    old = supervisor_browser.cookies[SESSION_COOKIE]
    sign_in(supervisor_browser, SUPERVISOR_EMAIL)
    new = supervisor_browser.cookies[SESSION_COOKIE]
    assert new != old
    thief = open_browser()
    thief.cookies.set(SESSION_COOKIE, old)
    assert thief.get("/", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session(
    open_browser: Callable[[], Browser], supervisor_browser: Browser
) -> None:
    """After signing out, the old session id is worthless."""
    old = supervisor_browser.cookies[SESSION_COOKIE]
    assert submit(supervisor_browser, "/logout").status_code == 303
    assert supervisor_browser.get("/", follow_redirects=False).status_code == 303
    thief = open_browser()
    thief.cookies.set(SESSION_COOKIE, old)
    assert thief.get("/", follow_redirects=False).status_code == 303


def _without(text: str, *secrets: str) -> str:
    for secret in secrets:
        text = text.replace(secret, "…")
    return text


def test_login_answers_alike_for_unknown_email_and_wrong_password(browser: Browser) -> None:
    """No user enumeration: the same status and page for both."""
    known = sign_in(browser, SUPERVISOR_EMAIL, "wrong password 1")
    unknown = sign_in(browser, UNKNOWN_EMAIL, "wrong password 1")
    assert known.status_code == unknown.status_code == 400
    assert _without(known.text, SUPERVISOR_EMAIL) == _without(unknown.text, UNKNOWN_EMAIL)
    assert "Неверный адрес эл. почты или пароль" in known.text


def test_password_reset_answers_alike_for_known_and_unknown_email(browser: Browser) -> None:
    """No user enumeration: "forgot password" says the same either way."""
    known = submit(browser, "/password/forgot", {"email": SUPERVISOR_EMAIL})
    unknown = submit(browser, "/password/forgot", {"email": UNKNOWN_EMAIL})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text


def test_a_password_reset_link_sets_the_password_and_signs_in(
    browser: Browser, app: B2B, world: InMemoryWorld
) -> None:
    """The emailed link opens the reset form; a new password signs the buyer in."""
    submit(browser, "/password/forgot", {"email": SUPERVISOR_EMAIL})
    app.processing.run_until_idle()
    letter = world.mailer.to(SUPERVISOR_EMAIL)[-1]
    link = re.search(r"http://testserver\.local(/password/reset\?token=\S+)", letter.text)
    assert link is not None
    token = link.group(1).split("token=")[1]
    assert browser.get(link.group(1)).status_code == 200
    response = submit(
        browser,
        "/password/reset",
        {"token": token, "password": "a new long secret", "password_repeat": "a new long secret"},
    )
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert browser.get("/").status_code == 200


def test_a_bad_reset_token_is_refused_next_to_the_form(browser: Browser) -> None:
    response = submit(
        browser,
        "/password/reset",
        {
            "token": "forged",
            "password": "a new long secret",
            "password_repeat": "a new long secret",
        },
    )
    assert response.status_code == 400
    assert "недействителен" in response.text


@pytest.fixture
def strict_site(app: B2B, cast: Cast, logins: object) -> Litestar:
    return create_app(app, tokens={}, pages=PageSettings(login_attempts=3))


def test_login_attempts_are_limited_per_ip(strict_site: Litestar) -> None:
    """After the allowed attempts from one IP the login form answers 429 with Retry-After,
    even with the right password."""
    with TestClient(strict_site) as client:
        statuses = [sign_in(client, f"user{i}@example.ru", "x").status_code for i in range(3)]
        blocked = sign_in(client, SUPERVISOR_EMAIL)
    assert statuses == [400, 400, 400]
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Слишком много попыток" in blocked.text


def test_the_application_throttles_one_email(browser: Browser) -> None:
    """Repeated wrong passwords for one email are throttled by the accounts use case."""
    responses = [sign_in(browser, SUPERVISOR_EMAIL, "wrong password 1") for _ in range(6)]
    assert responses[-1].status_code == 429
