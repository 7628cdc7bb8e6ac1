"""Forms refuse bad input with a readable Russian message next to the field and a 4xx,
never a 500; good input does what the page says."""

from __future__ import annotations

import re

import httpx

from b2bcore.application import B2B
from tests.builders import ENTREPRENEUR_INN, OTHER_BUYER_EMAIL, ROMASHKA_INN, Cast
from tests.web.conftest import Shop
from tests.web.pages.conftest import Browser, submit


def error_next_to(response: httpx.Response, field: str) -> str:
    """The message printed right under the field ``field``."""
    match = re.search(
        rf'name="{field}".*?<p class="error"[^>]*>([^<]+)</p>', response.text, re.DOTALL
    )
    assert match is not None, f"no error next to {field}"
    return match.group(1)


def test_a_bad_inn_is_explained_next_to_the_field(browser: Browser) -> None:
    response = submit(browser, "/register", {"inn": "1234567890"})
    assert response.status_code == 400
    assert "ИНН" in error_next_to(response, "inn")


def test_an_inn_with_branches_offers_a_kpp_choice(browser: Browser) -> None:
    response = submit(browser, "/register", {"inn": ROMASHKA_INN})
    assert response.status_code == 200
    assert response.text.count('name="kpp"') == 2


def test_registration_by_inn_signs_the_new_supervisor_in(browser: Browser, app: B2B) -> None:
    """Step 1 shows the requisites, step 2 registers, sets the password and signs in."""
    assert submit(browser, "/register", {"inn": ENTREPRENEUR_INN}).status_code == 200
    response = submit(
        browser,
        "/register/confirm",
        {
            "inn": ENTREPRENEUR_INN,
            "kpp": "",
            "full_name": "Иван Петров",
            "email": "ivan@ip.example.ru",
            "phone": "",
            "password": "long enough secret",
            "password_repeat": "long enough secret",
        },
    )
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert "Иван Петров" in browser.get("/").text


def test_registration_refuses_a_weak_password_before_creating_anything(
    browser: Browser, app: B2B
) -> None:
    response = submit(
        browser,
        "/register/confirm",
        {
            "inn": ENTREPRENEUR_INN,
            "full_name": "Иван Петров",
            "email": "ivan@ip.example.ru",
            "password": "123",
            "password_repeat": "123",
        },
    )
    assert response.status_code == 400
    assert "Пароль" in error_next_to(response, "password")
    assert not app.accounts.has_login("ivan@ip.example.ru")


def test_registering_a_registered_company_is_refused(browser: Browser) -> None:
    response = submit(
        browser,
        "/register/confirm",
        {
            "inn": ROMASHKA_INN,
            "kpp": "770001001",
            "full_name": "Кто-то Другой",
            "email": "other@romashka.example.ru",
            "password": "long enough secret",
            "password_repeat": "long enough secret",
        },
    )
    assert response.status_code in {400, 409}
    assert "уже зарегистрирован" in response.text


def test_one_click_refuses_a_file_of_another_type(browser: Browser) -> None:
    """The shop's attachment types apply; the message is next to the file field."""
    response = browser.post(
        "/register/request",
        data={
            "_csrf_token": browser.get("/register/request").cookies.get("b2b_csrf")
            or browser.cookies["b2b_csrf"],
            "full_name": "Иван Петров",
            "email": "ivan@ip.example.ru",
        },
        files={"attachment": ("evil.exe", b"MZ...", "application/x-msdownload")},
    )
    assert response.status_code == 400
    assert "Файл" in error_next_to(response, "attachment")


def test_one_click_takes_a_pdf(browser: Browser) -> None:
    browser.get("/register/request")
    response = browser.post(
        "/register/request",
        data={
            "_csrf_token": browser.cookies["b2b_csrf"],
            "full_name": "Иван Петров",
            "email": "ivan@ip.example.ru",
            "inn": ENTREPRENEUR_INN,
        },
        files={"attachment": ("реквизиты.pdf", b"%PDF-1.4 ...", "application/pdf")},
    )
    assert response.status_code == 200
    assert "Спасибо" in response.text


def test_a_bad_quantity_in_the_cart_is_shown_on_its_line(supervisor_browser: Browser) -> None:
    submit(supervisor_browser, "/cart/add", {"sku": "PAPER", "quantity": "2"})
    response = submit(supervisor_browser, "/cart/update", {"qty-PAPER": "много"})
    assert response.status_code == 400
    assert "целым числом" in error_next_to(response, "qty-PAPER")


