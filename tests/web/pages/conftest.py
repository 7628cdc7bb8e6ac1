"""The pages in-process over the shared in-memory shop: a browser per user, signed in
with a password through the login form, posting forms with their CSRF token.

Passwords are hashed with the fast test hasher; ``shop`` (from ``tests/web``) gives
both clients orders in several states, with documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from b2bcore.adapters.passwords import FastPasswordHasher
from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld, bootstrap
from b2bcore.domain.actors import Actor
from b2bcore.web import create_app
from b2bcore.web.pages import PageSettings
from tests.builders import (
    EMPLOYEE_EMAIL,
    OTHER_BUYER_EMAIL,
    SUPERVISOR_EMAIL,
    Cast,
    seed_shop,
)

PASSWORD = "correct horse battery"
CSRF_COOKIE = "b2b_csrf"
Browser = TestClient[Litestar]


@pytest.fixture
def app(world: InMemoryWorld) -> B2B:
    """The shop's application, hashing passwords fast."""
    application = bootstrap(world=world, passwords=FastPasswordHasher())
    seed_shop(application, world)
    return application


@pytest.fixture
def logins(app: B2B, cast: Cast) -> dict[str, Actor]:
    """Every buyer of the cast can sign in with :data:`PASSWORD`."""
    people = {
        SUPERVISOR_EMAIL: cast.supervisor,
        EMPLOYEE_EMAIL: cast.employee,
        OTHER_BUYER_EMAIL: cast.other_buyer,
    }
    for actor in people.values():
        app.accounts.set_initial_password(actor, PASSWORD)
    return people


@pytest.fixture
def site(app: B2B, cast: Cast, logins: dict[str, Actor]) -> Litestar:
    return create_app(app, tokens={}, pages=PageSettings(secret="s" * 32, login_attempts=50))


@pytest.fixture
def browser(site: Litestar) -> Iterator[Browser]:
    """A browser nobody has signed in on."""
    with TestClient(site, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def open_browser(site: Litestar) -> Callable[[], Browser]:
    """More browsers, for tests with several users (each with its own cookies; only
    one runs the app's lifespan, two lifespans of one app would wait on each other)."""

    def make() -> Browser:
        return TestClient(site, raise_server_exceptions=False)

    return make


def csrf_token(client: Browser) -> str:
    """The CSRF token of the browser (a GET sets it as a cookie and in every form)."""
    if CSRF_COOKIE not in client.cookies:
        client.get("/login")
    return str(client.cookies[CSRF_COOKIE])


def submit(
    client: Browser, path: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> httpx.Response:
    """POST a form as the browser would: with its CSRF token, not following redirects."""
    fields = {"_csrf_token": csrf_token(client), **(data or {})}
    return client.post(path, data=fields, follow_redirects=False, **kwargs)


def sign_in(client: Browser, email: str, password: str = PASSWORD) -> httpx.Response:
    return submit(client, "/login", {"email": email, "password": password})


@pytest.fixture
def supervisor_browser(open_browser: Callable[[], Browser]) -> Browser:
    client = open_browser()
    assert sign_in(client, SUPERVISOR_EMAIL).status_code == 303
    return client


@pytest.fixture
def employee_browser(open_browser: Callable[[], Browser]) -> Browser:
    client = open_browser()
    assert sign_in(client, EMPLOYEE_EMAIL).status_code == 303
    return client


@pytest.fixture
def other_browser(open_browser: Callable[[], Browser]) -> Browser:
    client = open_browser()
    assert sign_in(client, OTHER_BUYER_EMAIL).status_code == 303
    return client
