"""Tenant isolation, walked generically: every API route, with client A's tokens, against
every object id of client B, answers 404 (403 on manager-only routes), never B's data,
never a 500.

The routes come from the application's own route table, so a new route is covered the
day it is added; a new path parameter or a POST route needing a body fails the walk
until it is given a substitute below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient

from b2bcore.web import API_PREFIX
from b2bcore.web.deps import MANAGERS_ONLY
from tests.builders import Cast
from tests.web.conftest import EMPLOYEE_TOKEN, SUPERVISOR_TOKEN, Shop, bearer

Client = TestClient[Litestar]
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


@attrs.frozen
class Call:
    method: str
    template: str
    handler: HTTPRouteHandler

    @property
    def manager_only(self) -> bool:
        return bool(self.handler.opt.get(MANAGERS_ONLY))


def api_calls(app: Litestar) -> Iterator[Call]:
    for route in app.routes:
        if not route.path.startswith(API_PREFIX):
            continue
        for handler in route.route_handlers:
            assert isinstance(handler, HTTPRouteHandler)
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                yield Call(method, route.path, handler)


def foreign_ids(shop: Shop) -> dict[str, str]:
    """Client B's object for each path parameter the API knows."""
    return {"order_id": shop.other.id, "key": shop.other.documents[0].storage_key}


def foreign_body(call: Call, cast: Cast) -> dict[str, Any]:
    """A valid body naming client B's objects wherever a body names any."""
    path = call.template.removeprefix(API_PREFIX)
    items = [{"sku": "PAPER", "quantity": 1}]
    bodies: dict[str, dict[str, Any]] = {
        "/orders": {
            "company_id": cast.other_company_id,
            "address_id": cast.other_address_id,
            "items": items,
        },
        "/quote": {"client_id": cast.other_client_id, "items": items},
        "/orders/{order_id:str}/interval": {"interval_id": "2026-11-27T09"},
        "/queue/{order_id:str}/reject": {"reason": "чужой заказ"},
    }
    return bodies.get(path, {})


def secrets_of_b(shop: Shop, cast: Cast) -> list[str]:
    other = shop.other
    return [other.id, other.number, cast.other_client_id, cast.other_company_id, "Василёк"]


def test_the_walk_covers_every_api_route(asgi: Litestar) -> None:
    """Guards the walk: it sees the API's routes, including the manager's."""
    calls = list(api_calls(asgi))
    assert len(calls) >= 13
    assert any(call.manager_only for call in calls)


@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, EMPLOYEE_TOKEN])
def test_client_a_never_reaches_client_b(
    http: Client, asgi: Litestar, shop: Shop, cast: Cast, token: str
) -> None:
    """Every route called by A with B's ids (in path, query or body) is a 404, or a 403 on
    manager-only routes; B's data never shows and nothing fails with a 500."""
    ids = foreign_ids(shop)
    failures = []
    for call in api_calls(asgi):
        names = PARAMETER.findall(call.template)
        unknown = set(names) - ids.keys()
        assert not unknown, f"give {call.template} a foreign substitute for {unknown}"
        path = PARAMETER.sub(lambda m: ids[m.group(1)], call.template)
        response = http.request(
            call.method,
            path,
            params={"client_id": cast.other_client_id, "company": cast.other_company_id},
            json=foreign_body(call, cast) if call.method == "POST" else None,
            headers=bearer(token),
        )
        expected = 403 if call.manager_only else 404
        leaked = [s for s in secrets_of_b(shop, cast) if s in response.text]
        if response.status_code != expected or leaked:
            failures.append((call.method, call.template, response.status_code, leaked))
    assert failures == []


def test_b_document_key_on_an_order_of_a_is_not_found(http: Client, shop: Shop) -> None:
    """A's own order id with B's document key does not serve B's document."""
    key = shop.other.documents[0].storage_key
    response = http.get(
        f"/api/v1/orders/{shop.invoiced.id}/documents/{key}", headers=bearer(SUPERVISOR_TOKEN)
    )
    assert response.status_code == 404
    assert not response.content.startswith(b"%PDF")


def test_a_missing_id_and_a_foreign_id_answer_alike(http: Client, shop: Shop) -> None:
    """Ids cannot be probed: another tenant's order reads exactly like one that never existed."""
    headers = bearer(SUPERVISOR_TOKEN)
    foreign = http.get(f"/api/v1/orders/{shop.other.id}", headers=headers)
    missing = http.get("/api/v1/orders/no-such-order", headers=headers)
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
