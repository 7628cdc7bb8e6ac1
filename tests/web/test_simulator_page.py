"""The demo's simulator page: pay an invoice in the 1C simulator, ship an order in the SAP
one, read the letters the mail simulator kept -- and it exists only in demo mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from b2bcore import demo as scenario
from b2bcore.cli.demo_site import DemoSite, demo_site
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.web import create_app
from b2bcore.web.pages.simulator import with_links

Browser = TestClient[Litestar]


@pytest.fixture
def site(tmp_path: Path) -> DemoSite:
    return demo_site(tmp_path / "demo.db")


@pytest.fixture
def browser(site: DemoSite) -> Iterator[Browser]:
    with TestClient(site.web, raise_server_exceptions=False) as client:
        yield client


def _submit(browser: Browser, path: str, **fields: str) -> httpx.Response:
    if "b2b_csrf" not in browser.cookies:
        browser.get("/demo")
    data = {"_csrf_token": str(browser.cookies["b2b_csrf"]), **fields}
    return browser.post(path, data=data, follow_redirects=True)


def _orders(site: DemoSite) -> dict[OrderStatus, Order]:
    return {o.status: o for o in site.shop.app.cabinet.orders(site.shop.buyer)}


def _invoice_number(order: Order) -> str:
    assert order.invoice is not None
    return order.invoice.number


def test_the_page_lists_open_invoices_pending_shipments_and_letters(
    site: DemoSite, browser: Browser
) -> None:
    """The invoiced order's invoice, the scheduled order's transport and the sent mail show."""
    orders = _orders(site)
    page = browser.get("/demo").text
    assert _invoice_number(orders[OrderStatus.INVOICED]) in page
    assert orders[OrderStatus.TRANSPORT_REQUESTED].number in page
    assert "Оплатить счёт" in page
    assert "Отгрузить" in page
    assert f"Счёт {_invoice_number(orders[OrderStatus.INVOICED])} по заказу" in page


def test_paying_in_full_makes_the_order_paid(site: DemoSite, browser: Browser) -> None:
    """The button pays what is owed; the worker's next pass marks the order paid."""
    order = _orders(site)[OrderStatus.INVOICED]
    page = _submit(browser, "/demo/pay", invoice=_invoice_number(order))
    assert "проведён" in page.text
    site.shop.app.processing.run_until_idle()
    assert site.shop.app.cabinet.order(site.shop.buyer, order.id).status is OrderStatus.PAID


def test_a_partial_payment_leaves_the_invoice_open(site: DemoSite, browser: Browser) -> None:
    """An amount typed with a comma is booked; the rest is still owed."""
    number = _invoice_number(_orders(site)[OrderStatus.INVOICED])
    _submit(browser, "/demo/pay", invoice=number, amount="1000,50")
    [invoice] = site.shop.world.ledger.open_invoices()
    assert (invoice.number, invoice.paid) == (number, Decimal("1000.50"))


@pytest.mark.parametrize("amount", ["-5", "abc", "NaN"])
def test_a_bad_amount_is_refused_with_a_message(
    site: DemoSite, browser: Browser, amount: str
) -> None:
    """Nothing is booked for an amount that is not a positive number."""
    number = _invoice_number(_orders(site)[OrderStatus.INVOICED])
    page = _submit(browser, "/demo/pay", invoice=number, amount=amount)
    assert "положительным числом" in page.text
    assert site.shop.world.ledger.open_invoices()[0].paid == 0


def test_shipping_moves_the_order_to_shipped(site: DemoSite, browser: Browser) -> None:
    """The warehouse ships the transport; the worker's next pass marks the order shipped."""
    order = _orders(site)[OrderStatus.TRANSPORT_REQUESTED]
    assert order.transport_request is not None
    _submit(browser, "/demo/ship", transport=order.transport_request)
    site.shop.app.processing.run_until_idle()
    assert site.shop.app.cabinet.order(site.shop.buyer, order.id).status is OrderStatus.SHIPPED
    assert site.shop.world.erp.pending_shipments() == []


def test_a_form_without_its_csrf_token_is_refused(site: DemoSite, browser: Browser) -> None:
    """The simulator's forms are CSRF-protected like every other form."""
    number = _invoice_number(_orders(site)[OrderStatus.INVOICED])
    response = browser.post("/demo/pay", data={"invoice": number})
    assert response.status_code == 403
    assert site.shop.world.ledger.open_invoices()[0].paid == 0


def test_a_letter_shows_its_links_clickable(site: DemoSite, browser: Browser) -> None:
    """The password-reset letter's link can be followed from the letter page."""
    site.shop.app.accounts.request_password_reset(
        scenario.SUPERVISOR.email, "http://testserver.local/password/reset/{token}"
    )
    index = len(site.shop.world.mailer.sent) - 1
    page = browser.get(f"/demo/mail/{index}").text
    assert re.search(r'<a href="http://testserver.local/password/reset/[^"]+">', page)


def test_links_are_made_from_escaped_text() -> None:
    """Markup in a letter stays text; only the address becomes a link."""
    html = str(with_links("<b>x</b> see https://shop.example/a?b=1&c=2."))
    assert html.startswith("&lt;b&gt;x&lt;/b&gt; see ")
    assert '<a href="https://shop.example/a?b=1&amp;c=2">' in html
    assert html.endswith("</a>.")


def test_without_simulators_there_is_no_simulator_page(site: DemoSite) -> None:
    """A shop's own app (no simulators given) has no /demo page and no demo banner."""
    with TestClient(create_app(site.shop.app, tokens={})) as client:
        assert client.get("/demo").status_code == 404
        assert "demo-banner" not in client.get("/login").text
