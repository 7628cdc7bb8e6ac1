"""Clients: the list with search, a client's card, and a new client with its cabinet."""

from __future__ import annotations

import re

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.client import Manager
from tests.builders import (
    MANAGER,
    ROMASHKA_BRANCH_KPP,
    ROMASHKA_INN,
    SHOP_MANAGER,
    VASILEK_INN,
    Cast,
)
from tests.web.conftest import Shop
from tests.web.pages.conftest import Browser, sign_in, submit

SBERBANK_INN = "7707083893"  # in the demo company directory, no client has it
NEW_BUYER = "m.orlova@sber.example.ru"
SECOND_MANAGER = Manager(id="mgr-2", full_name="Борис Петров", email="b.petrov@shop.example.ru")


def new_client(inn: str = SBERBANK_INN, **fields: str) -> dict[str, str]:
    return {"inn": inn, "full_name": "Мария Орлова", "email": NEW_BUYER, **fields}


def test_clients_are_listed_and_found_by_name_or_inn(manager_browser: Browser) -> None:
    """Both clients are listed; a search by INN or part of a name narrows the list."""
    everyone = manager_browser.get("/manager/clients")
    assert "Ромашка" in everyone.text
    assert "Василёк" in everyone.text
    by_inn = manager_browser.get("/manager/clients", params={"q": VASILEK_INN})
    assert "Василёк" in by_inn.text
    assert "Ромашка" not in by_inn.text
    by_name = manager_browser.get("/manager/clients", params={"q": "ромаш"})
    assert "Ромашка" in by_name.text
    assert "Василёк" not in by_name.text
    nobody = manager_browser.get("/manager/clients", params={"q": "нет такого"})
    assert "Клиенты не найдены" in nobody.text


def test_client_list_says_how_many_were_found(manager_browser: Browser) -> None:
    """The number of matches is shown with the list, and each client's main INN."""
    everyone = manager_browser.get("/manager/clients")
    assert "Найдено клиентов: 2" in everyone.text
    assert ROMASHKA_INN in everyone.text
    by_name = manager_browser.get("/manager/clients", params={"q": "ромаш"})
    assert "Найдено клиентов: 1" in by_name.text


def test_client_list_is_paginated(manager_browser: Browser) -> None:
    """A page number past the end shows an empty page, never an error."""
    page = manager_browser.get("/manager/clients", params={"page": "50"})
    assert page.status_code == 200
    assert "Клиенты не найдены" in page.text
    assert manager_browser.get("/manager/clients", params={"page": "zero"}).status_code == 400


def test_client_card_shows_companies_users_addresses_and_order_links(
    manager_browser: Browser, cast: Cast, shop: Shop
) -> None:
    """Everything a manager needs about a client, with links to its orders."""
    card = manager_browser.get(f"/manager/clients/{cast.client_id}")
    assert card.status_code == 200
    assert ROMASHKA_BRANCH_KPP in card.text
    assert "p.ivanov@romashka.example.ru" in card.text
    assert "o.petrova@romashka.example.ru" in card.text
    assert "Садовая-Кудринская" in card.text
    assert f'href="/manager/orders/{shop.paid.id}"' in card.text
    assert shop.other.number not in card.text  # client B's order is not A's


def test_unknown_client_is_404(manager_browser: Browser) -> None:
    """A client id that does not exist: the 404 page."""
    assert manager_browser.get("/manager/clients/no-such-client").status_code == 404


def test_creating_a_client_looks_the_inn_up_first(manager_browser: Browser, app: B2B) -> None:
    """Without ``confirm`` the registry's requisites are shown; nothing is created yet."""
    response = submit(manager_browser, "/manager/clients/new", new_client())
    assert response.status_code == 200
    assert "СБЕРБАНК" in response.text
    assert 'name="confirm"' in response.text
    assert not app.accounts.has_login(NEW_BUYER)


def test_a_company_with_branches_offers_the_kpp_choice(manager_browser: Browser) -> None:
    """Several registry entries: the manager picks the branch by its KPP."""
    response = submit(manager_browser, "/manager/clients/new", new_client(ROMASHKA_INN))
    assert response.status_code == 200
    assert len(re.findall(r'type="radio" name="kpp"', response.text)) == 2


