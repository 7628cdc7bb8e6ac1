"""Schemathesis over the API's own OpenAPI schema: every operation, called as the demo
buyer and as the demo manager with generated requests, valid and invalid, answers
without a 5xx, with a status code, content type and body the schema documents;
invalid requests are refused; and every 4xx is a readable JSON error.

The app is the demo shop in memory (``b2bcore.demo``, on the fixed test clock). A
request carrying a bearer token carries the role's real one, so the checks reach
past authentication (requests without one, or with a malformed header, stay so and
must get the documented 401). Half the valid requests are steered to the shop's
real objects: an order of the demo client (and one of its documents), its company,
address, client and catalogue, so success answers are checked against the schema
too. Unknown query parameters are not generated: the API ignores them, as HTTP APIs
customarily do. Generation is derandomized with a fixed number of examples: the same
cases on every run, bounded in time (about 20 s on two quiet cores, of which seeding
the demo shop with its Argon2 password hashes is more than half).
"""

from __future__ import annotations

import json
import re
from typing import Any

import attrs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis import APIOperation, Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from b2bcore import demo as scenario
from b2bcore.bootstrap import bootstrap, in_memory_world
from b2bcore.web import SCHEMA_PATH, create_app
from tests.builders import SHOP_NOW

TOKENS = {"buyer": "demo-buyer-token-0000", "manager": "demo-manager-token-000"}
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
EXAMPLES = 25  # per operation and role, valid and invalid requests together


def readable_refusal(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 4xx carries the API's error body: a stable code and a Russian message."""
    if not 400 <= response.status_code < 500:
        return None
    body: Any = json.loads(response.content)
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str), body
    assert body["error"], body
    assert isinstance(body.get("message"), str), body
    assert CYRILLIC.search(body["message"]), body
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    readable_refusal,
]


def _operations() -> list[APIOperation]:
    """The API's operations, from the schema of an app over an empty world."""
    bare = create_app(bootstrap(world=in_memory_world(now=SHOP_NOW)), tokens={})
    schema = schemathesis.openapi.from_dict(bare.openapi_schema.to_schema())
    schema.config.generation.update(allow_extra_parameters=False)
    return [result.ok() for result in schema.get_all_operations()]


OPERATIONS = _operations()


@attrs.frozen
class Real:
    """The demo shop's objects a valid request may name."""

    documents: dict[str, list[str]]  # order id -> its documents' keys
    client_id: str
    company_id: str
    address_id: str
    skus: list[str]


@pytest.fixture
def shop() -> scenario.Demo:
    shop = scenario.seed(now=SHOP_NOW)
    scenario.run(shop, lambda _line: None)
    return shop


@pytest.fixture
def asgi(shop: scenario.Demo) -> Litestar:
    return create_app(
        shop.app, tokens={TOKENS["buyer"]: shop.buyer, TOKENS["manager"]: shop.manager}
    )


@pytest.fixture
def real(shop: scenario.Demo) -> Real:
    orders = shop.app.cabinet.orders(shop.buyer)
    assert shop.buyer.client_id is not None
    return Real(
        documents={order.id: [d.storage_key for d in order.documents] for order in orders},
        client_id=shop.buyer.client_id,
        company_id=shop.company_id,
        address_id=shop.address_id,
        skus=[product.sku for product in scenario.PRODUCTS],
    )


def cases(operation: APIOperation) -> st.SearchStrategy[Case]:
    """Valid and invalid requests (schemathesis's positive and negative modes)."""
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


def authenticate(case: Case, token: str) -> None:
    """A well-formed bearer header gets the role's token; a missing or malformed one stays."""
    headers = case.headers or {}
    if headers.get("Authorization", "").startswith("Bearer "):
        headers["Authorization"] = f"Bearer {token}"


def steer(case: Case, real: Real, data: st.DataObject) -> None:
    """Half the time, a valid request names the shop's own objects instead of made-up ones."""
    meta = case.meta
    if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if not data.draw(st.booleans(), label="steer to real objects"):
        return
    path = case.path_parameters or {}
    if "order_id" in path:
        path["order_id"] = data.draw(st.sampled_from(sorted(real.documents)))
        keys = real.documents[path["order_id"]]
        if "key" in path and keys:
            path["key"] = data.draw(st.sampled_from(keys))
    body = case.body
    if isinstance(body, dict):
        names = {"client_id": real.client_id, "company_id": real.company_id}
        body.update({k: v for k, v in names.items() if k in body})
        if "address_id" in body:
            body["address_id"] = real.address_id
        for item in body.get("items") or []:
            item["sku"] = data.draw(st.sampled_from(real.skus))
            item["quantity"] = data.draw(st.integers(1, 5))


@pytest.mark.parametrize("role", sorted(TOKENS))
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_answers_as_documented(
    operation: APIOperation, role: str, asgi: Litestar, real: Real
) -> None:
    """No 5xx; status, content type and body as documented; bad input refused, readably."""

    @given(case=cases(operation), data=st.data())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Case, data: st.DataObject) -> None:
        authenticate(case, TOKENS[role])
        steer(case, real, data)
        case.call_and_validate(app=asgi, checks=CHECKS)

    call()


def test_the_schema_is_served_and_covers_the_api(asgi: Litestar) -> None:
    """The schema the app serves lists the operations tested above."""
    served = schemathesis.openapi.from_asgi(f"{SCHEMA_PATH}/openapi.json", asgi)
    labels = {result.ok().label for result in served.get_all_operations()}
    assert labels == {operation.label for operation in OPERATIONS}
    assert len(labels) >= 13
