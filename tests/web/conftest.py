"""The JSON API in-process over the shared in-memory shop: one token per actor of the cast.

``shop`` gives each client orders in several states, with documents, so every
route has something real to find (for its owner) and to hide (from the other
client).
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.actors import Actor
from b2bcore.domain.order import Order
from b2bcore.web import create_app
from tests.builders import Cast, cart, pay_in_full, place_order, read_order

SUPERVISOR_TOKEN = "supervisor-token-of-client-a"
EMPLOYEE_TOKEN = "employee-token-of-client-a-0"
OTHER_TOKEN = "buyer-token-of-client-b-0000"
MANAGER_TOKEN = "manager-token-of-the-shop-00"


@attrs.frozen(kw_only=True)
class Shop:
    """Orders of both clients: A's invoiced, paid and in-review ones, and B's invoiced one."""

    invoiced: Order
    paid: Order
    in_review: Order
    other: Order


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(cast: Cast) -> dict[str, Actor]:
    return {
        SUPERVISOR_TOKEN: cast.supervisor,
        EMPLOYEE_TOKEN: cast.employee,
        OTHER_TOKEN: cast.other_buyer,
        MANAGER_TOKEN: cast.manager,
    }


@pytest.fixture
def asgi(app: B2B, tokens: dict[str, Actor]) -> Litestar:
    return create_app(app, tokens=tokens)


@pytest.fixture
def http(asgi: Litestar) -> Iterator[TestClient[Litestar]]:
    """A client without credentials; tests pass a token's header per request."""
    with TestClient(asgi, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def shop(world: InMemoryWorld, app: B2B, cast: Cast) -> Shop:
    invoiced = place_order(app, cast, PAPER=2)
    paid = place_order(app, cast, PEN=10)
    in_review = place_order(app, cast, LAPTOP=3)
    other = app.ordering.place(
        cast.other_buyer,
        company_id=cast.other_company_id,
        items=cart(BOOK=1),
        address_id=cast.other_address_id,
    )
    app.processing.run_until_idle()
    pay_in_full(world, app, paid.id)
    app.processing.run_until_idle()
    return Shop(
        invoiced=read_order(app, invoiced.id),
        paid=read_order(app, paid.id),
        in_review=read_order(app, in_review.id),
        other=read_order(app, other.id),
    )
