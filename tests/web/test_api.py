"""Each route of the JSON API on its happy path."""

from __future__ import annotations

from decimal import Decimal

from litestar import Litestar
from litestar.testing import TestClient

from b2bcore.application import B2B
from b2bcore.domain.order import OrderStatus
from tests.builders import SHOP_MANAGER, Cast, read_order
from tests.web.conftest import MANAGER_TOKEN, SUPERVISOR_TOKEN, Shop, bearer

Client = TestClient[Litestar]
A = bearer(SUPERVISOR_TOKEN)


def test_cabinet_shows_discount_next_tier_and_manager(http: Client, cast: Cast) -> None:
    """The cabinet summary names the discount, the sum to the next tier and the manager."""
    body = http.get("/api/v1/cabinet", headers=A).json()
    assert body["client_id"] == cast.client_id
    assert body["discount"]["percent"] == "0.00"
    assert Decimal(body["discount"]["amount_to_next"]) > 0
    assert body["manager"] == {
        "full_name": SHOP_MANAGER.full_name,
        "email": SHOP_MANAGER.email,
        "phone": SHOP_MANAGER.phone,
    }
    assert {c["id"] for c in body["companies"]} == {cast.head_office_id, cast.branch_id}


def test_a_manager_reads_the_cabinet_of_a_named_client(http: Client, cast: Cast) -> None:
    """A manager names the client with ?client_id."""
    response = http.get(
        "/api/v1/cabinet", params={"client_id": cast.other_client_id}, headers=bearer(MANAGER_TOKEN)
    )
    assert response.json()["client_id"] == cast.other_client_id


def test_orders_list_only_the_clients_own(http: Client, shop: Shop) -> None:
    """The list holds the client's own orders only."""
    ids = {o["id"] for o in http.get("/api/v1/orders", headers=A).json()}
    assert ids == {shop.in_review.id, shop.paid.id, shop.invoiced.id}


def test_orders_filter_by_status_company_and_dates(http: Client, shop: Shop, cast: Cast) -> None:
    """status, company, from and to narrow the list."""
    by_status = http.get("/api/v1/orders", params={"status": "paid"}, headers=A).json()
    assert [o["id"] for o in by_status] == [shop.paid.id]
    by_company = http.get("/api/v1/orders", params={"company": cast.branch_id}, headers=A)
    assert by_company.json() == []
    today = shop.paid.placed_at.date().isoformat()
    in_range = http.get("/api/v1/orders", params={"from": today, "to": today}, headers=A)
    assert len(in_range.json()) == 3
    before = http.get("/api/v1/orders", params={"to": "2026-01-01"}, headers=A)
    assert before.json() == []


def test_orders_page_with_limit_and_offset(http: Client, shop: Shop) -> None:
    """limit and offset page through the list."""
    pages = [
        http.get("/api/v1/orders", params={"limit": 2, "offset": offset}, headers=A).json()
        for offset in (0, 2)
    ]
    assert [len(page) for page in pages] == [2, 1]
    assert {o["id"] for page in pages for o in page} == {
        shop.in_review.id,
        shop.paid.id,
        shop.invoiced.id,
    }


def test_one_order_with_lines_invoice_and_documents(http: Client, shop: Shop) -> None:
    """An order reads with its lines, invoice, documents and Russian status text."""
    body = http.get(f"/api/v1/orders/{shop.invoiced.id}", headers=A).json()
    assert body["summary"]["status"] == "invoiced"
    assert body["summary"]["status_text"] == "счёт выставлен"
    assert [line["sku"] for line in body["lines"]] == ["PAPER"]
    assert body["invoice"]["number"] == shop.invoiced.invoice.number  # type: ignore[union-attr]
    assert [d["kind"] for d in body["documents"]] == ["invoice"]


def test_quote_prices_a_cart(http: Client) -> None:
    """A quote returns every line and the totals, money as strings."""
    response = http.post(
        "/api/v1/quote", json={"items": [{"sku": "PAPER", "quantity": 2}]}, headers=A
    )
    assert response.status_code == 200
    body = response.json()
    assert body["lines"][0]["gross"] == "1000.00"
    assert body["goods_gross"] == "1000.00"
    assert Decimal(body["gross"]) == Decimal(body["goods_gross"]) + Decimal(body["delivery_gross"])