def test_the_cart_places_an_order(supervisor_browser: Browser, cast: Cast) -> None:
    """Add, see the quote with delivery, place for a company and an address."""
    submit(supervisor_browser, "/cart/add", {"sku": "PAPER", "quantity": "3"})
    cart = supervisor_browser.get("/cart").text
    assert "Доставка" in cart
    assert "1\u202f500,00\u00a0₽" in cart  # narrow no-break space between thousands
    response = submit(
        supervisor_browser,
        "/cart/place",
        {"company_id": cast.head_office_id, "address_id": cast.address_id},
    )
    assert response.status_code == 303
    order_page = supervisor_browser.get(response.headers["location"]).text
    assert "Бумага А4" in order_page
    assert "Корзина пуста" in supervisor_browser.get("/cart").text


def test_placing_an_empty_cart_is_refused(supervisor_browser: Browser, cast: Cast) -> None:
    response = submit(
        supervisor_browser,
        "/cart/place",
        {"company_id": cast.head_office_id, "address_id": cast.address_id},
    )
    assert response.status_code == 400


def test_an_unknown_product_is_not_added(supervisor_browser: Browser) -> None:
    response = submit(supervisor_browser, "/cart/add", {"sku": "NOPE", "quantity": "1"})
    assert response.status_code == 303
    assert "нет в каталоге" in supervisor_browser.get("/catalogue").text


def test_a_bad_date_filter_is_explained(supervisor_browser: Browser) -> None:
    response = supervisor_browser.get("/orders?from=26.11.2026")
    assert response.status_code == 400
    assert "датой" in response.text


def test_an_address_needs_a_label_and_an_address(supervisor_browser: Browser) -> None:
    response = submit(supervisor_browser, "/addresses", {"label": "", "address": ""})
    assert response.status_code == 400
    assert "не может быть пустым" in error_next_to(response, "label")


def test_a_bad_bank_account_is_explained(supervisor_browser: Browser, cast: Cast) -> None:
    response = submit(
        supervisor_browser,
        f"/companies/{cast.head_office_id}/edit",
        {"short_name": "Ромашка", "bik": "044525225", "settlement_account": "123", "enabled": "1"},
    )
    assert response.status_code == 400
    assert "Расчётный счёт" in response.text


def test_a_supervisor_adds_an_employee_and_invites_them(
    supervisor_browser: Browser, cast: Cast, app: B2B
) -> None:
    response = submit(
        supervisor_browser,
        "/users/add",
        {
            "full_name": "Новый Сотрудник",
            "email": "new@romashka.example.ru",
            "role": "employee",
            "company_ids": [cast.head_office_id],
        },
    )
    assert response.status_code == 303
    assert app.accounts.has_login("new@romashka.example.ru")
    assert "Новый Сотрудник" in supervisor_browser.get("/users").text


def test_a_taken_email_is_refused_next_to_the_form(supervisor_browser: Browser) -> None:
    response = submit(
        supervisor_browser,
        "/users/add",
        {"full_name": "Кто-то", "email": OTHER_BUYER_EMAIL, "role": "employee"},
    )
    assert response.status_code == 400
    assert "уже есть" in response.text


def test_cancel_of_an_invoiced_order_works_and_of_a_paid_one_is_explained(
    supervisor_browser: Browser, shop: Shop
) -> None:
    response = submit(supervisor_browser, f"/orders/{shop.invoiced.id}/cancel", {"reason": "x"})
    assert response.status_code == 303
    assert "отменён" in supervisor_browser.get(response.headers["location"]).text
    response = submit(supervisor_browser, f"/orders/{shop.paid.id}/cancel", {"reason": "x"})
    assert response.status_code == 303
    assert "недоступно" in supervisor_browser.get(response.headers["location"]).text


def test_a_wrong_current_password_is_refused(supervisor_browser: Browser) -> None:
    response = submit(
        supervisor_browser,
        "/account/password",
        {
            "current_password": "wrong one here",
            "password": "a new long secret",
            "password_repeat": "a new long secret",
        },
    )
    assert response.status_code == 400
    assert "Текущий пароль" in error_next_to(response, "current_password")