def test_an_already_registered_company_is_refused_readably(manager_browser: Browser) -> None:
    """Creating a client for a registered INN/KPP: a 409 that says why."""
    response = submit(
        manager_browser,
        "/manager/clients/new",
        new_client(ROMASHKA_INN, kpp=ROMASHKA_BRANCH_KPP, confirm="1"),
    )
    assert response.status_code == 409
    assert "уже зарегистрирован" in response.text


def test_bad_input_is_shown_next_to_the_fields(manager_browser: Browser) -> None:
    """Missing fields and a bad INN checksum: 400 and a message under each field."""
    empty = submit(manager_browser, "/manager/clients/new", {"inn": ""})
    assert empty.status_code == 400
    assert empty.text.count("не может быть пустым") == 3
    bad = submit(manager_browser, "/manager/clients/new", new_client("7707083894"))
    assert bad.status_code == 400
    assert 'id="e-inn"' in bad.text
    bad_email = submit(
        manager_browser, "/manager/clients/new", new_client(email="нет-почты", confirm="1")
    )
    assert bad_email.status_code == 400
    assert 'id="e-email"' in bad_email.text


def test_new_client_gets_an_invitation_and_can_sign_in(
    manager_browser: Browser, browser: Browser, world: InMemoryWorld, app: B2B
) -> None:
    """Create: the supervisor is emailed a set-password link that works, then signs in."""
    response = submit(manager_browser, "/manager/clients/new", new_client(confirm="1"))
    assert response.status_code == 303
    card = manager_browser.get(response.headers["location"])
    assert "СБЕРБАНК" in card.text
    assert NEW_BUYER in card.text

    letters = world.mailer.to(NEW_BUYER)
    assert len(letters) == 1  # the login and the link in one letter, no welcome besides
    assert "/password/reset?token=" in letters[0].text
    assert NEW_BUYER in letters[0].text
    link = re.search(r"https?://\S+/password/reset\?token=(\S+)", letters[0].text)
    assert link is not None
    token = link.group(1)
    assert browser.get(f"/password/reset?token={token}").status_code == 200
    new_password = "orlova's own password"
    set_password = submit(
        browser,
        "/password/reset",
        {"token": token, "password": new_password, "password_repeat": new_password},
    )
    assert set_password.status_code == 303
    browser.post("/logout", data={"_csrf_token": browser.cookies["b2b_csrf"]})
    assert sign_in(browser, NEW_BUYER, new_password).headers["location"] == "/"
    assert "СБЕРБАНК" in browser.get("/").text


def test_the_creating_manager_is_chosen_by_default(manager_browser: Browser, app: B2B) -> None:
    """The form offers every manager, the one filling it in selected."""
    app.catalogue.add_manager(SECOND_MANAGER)
    form = manager_browser.get("/manager/clients/new")
    assert f'<option value="{SHOP_MANAGER.id}" selected>' in form.text
    assert f'<option value="{SECOND_MANAGER.id}">' in form.text


def test_the_new_client_gets_the_manager_chosen(manager_browser: Browser, app: B2B) -> None:
    """Another manager chosen on the form owns the new client."""
    app.catalogue.add_manager(SECOND_MANAGER)
    response = submit(
        manager_browser,
        "/manager/clients/new",
        new_client(confirm="1", manager_id=SECOND_MANAGER.id),
    )
    assert response.status_code == 303
    client_id = response.headers["location"].rsplit("/", 1)[1]
    assert app.cabinet.client(MANAGER, client_id).manager_id == SECOND_MANAGER.id


def test_an_unknown_manager_is_shown_next_to_the_field(manager_browser: Browser) -> None:
    """A manager id of nobody: 400, the message under the select, no client created."""
    response = submit(
        manager_browser, "/manager/clients/new", new_client(confirm="1", manager_id="nobody")
    )
    assert response.status_code == 400
    assert "не менеджер магазина" in response.text
