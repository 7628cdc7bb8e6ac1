"""Who reaches the manager's pages: managers only, every route, every method; a manager
signing in lands on the queue and is sent away from the buyer's cabinet."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from b2bcore.application import B2B, NewContact, UploadedFile
from tests.builders import MANAGER, Cast
from tests.web.conftest import Shop
from tests.web.pages.conftest import Browser, csrf_token, sign_in, submit

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@pytest.fixture
def task_id(app: B2B) -> str:
    return app.registration.request_registration(
        contact=NewContact(full_name="Кирилл Новиков", email="k.novikov@example.ru"),
        attachment=UploadedFile(
            filename="requisites.pdf", content_type="application/pdf", data=b"%PDF-1.4 test"
        ),
    )


def manager_routes(site: Litestar, ids: dict[str, str]) -> list[tuple[str, str]]:
    """(method, path) of every route under /manager, its path parameters filled in."""
    found = []
    for route in site.routes:
        if not route.path.startswith("/manager"):
            continue
        path = re.sub(r"\{(\w+):\w+\}", lambda m: ids[m.group(1)], route.path)
        found += [(method, path) for method in getattr(route, "methods", ()) if method != "OPTIONS"]
    return sorted(set(found))


@pytest.fixture
def routes(site: Litestar, shop: Shop, cast: Cast, task_id: str) -> list[tuple[str, str]]:
    ids = {"order_id": shop.in_review.id, "client_id": cast.client_id, "task_id": task_id}
    listed = manager_routes(site, ids)
    assert len(listed) >= 15  # guards the walk: every page and action is in it
    return listed


def _send(client: Browser, method: str, path: str) -> httpx.Response:
    if method in SAFE_METHODS:
        return client.request(method, path, follow_redirects=False)
    return submit(client, path, {"reason": "x", "note": "x"})


def test_every_manager_page_renders_for_a_manager(
    manager_browser: Browser, routes: list[tuple[str, str]], task_id: str
) -> None:
    """Each GET under /manager/ answers a page (or the queue redirect), never an error."""
    pages = [path for method, path in routes if method == "GET"]
    for path in pages:
        response = manager_browser.get(path, follow_redirects=False)
        expected = 303 if path == "/manager" else 200
        assert response.status_code == expected, path


@pytest.mark.parametrize("who", ["supervisor_browser", "employee_browser"])
def test_buyers_get_403_on_every_manager_route(
    request: pytest.FixtureRequest, who: str, routes: list[tuple[str, str]], app: B2B, shop: Shop
) -> None:
    """A buyer is refused before any id is read, whatever the method, and changes nothing."""
    client: Browser = request.getfixturevalue(who)
    for method, path in routes:
        assert _send(client, method, path).status_code in {403, 404}, (method, path)
    assert app.cabinet.order(MANAGER, shop.in_review.id).status.value == "in_review"


def test_nobody_signed_in_is_sent_to_the_login_page(
    browser: Browser, routes: list[tuple[str, str]]
) -> None:
    """Without a session every manager GET redirects to /login with ``next``."""
    for method, path in routes:
        if method != "GET":
            continue
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next="), path


def test_every_post_needs_the_csrf_token(
    manager_browser: Browser, routes: list[tuple[str, str]], app: B2B, shop: Shop
) -> None:
    """A form posted without its token is refused and leaves the order as it was."""
    csrf_token(manager_browser)
    posts = [path for method, path in routes if method == "POST"]
    assert posts
    for path in posts:
        response = manager_browser.post(path, data={"reason": "x"}, follow_redirects=False)
        assert response.status_code == 403, path
    assert app.cabinet.order(MANAGER, shop.in_review.id).status.value == "in_review"


def test_a_manager_signing_in_lands_on_the_queue(browser: Browser, manager_login: str) -> None:
    """The login page sends a manager to their queue."""
    response = sign_in(browser, manager_login)
    assert response.status_code == 303
    landing = browser.get(response.headers["location"])
    assert landing.url.path == "/manager/queue"
    assert "Заказы, ожидающие менеджера" in landing.text


@pytest.mark.parametrize("path", ["/", "/orders", "/companies", "/cart", "/catalogue"])
def test_a_manager_opening_the_buyers_cabinet_is_sent_to_the_manager_pages(
    manager_browser: Browser, path: str
) -> None:
    """The buyer's pages are not the manager's: a redirect to /manager/."""
    response = manager_browser.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/manager/"
