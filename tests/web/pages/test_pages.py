"""Each page renders, in Russian, for the role it is for; the others are turned away."""

from __future__ import annotations

import re

import pytest

from tests.builders import SUPERVISOR_EMAIL, Cast
from tests.web.conftest import Shop
from tests.web.pages.conftest import PASSWORD, Browser, submit

BUYER_PAGES = [
    "/",
    "/companies",
    "/addresses",
    "/catalogue",
    "/cart",
    "/orders",
    "/orders?status=paid&from=2026-01-01&to=2026-12-31",
    "/account/password",
]
SUPERVISOR_PAGES = ["/users", "/users/add", "/companies/add"]
PUBLIC_PAGES = [
    "/login",
    "/password/forgot",
    "/password/reset?token=x",
    "/register",
    "/register/request",
]


@pytest.mark.parametrize("path", BUYER_PAGES + SUPERVISOR_PAGES)
def test_a_supervisor_sees_every_cabinet_page(supervisor_browser: Browser, path: str) -> None:
    """Every cabinet page renders for a supervisor, in Russian."""
    response = supervisor_browser.get(path)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "Выйти" in response.text


@pytest.mark.parametrize("path", BUYER_PAGES)
def test_an_employee_sees_the_buying_pages(employee_browser: Browser, path: str) -> None:
    """An employee reaches everything needed to buy."""
    assert employee_browser.get(path).status_code == 200


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_render_without_a_session(browser: Browser, path: str) -> None:
    """Sign-in, password and registration pages need no session."""
    response = browser.get(path)
    assert response.status_code == 200
    assert 'name="_csrf_token"' in response.text


def test_the_order_page_shows_lines_history_and_documents(
    supervisor_browser: Browser, shop: Shop
) -> None:
    """An order's page has its number, its status history in Russian and its documents."""
    response = supervisor_browser.get(f"/orders/{shop.invoiced.id}")
    assert response.status_code == 200
    assert shop.invoiced.number in response.text
    assert "счёт выставлен" in response.text
    assert f"/orders/{shop.invoiced.id}/documents/" in response.text


def test_the_order_history_names_the_invoice_in_russian(
    supervisor_browser: Browser, shop: Shop
) -> None:
    """The history line of invoicing says «счёт СЧ-…» with its amount, not English text."""
    page = supervisor_browser.get(f"/orders/{shop.invoiced.id}").text
    history = page.split('<ol class="timeline">')[1]
    assert shop.invoiced.invoice is not None
    assert f"счёт {shop.invoiced.invoice.number} на " in history
    assert not re.search(r"\((invoice|paid in full|approved by)", history)


def test_the_english_order_history_is_english(supervisor_browser: Browser, shop: Shop) -> None:
    """With English chosen, the same history line reads in English."""
    supervisor_browser.get("/lang/en?next=/orders", follow_redirects=False)
    page = supervisor_browser.get(f"/orders/{shop.invoiced.id}").text
    assert shop.invoiced.invoice is not None
    assert f"invoice {shop.invoiced.invoice.number} for " in page


def test_a_paid_order_offers_delivery_intervals(supervisor_browser: Browser, shop: Shop) -> None:
    """A paid order without an interval offers the warehouse's intervals to choose from."""
    response = supervisor_browser.get(f"/orders/{shop.paid.id}")
    assert 'name="interval_id"' in response.text


def test_the_home_page_shows_discount_and_manager(supervisor_browser: Browser) -> None:
    """Home: the current discount, the amount to the next tier, the manager's contacts."""
    text = supervisor_browser.get("/").text
    assert "Ваша скидка" in text
    assert "Купите ещё на" in text
    assert re.search(r"<p class=\"big\">\d+(,\d+)?\u00a0%</p>", text)  # 3 %, not 3.00 %
    assert ".00 %" not in text
    assert "Анна Смирнова" in text
    assert "a.smirnova@shop.example.ru" in text


