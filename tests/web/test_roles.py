"""Roles through the API: employees see only granted companies, buyers stay off the queue."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from b2bcore.application import B2B
from b2bcore.domain.order import OrderStatus
from tests.builders import Cast, place_order, read_order
from tests.web.conftest import EMPLOYEE_TOKEN, MANAGER_TOKEN, SUPERVISOR_TOKEN, Shop, bearer

Client = TestClient[Litestar]
EMPLOYEE = bearer(EMPLOYEE_TOKEN)


def test_employee_does_not_see_orders_of_a_company_not_granted(
    http: Client, app: B2B, cast: Cast, shop: Shop
) -> None:
    """The branch's order is missing from the employee's list and reads as not found."""
    branch_order = place_order(app, cast, company_id=cast.branch_id, PAPER=1)
    listed = {o["id"] for o in http.get("/api/v1/orders", headers=EMPLOYEE).json()}
    assert branch_order.id not in listed
    assert shop.invoiced.id in listed
    assert http.get(f"/api/v1/orders/{branch_order.id}", headers=EMPLOYEE).status_code == 404


def test_employee_cannot_buy_for_a_company_not_granted(http: Client, cast: Cast) -> None:
    """Placing for the branch is refused as not found."""
    response = http.post(
        "/api/v1/orders",
        json={
            "company_id": cast.branch_id,
            "address_id": cast.address_id,
            "items": [{"sku": "PAPER", "quantity": 1}],
        },
        headers=EMPLOYEE,
    )
    assert response.status_code == 404


def test_employee_cabinet_lists_only_granted_companies(http: Client, cast: Cast) -> None:
    """The cabinet shows the employee the head office only, and not as a supervisor."""
    body = http.get("/api/v1/cabinet", headers=EMPLOYEE).json()
    assert [c["id"] for c in body["companies"]] == [cast.head_office_id]
    assert body["is_supervisor"] is False


@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, EMPLOYEE_TOKEN])
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_buyers_cannot_decide_on_the_queue(
    http: Client, app: B2B, shop: Shop, token: str, action: str
) -> None:
    """A buyer approving or rejecting even their own order gets 403 and changes nothing."""
    response = http.post(
        f"/api/v1/queue/{shop.in_review.id}/{action}", json={"reason": "x"}, headers=bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert read_order(app, shop.in_review.id).status is OrderStatus.IN_REVIEW


def test_buyers_cannot_read_the_queue(http: Client, shop: Shop) -> None:
    """The queue is a manager's page."""
    assert http.get("/api/v1/queue", headers=bearer(SUPERVISOR_TOKEN)).status_code == 403


def test_a_manager_must_name_the_client(http: Client) -> None:
    """A manager's cabinet without ?client_id is not found, not a crash."""
    assert http.get("/api/v1/cabinet", headers=bearer(MANAGER_TOKEN)).status_code == 404
