"""Tenant isolation on the pages, walked like the API's (tests/web/test_isolation.py):
every page route with an object in its path, called by client A's buyers with
client B's ids, is a 404 page (403 where the page is for supervisors and an
employee asks), never B's data, never a 500.

Routes come from the app's route table; a new path parameter fails the walk until
it gets a substitute in ``foreign_ids``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from b2bcore.application import B2B
from tests.builders import Cast, cart
from tests.web.conftest import Shop
from tests.web.pages.conftest import Browser, csrf_token

PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
NOT_OBJECTS = ("/api", "/static", "/lang/")


@attrs.frozen
class Call:
    method: str
    template: str
    handler: HTTPRouteHandler

    @property
    def for_supervisors(self) -> bool:
        return "supervisor" in self.handler.parsed_fn_signature.parameters


def object_pages(app: Litestar) -> Iterator[Call]:
    for route in app.routes:
        if route.path.startswith(NOT_OBJECTS) or not PARAMETER.search(route.path):
            continue
        for handler in route.route_handlers:
            assert isinstance(handler, HTTPRouteHandler)
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                yield Call(method, route.path, handler)


def foreign_ids(shop: Shop, cast: Cast) -> dict[str, str]:
    return {
        "order_id": shop.other.id,
        "key": shop.other.documents[0].storage_key,
        "company_id": cast.other_company_id,
        "contact_id": cast.other_buyer.id,
        "address_id": cast.other_address_id,
        "client_id": cast.other_client_id,
    }


def test_the_walk_covers_the_object_pages(site: Litestar) -> None:
    """Guards the walk: orders, documents, companies, users and addresses are in it."""
    templates = {call.template for call in object_pages(site)}
    assert len(templates) >= 8
    assert any(call.for_supervisors for call in object_pages(site))


@pytest.mark.parametrize("who", ["supervisor_browser", "employee_browser"])
def test_client_a_never_reaches_client_b_on_the_pages(
    request: pytest.FixtureRequest, site: Litestar, shop: Shop, cast: Cast, who: str
) -> None:
    """Every object page of B, asked for by A, is a 404 (or a 403 for an employee on a
    supervisor's page); B's data never shows."""
    browser: Browser = request.getfixturevalue(who)
    ids = foreign_ids(shop, cast)
    secrets = [shop.other.number, "Василёк", "Лесная"]
    failures = []
    for call in object_pages(site):
        names = PARAMETER.findall(call.template)
        manager = call.template.startswith("/manager/")  # refused before any id is read
        assert manager or not set(names) - ids.keys(), f"give {call.template} a substitute"
        path = PARAMETER.sub(lambda m: ids.get(m.group(1), "some-id"), call.template)
        body = {
            "_csrf_token": csrf_token(browser),
            "company_ids": cast.other_company_id,
            "interval_id": "2026-11-27T09",
            "reason": "x",
        }
        response = browser.request(
            call.method, path, data=body if call.method == "POST" else None, follow_redirects=False
        )
        if manager:
            expected = {403, 404}  # the manager's pages turn every buyer away
        elif call.for_supervisors and who == "employee_browser":
            expected = {403}
        else:
            expected = {404}
        leaked = [s for s in secrets if s in response.text]
        if response.status_code not in expected or leaked:
            failures.append((call.method, call.template, response.status_code, leaked))
    assert failures == []


def test_a_foreign_order_reads_like_a_missing_one(supervisor_browser: Browser, shop: Shop) -> None:
    """Ids cannot be probed: B's order page is the same 404 page as a made-up id."""
    foreign = supervisor_browser.get(f"/orders/{shop.other.id}")
    missing = supervisor_browser.get(f"/orders/{'0' * len(shop.other.id)}")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.text.replace(shop.other.id, "ID") == missing.text.replace("0" * 32, "ID")


def test_employee_cannot_open_an_order_of_a_company_not_granted(
    employee_browser: Browser, supervisor_browser: Browser, app: B2B, cast: Cast
) -> None:
    """An employee sees only the orders of the companies granted to them."""
    branch_order = app.ordering.place(
        cast.supervisor, company_id=cast.branch_id, items=cart(PAPER=1), address_id=cast.address_id
    )
    assert supervisor_browser.get(f"/orders/{branch_order.id}").status_code == 200
    assert employee_browser.get(f"/orders/{branch_order.id}").status_code == 404