def test_place_creates_an_order(http: Client, app: B2B, cast: Cast) -> None:
    """Placing answers 201 with the new order, which is then stored."""
    response = http.post(
        "/api/v1/orders",
        json={
            "company_id": cast.head_office_id,
            "address_id": cast.address_id,
            "items": [{"sku": "PEN", "quantity": 3}],
        },
        headers=A,
    )
    assert response.status_code == 201
    stored = read_order(app, response.json()["summary"]["id"])
    assert [(line.sku, line.quantity) for line in stored.lines] == [("PEN", 3)]


def test_cancel_an_unpaid_order(http: Client, app: B2B, shop: Shop) -> None:
    """The buyer cancels an invoiced order with a reason."""
    response = http.post(
        f"/api/v1/orders/{shop.invoiced.id}/cancel", json={"reason": "передумали"}, headers=A
    )
    assert response.status_code == 200
    assert read_order(app, shop.invoiced.id).status is OrderStatus.CANCELLED


def test_repeat_places_the_same_lines_again(http: Client, shop: Shop) -> None:
    """Repeating answers 201 with a new order of the same lines."""
    response = http.post(f"/api/v1/orders/{shop.paid.id}/repeat", json={}, headers=A)
    assert response.status_code == 201
    body = response.json()
    assert body["summary"]["id"] != shop.paid.id
    assert [(x["sku"], x["quantity"]) for x in body["lines"]] == [("PEN", 10)]


def test_choose_a_delivery_interval_of_a_paid_order(http: Client, app: B2B, shop: Shop) -> None:
    """The warehouse's intervals are listed; choosing one schedules the order."""
    intervals = http.get(f"/api/v1/orders/{shop.paid.id}/intervals", headers=A).json()
    assert intervals
    response = http.post(
        f"/api/v1/orders/{shop.paid.id}/interval",
        json={"interval_id": intervals[0]["id"]},
        headers=A,
    )
    assert response.status_code == 200
    assert read_order(app, shop.paid.id).status is OrderStatus.SCHEDULED


def test_download_an_invoice_pdf(http: Client, shop: Shop) -> None:
    """A document of the order comes as a PDF attachment."""
    key = shop.invoiced.documents[0].storage_key
    response = http.get(f"/api/v1/orders/{shop.invoiced.id}/documents/{key}", headers=A)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")


def test_manager_sees_the_queue(http: Client, shop: Shop) -> None:
    """The queue lists the order the policy sent to review."""
    queue = http.get("/api/v1/queue", headers=bearer(MANAGER_TOKEN)).json()
    assert [o["id"] for o in queue] == [shop.in_review.id]


def test_manager_approves_and_rejects(http: Client, app: B2B, shop: Shop) -> None:
    """Approve returns the order to the automatic track; reject cancels with a reason."""
    m = bearer(MANAGER_TOKEN)
    approved = http.post(f"/api/v1/queue/{shop.in_review.id}/approve", json={}, headers=m)
    assert approved.status_code == 200
    assert read_order(app, shop.in_review.id).status is OrderStatus.PLACED
    rejected = http.post(
        f"/api/v1/queue/{shop.invoiced.id}/reject", json={"reason": "нет"}, headers=m
    )
    assert rejected.status_code == 409  # an invoiced order is not in review
    assert rejected.json()["error"] == "illegal_transition"


def test_manager_rejects_an_order_in_review(http: Client, app: B2B, shop: Shop) -> None:
    """Reject cancels the order in review with the manager's reason."""
    response = http.post(
        f"/api/v1/queue/{shop.in_review.id}/reject",
        json={"reason": "нет лимита"},
        headers=bearer(MANAGER_TOKEN),
    )
    assert response.status_code == 200
    assert read_order(app, shop.in_review.id).status is OrderStatus.CANCELLED


def test_openapi_schema_renders_every_route(http: Client) -> None:
    """The OpenAPI document is served without a token and lists the API's paths."""
    response = http.get("/api/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/orders/{order_id}/documents/{key}" in paths
    assert "/api/v1/queue/{order_id}/approve" in paths
