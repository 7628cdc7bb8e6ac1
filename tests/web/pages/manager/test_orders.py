"""An order on a client's behalf, placed by the manager from the pages."""

from __future__ import annotations

from b2bcore.application import B2B
from b2bcore.domain.order import OrderStatus
from tests.builders import Cast, read_order
from tests.web.pages.conftest import Browser, submit

NEW_ORDER = "/manager/orders/new"


def test_choosing_a_client_shows_its_companies_addresses_and_products(
    manager_browser: Browser, cast: Cast
) -> None:
    """First the client, then everything of that client to order with."""
    choose = manager_browser.get(NEW_ORDER)
    assert "Выберите клиента" in choose.text
    assert 'name="company_id"' not in choose.text
    form = manager_browser.get(NEW_ORDER, params={"client": cast.client_id})
    assert f'value="{cast.branch_id}"' in form.text
    assert f'value="{cast.address_id}"' in form.text
    assert 'name="qty-PAPER"' in form.text


def test_manager_places_an_order_for_the_client(
    manager_browser: Browser, app: B2B, cast: Cast
) -> None:
    """The order is the client's, for the chosen company, and the review page shows it."""
    response = submit(
        manager_browser,
        NEW_ORDER,
        {
            "client_id": cast.client_id,
            "company_id": cast.branch_id,
            "address_id": cast.address_id,
            "qty-PAPER": "3",
            "qty-PEN": "",
        },
    )
    assert response.status_code == 303
    order_id = response.headers["location"].rsplit("/", 1)[1]
    order = read_order(app, order_id)
    assert (order.client_id, order.company_id) == (cast.client_id, cast.branch_id)
    assert [(line.sku, line.quantity) for line in order.lines] == [("PAPER", 3)]
    assert order.status is OrderStatus.PLACED
    assert order.number in manager_browser.get(response.headers["location"]).text


def test_an_order_without_quantities_is_refused_next_to_the_products(
    manager_browser: Browser, cast: Cast
) -> None:
    """No quantity, or one that is not a number: 400 and the reason on the form."""
    fields = {"client_id": cast.client_id, "company_id": cast.head_office_id}
    empty = submit(manager_browser, NEW_ORDER, {**fields, "address_id": cast.address_id})
    assert empty.status_code == 400
    assert "хотя бы одна строка" in empty.text
    bad = submit(
        manager_browser, NEW_ORDER, {**fields, "address_id": cast.address_id, "qty-PEN": "много"}
    )
    assert bad.status_code == 400
    assert "должно быть целым числом" in bad.text


def test_a_company_or_address_of_another_client_is_refused(
    manager_browser: Browser, app: B2B, cast: Cast
) -> None:
    """Client A with client B's address: refused with a 4xx page, no order is placed."""
    before = len(app.cabinet.orders(cast.manager, client_id=cast.client_id))
    response = submit(
        manager_browser,
        NEW_ORDER,
        {
            "client_id": cast.client_id,
            "company_id": cast.head_office_id,
            "address_id": cast.other_address_id,
            "qty-PAPER": "1",
        },
    )
    assert 400 <= response.status_code < 500
    assert len(app.cabinet.orders(cast.manager, client_id=cast.client_id)) == before


def test_an_unknown_client_is_said_so(manager_browser: Browser) -> None:
    """A client id that does not exist: 400 with the message, no order form."""
    response = manager_browser.get(NEW_ORDER, params={"client": "no-such-client"})
    assert response.status_code == 400
    assert 'name="company_id"' not in response.text
