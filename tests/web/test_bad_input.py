"""Bad input and bad credentials: a 4xx with a readable Russian message, never a 500."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import InvalidValue, Unavailable
from b2bcore.web import TokenBook, create_app, parse_tokens
from tests.web.conftest import SUPERVISOR_TOKEN, Shop, bearer

Client = TestClient[Litestar]
A = bearer(SUPERVISOR_TOKEN)
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def refusal(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert CYRILLIC.search(body["message"]), body
    return body


def test_malformed_json_is_a_400(http: Client) -> None:
    """A body that is not JSON is refused with a readable message."""
    response = http.post(
        "/api/v1/quote", content=b"{items: [", headers={**A, "content-type": "application/json"}
    )
    assert refusal(response)["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": [{"sku": "PAPER", "quantity": "two"}]}, "items[0].quantity"),
        ({"items": "PAPER"}, "items"),
        ({"items": [{"sku": "PAPER", "quantity": 1, "price": 1}]}, None),
        ({}, None),
    ],
)
def test_wrong_shapes_are_a_400(http: Client, body: dict[str, Any], field: str | None) -> None:
    """Wrong types, unknown and missing fields are refused, naming the field when known."""
    answer = refusal(http.post("/api/v1/quote", json=body, headers=A))
    if field is not None:
        assert answer["field"] == field


@pytest.mark.parametrize(
    ("item", "field", "text"),
    [
        ({"sku": "PAPER", "quantity": -1}, "quantity", "Количество"),
        ({"sku": "PAPER", "quantity": 10**7}, "quantity", "Количество"),
        ({"sku": "NO-SUCH", "quantity": 1}, "sku", "нет в каталоге"),
        ({"sku": "  ", "quantity": 1}, "sku", "Артикул"),
    ],
)
def test_domain_rules_are_a_400_in_russian(
    http: Client, item: dict[str, Any], field: str, text: str
) -> None:
    """The domain's own validation reaches the client as field and Russian rule."""
    answer = refusal(http.post("/api/v1/quote", json={"items": [item]}, headers=A))
    assert answer["error"] == "invalid_value"
    assert answer["field"] == field
    assert text in answer["message"]


def test_an_empty_cart_is_a_400(http: Client) -> None:
    """A quote needs at least one line."""
    refusal(http.post("/api/v1/quote", json={"items": []}, headers=A))


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 100_000},
        {"limit": 0},
        {"offset": -1},
        {"limit": "many"},
        {"from": "26.11.2026"},
        {"status": "lost"},
    ],
)
def test_bad_list_parameters_are_a_400(http: Client, params: dict[str, Any]) -> None:
    """Page bounds, dates and statuses are checked."""
    refusal(http.get("/api/v1/orders", params=params, headers=A))


def test_rejecting_without_a_reason_is_a_400(http: Client, shop: Shop) -> None:
    """A rejection needs a reason the buyer will read."""
    response = http.post(
        f"/api/v1/queue/{shop.in_review.id}/reject",
        json={"reason": " "},
        headers=bearer("manager-token-of-the-shop-00"),
    )
    assert refusal(response)["field"] == "reason"


def test_an_illegal_transition_is_a_409(http: Client, app: B2B, shop: Shop) -> None:
    """Cancelling a cancelled order is a conflict with a Russian message."""
    url = f"/api/v1/orders/{shop.invoiced.id}/cancel"
    assert http.post(url, json={}, headers=A).status_code == 200
    assert refusal(http.post(url, json={}, headers=A), 409)["error"] == "illegal_transition"


def test_a_cancelled_order_has_no_intervals_and_cannot_be_scheduled(
    http: Client, shop: Shop
) -> None:
    """Its reservation is released: no intervals on offer, and choosing one is a 409, not
    the ERP's refusal as a 502 (found by schemathesis)."""
    order = f"/api/v1/orders/{shop.invoiced.id}"
    assert http.post(f"{order}/cancel", json={}, headers=A).status_code == 200
    intervals = http.get(f"{order}/intervals", headers=A)
    assert (intervals.status_code, intervals.json()) == (200, [])
    chosen = http.post(f"{order}/interval", json={"interval_id": "2026-11-27T09"}, headers=A)
    assert refusal(chosen, 409)["error"] == "illegal_transition"


def test_an_unavailable_system_is_a_503(http: Client, world: InMemoryWorld, shop: Shop) -> None:
    """The warehouse down when asked for intervals: 503, retry later."""
    world.erp.fail_next(1, Unavailable("sap", "503 Service Unavailable"))
    response = http.get(f"/api/v1/orders/{shop.paid.id}/intervals", headers=A)
    assert refusal(response, 503)["error"] == "unavailable"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-wrong-token"},
        {"Authorization": f"Basic {SUPERVISOR_TOKEN}"},
        {"Authorization": f"Bearer {SUPERVISOR_TOKEN[:-1]}"},
        {"Authorization": "Bearer"},
    ],
)
def test_missing_or_wrong_tokens_are_the_same_401(http: Client, headers: dict[str, str]) -> None:
    """No token, a wrong one or a wrong scheme: one 401, which says nothing about why."""
    response = http.get("/api/v1/cabinet", headers=headers)
    body = refusal(response, 401)
    assert body == {"error": "unauthorized", "message": body["message"], "field": None}
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_route_is_a_404(http: Client) -> None:
    """A path the API does not have is a readable 404."""
    assert refusal(http.get("/api/v1/nothing", headers=A), 404)["error"] == "not_found"


def test_an_unexpected_error_is_a_500_without_internals(app: B2B) -> None:
    """A bug answers 500 with a generic Russian message; the details stay in the log."""

    @get("/api/v1/broken", sync_to_thread=False)
    def broken() -> None:
        raise RuntimeError("secret internals")

    asgi = create_app(app, tokens={SUPERVISOR_TOKEN: Actor.manager("mgr-1")})
    asgi.register(broken)
    with TestClient(asgi, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/broken", headers=A)
    body = refusal(response, 500)
    assert "secret" not in response.text
    assert body["error"] == "internal_error"


def test_tokens_must_be_long_and_name_people() -> None:
    """Short tokens and tokens acting as the system are refused at start-up."""
    with pytest.raises(InvalidValue):
        TokenBook({"short": Actor.manager("mgr-1")})
    with pytest.raises(InvalidValue):
        TokenBook({"x" * 20: Actor.system()})


def test_tokens_parse_from_the_environment_format() -> None:
    """B2B_API_TOKENS names each token's manager or buyer."""
    parsed = parse_tokens(" t1=manager:mgr-1 ; t2=buyer:contact-1:client-1 ;")
    assert parsed == {"t1": Actor.manager("mgr-1"), "t2": Actor.buyer("contact-1", "client-1")}
    with pytest.raises(InvalidValue):
        parse_tokens("t3=system:worker")