def test_a_document_downloads(supervisor_browser: Browser, shop: Shop) -> None:
    """The invoice PDF downloads from the order page's link."""
    key = shop.invoiced.documents[0].storage_key
    response = supervisor_browser.get(f"/orders/{shop.invoiced.id}/documents/{key}")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_order_report_downloads(supervisor_browser: Browser, cast: Cast, fmt: str) -> None:
    """The order report of one company or of all comes as CSV or XLSX."""
    for query in ("", f"&company={cast.head_office_id}"):
        response = supervisor_browser.get(f"/orders/report?format={fmt}{query}")
        assert response.status_code == 200
        assert "attachment" in response.headers["content-disposition"]


@pytest.mark.parametrize(
    "path",
    [*SUPERVISOR_PAGES, "/companies/{company}/edit", "/users/{contact}/companies"],
)
def test_an_employee_cannot_manage_users_or_companies(
    employee_browser: Browser, cast: Cast, path: str
) -> None:
    """User and company management is for supervisors: an employee gets a 403 page."""
    url = path.format(company=cast.head_office_id, contact=cast.employee.id)
    response = employee_browser.get(url)
    assert response.status_code == 403
    assert "Доступ запрещён" in response.text


def test_an_employee_sees_no_management_links(employee_browser: Browser) -> None:
    """The employee's pages do not link to user or company management."""
    text = employee_browser.get("/companies").text
    assert 'href="/users"' not in text
    assert 'href="/companies/add"' not in text


def test_an_employee_cannot_post_management_forms(employee_browser: Browser) -> None:
    """Posting the supervisor's forms directly is refused too."""
    response = submit(employee_browser, "/users/add", {"full_name": "X Y", "email": "x@y.ru"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", [*BUYER_PAGES, *SUPERVISOR_PAGES, "/orders/any-id"])
def test_without_a_session_every_cabinet_page_sends_to_login(browser: Browser, path: str) -> None:
    """Not signed in: a redirect to the login page that comes back afterwards."""
    response = browser.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_after_signing_in_the_buyer_comes_back(browser: Browser) -> None:
    """The login form keeps ``next`` and goes there after signing in."""
    response = submit(
        browser, "/login", {"email": SUPERVISOR_EMAIL, "password": PASSWORD, "next": "/orders"}
    )
    assert (response.status_code, response.headers["location"]) == (303, "/orders")


def test_next_never_leaves_the_site(browser: Browser) -> None:
    """An absolute or protocol-relative ``next`` is ignored."""
    response = submit(
        browser,
        "/login",
        {"email": SUPERVISOR_EMAIL, "password": PASSWORD, "next": "//evil.example"},
    )
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("path", ["/manager/", "/manager/queue"])
def test_buyers_cannot_reach_the_manager_pages(supervisor_browser: Browser, path: str) -> None:
    """Nothing under /manager/ answers a buyer."""
    assert supervisor_browser.get(path).status_code in {403, 404}


def test_an_unknown_page_is_a_russian_404(supervisor_browser: Browser) -> None:
    """A missing page is a page, not JSON and not a traceback."""
    response = supervisor_browser.get("/no/such/page")
    assert response.status_code == 404
    assert "Страница не найдена" in response.text


def test_the_language_switch_shows_english(supervisor_browser: Browser) -> None:
    """/lang/en sets the cookie; the pages then speak English."""
    response = supervisor_browser.get("/lang/en?next=/orders", follow_redirects=False)
    assert response.headers["location"] == "/orders"
    assert "Sign out" in supervisor_browser.get("/orders").text


def test_accept_language_picks_english(browser: Browser) -> None:
    """Without the cookie, the browser's preferred language counts."""
    response = browser.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9,ru;q=0.5"})
    assert "Forgot your password?" in response.text
    assert "Забыли пароль?" in browser.get("/login").text


def test_the_stylesheet_is_served(browser: Browser) -> None:
    """The one stylesheet is served by the app itself (no CDN)."""
    response = browser.get("/static/b2b.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]
