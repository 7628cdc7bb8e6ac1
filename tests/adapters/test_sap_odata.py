"""The SAP OData adapter: what the Erp contract does not cover.

Against the fake SAP Gateway (tests/fakes/sap.py): broken answers, CSRF,
OAuth2, idempotency after timeouts and restarts, the reservation race, release
of a delivered order, probes. With ``httpx.MockTransport``: the exact requests
and the parsing of answers the fake never gives.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import stamina

from b2bcore.adapters.clock import FixedClock
from b2bcore.adapters.sap.odata import SapOdataErp, customer_reference
from b2bcore.adapters.sap.odata_oauth import OAuth2ClientCredentials
from b2bcore.domain.errors import InvalidValue, Rejected, Unavailable
from b2bcore.domain.order import DeliveryInterval
from b2bcore.ports.erp import ReservationLine, ShipmentState, Shortage
from b2bcore.ports.probe import ProbeStatus
from tests.fakes.sap import FakeSap, settings_for
from tests.fakes.server import Fault

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
INN = "7700111118"
ADDRESS = "г Москва, ул Лесная, д 5"
SHORT = 1.0
"""The timeout of tests that make the fake answer late (it waits 3 s)."""
SECRETS = {"B2B_SAP_PASSWORD": "s3cret-sap", "B2B_SAP_CLIENT_SECRET": "client-s3cret"}


@pytest.fixture(autouse=True)
def no_backoff() -> Iterator[None]:
    """Read retries run without waiting (the attempts stay as configured)."""
    with stamina.set_testing(True, attempts=5, cap=True):
        yield


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def sap(clock: FixedClock) -> Iterator[FakeSap]:
    with FakeSap(clock=clock) as fake:
        fake.add_partner(INN, "1000001")
        yield fake


@pytest.fixture
def connect(sap: FakeSap, clock: FixedClock) -> Iterator[Callable[..., SapOdataErp]]:
    opened: list[SapOdataErp] = []

    def make(**overrides: Any) -> SapOdataErp:
        overrides.setdefault("max_response_bytes", 64 * 1024)
        erp = SapOdataErp.from_settings(settings_for(sap.url, **overrides), SECRETS, clock=clock)
        opened.append(erp)
        return erp

    yield make
    for erp in opened:
        erp.close()


@pytest.fixture
def erp(connect: Callable[..., SapOdataErp]) -> SapOdataErp:
    return connect()


def reserve(erp: SapOdataErp, key: str = "r1", **quantities: int) -> Any:
    lines = [ReservationLine(sku=sku, quantity=q) for sku, q in (quantities or {"A": 1}).items()]
    return erp.reserve(key=key, order_number="B2B-2026-000001", customer=INN, lines=lines)


def first_interval(erp: SapOdataErp, reference: str) -> DeliveryInterval:
    return erp.delivery_intervals(reference=reference, address=ADDRESS)[0]


# -- broken answers ----------------------------------------------------------------------


def drop_quantity(data: Any) -> Any:
    for row in data["d"]["results"]:
        del row["MatlWrhsStkQtyInMatlBaseUnit"]
    return data


def object_quantity(data: Any) -> Any:
    for row in data["d"]["results"]:
        row["MatlWrhsStkQtyInMatlBaseUnit"] = {"value": 1}
    return data


def numeric_material(data: Any) -> Any:
    for row in data["d"]["results"]:
        row["Material"] = 42
    return data


BROKEN = [
    pytest.param(Fault.HTML, Rejected, "expected JSON, got text/html: Please log on", id="html"),
    pytest.param(Fault.TRUNCATED, Rejected, "not valid JSON", id="truncated"),
    pytest.param(Fault.GARBAGE, Rejected, "GET A_MatlStkInAcctMod: response", id="garbage"),
    pytest.param(Fault.HUGE, Rejected, "exceeds 65536", id="huge"),
    pytest.param(Fault.HUGE_UNDECLARED, Rejected, "exceeds 65536 bytes", id="huge-undeclared"),
    pytest.param(
        drop_quantity, Rejected, "MatlWrhsStkQtyInMatlBaseUnit: missing", id="missing-field"
    ),
    pytest.param(object_quantity, Rejected, "expected a decimal string, got dict", id="wrong-type"),
    pytest.param(numeric_material, Rejected, "Material: expected a string, got int", id="int"),
    pytest.param(lambda d: {"value": []}, Rejected, "expected {'d'", id="v4-envelope"),
    pytest.param(Fault.TOO_MANY_REQUESTS, Unavailable, "HTTP 429", id="429"),
    pytest.param(Fault.SERVER_ERROR, Unavailable, "HTTP 500: Internal error", id="500"),
    pytest.param(Fault.SLOW, Unavailable, "timed out", id="slow"),
    pytest.param(Fault.DROP, Unavailable, "GET A_MatlStkInAcctMod", id="dropped"),
]


@pytest.mark.parametrize(("fault", "error", "text"), BROKEN)
def test_a_broken_stock_answer_raises_the_port_error(
    sap: FakeSap,
    connect: Callable[..., SapOdataErp],
    fault: Any,
    error: type[Exception],
    text: str,
) -> None:
    """Each way an answer can be broken gives Unavailable or Rejected naming sap and the fault."""
    erp = connect(timeout=SHORT)
    sap.set_stock("A", 5)
    sap.fail_next(fault, path="A_MatlStkInAcctMod")
    with pytest.raises(error) as caught:
        erp.stock(["A"])
    assert str(caught.value).startswith("sap: GET A_MatlStkInAcctMod")
    assert text in str(caught.value)


def test_a_broken_delivery_header_names_the_property(sap: FakeSap, erp: SapOdataErp) -> None:
    """A status of the wrong type in A_OutbDeliveryHeader is refused, naming the property."""
    sap.set_stock("A", 1)
    reference = reserve(erp).reference
    transport = erp.request_transport(
        key="t1", reference=reference, interval=first_interval(erp, reference), address=ADDRESS
    )

    def wrong(data: Any) -> Any:
        data["d"]["OverallGoodsMovementStatus"] = ["C"]
        data["d"]["ActualGoodsMovementDate"] = "yesterday"
        return data

    sap.fail_next(wrong, path="A_OutbDeliveryHeader")
    with pytest.raises(Rejected, match="OverallGoodsMovementStatus") as caught:
        erp.shipment_status(transport)
    assert "ActualGoodsMovementDate: expected /Date(milliseconds)/" in str(caught.value)


def test_reads_are_retried_once_on_a_transient_failure(
    sap: FakeSap, connect: Callable[..., SapOdataErp]
) -> None:
    """With read_attempts=2 a 503 followed by a good answer is invisible to the caller."""
    erp = connect(read_attempts=2)
    sap.set_stock("A", 5)
    sap.fail_next(Fault.SERVER_ERROR, path="A_MatlStkInAcctMod")
    assert erp.stock(["A"]) == {"A": 5}
    assert sap.count("GET", "A_MatlStkInAcctMod") == 2


def test_writes_are_not_retried(sap: FakeSap, connect: Callable[..., SapOdataErp]) -> None:
    """A 500 on creating the order is reported at once; the worker retries the step."""
    erp = connect(read_attempts=3)
    sap.set_stock("A", 5)
    sap.fail_next(Fault.SERVER_ERROR, path="A_SalesOrder", method="POST")
    with pytest.raises(Unavailable):
        reserve(erp)
    assert sap.count("POST", "A_SalesOrder") == 1


# -- idempotency -------------------------------------------------------------------------


def test_a_timed_out_create_is_found_by_the_retry(
    sap: FakeSap, connect: Callable[..., SapOdataErp]
) -> None:
    """The order SAP created while the client timed out is returned, not created again."""
    erp = connect(timeout=SHORT)
    sap.set_stock("A", 5)
    sap.fail_next(Fault.SLOW, path="A_SalesOrder", method="POST")
    with pytest.raises(Unavailable, match="timed out"):
        reserve(erp)
    result = reserve(erp)
    assert result.ok
    assert list(sap.orders) == [result.reference]
    assert erp.stock(["A"]) == {"A": 4}


def test_a_garbled_create_answer_is_found_by_the_retry(sap: FakeSap, erp: SapOdataErp) -> None:
    """A create answered without SalesOrder is refused; the retry finds the order made."""
    sap.set_stock("A", 5)
    sap.fail_next(lambda d: {"d": {}}, path="A_SalesOrder", method="POST")
    with pytest.raises(Rejected, match=r"d\.SalesOrder: missing"):
        reserve(erp)
    assert reserve(erp).reference == next(iter(sap.orders))
    assert len(sap.orders) == 1


def test_a_new_process_finds_the_order_of_the_same_key(
    sap: FakeSap, erp: SapOdataErp, connect: Callable[..., SapOdataErp]
) -> None:
    """The key lives in SAP (PurchaseOrderByCustomer), not in the adapter's memory."""
    sap.set_stock("A", 5)
    first = reserve(erp).reference
    assert reserve(connect()).reference == first
    order = sap.orders[first]
    assert order["PurchaseOrderByCustomer"] == customer_reference("B2B-2026-000001", "r1")


def test_the_customer_reference_fits_sap_and_differs_per_key() -> None:
    """At most 35 characters, and two keys of one order never share it."""
    long_number = "B2B-2026-000001-ANNEX-WITH-A-LONG-TAIL"
    first = customer_reference(long_number, "order-1:reserve:1")
    assert len(first) <= 35
    assert first != customer_reference(long_number, "order-1:reserve:2")


def test_a_timed_out_delivery_is_found_by_the_retry(
    sap: FakeSap, connect: Callable[..., SapOdataErp]
) -> None:
    """request_transport after a timeout returns the delivery SAP made, and only one exists."""
    erp = connect(timeout=SHORT)
    sap.set_stock("A", 1)
    reference = reserve(erp).reference
    interval = first_interval(erp, reference)
    sap.fail_next(Fault.SLOW, path="A_OutbDeliveryHeader", method="POST")
    with pytest.raises(Unavailable):
        erp.request_transport(key="t1", reference=reference, interval=interval, address=ADDRESS)
    again = erp.request_transport(key="t1", reference=reference, interval=interval, address=ADDRESS)
    assert list(sap.deliveries) == [again]


# -- the reservation race and release -------------------------------------------------------


def test_a_lost_race_backs_out_and_reports_the_shortage(
    sap: FakeSap, erp: SapOdataErp, connect: Callable[..., SapOdataErp]
) -> None:
    """Stock taken between the read and the create: SAP confirms less, nothing stays held."""
    sap.set_stock("A", 5)
    sap.set_stock("B", 5)
    sap.before_order = lambda: sap.set_stock("A", 3)
    result = reserve(erp, A=4, B=1)
    assert result.shortages == (Shortage(sku="A", requested=4, available=3),)
    [order] = sap.orders.values()
    assert {i["SalesDocumentRjcnReason"] for i in order["items"]} == {"01"}
    assert erp.stock(["A", "B"]) == {"A": 3, "B": 5}
    assert not reserve(connect(), A=4, B=1).ok  # a restarted process sees the back-out
    assert len(sap.orders) == 1


def test_release_deletes_a_delivery_not_yet_issued(sap: FakeSap, erp: SapOdataErp) -> None:
    """A cancelled order with transport requested gets its stock back; the delivery goes."""
    sap.set_stock("A", 3)
    reference = reserve(erp, A=2).reference
    erp.request_transport(
        key="t1", reference=reference, interval=first_interval(erp, reference), address=ADDRESS
    )
    erp.release(key="x1", reference=reference)
    assert (sap.deliveries, erp.stock(["A"])) == ({}, {"A": 3})
    assert {i["SalesDocumentRjcnReason"] for i in sap.orders[reference]["items"]} == {"10"}


def test_release_after_goods_issue_is_refused(sap: FakeSap, erp: SapOdataErp) -> None:
    """Goods that left the warehouse cannot be released back to stock."""
    sap.set_stock("A", 3)
    reference = reserve(erp).reference
    transport = erp.request_transport(
        key="t1", reference=reference, interval=first_interval(erp, reference), address=ADDRESS
    )
    sap.post_goods_issue(transport)
    with pytest.raises(Rejected, match="already shipped"):
        erp.release(key="x1", reference=reference)


def test_unknown_references_are_rejected(erp: SapOdataErp) -> None:
    """A 404 from SAP becomes 'unknown reservation' or 'unknown transport request'."""
    with pytest.raises(Rejected, match="unknown reservation 999"):
        erp.release(key="x1", reference="999")
    with pytest.raises(Rejected, match="unknown transport request 80999999"):
        erp.shipment_status("80999999")


def test_a_released_reservation_offers_no_intervals_and_no_transport(
    sap: FakeSap, erp: SapOdataErp
) -> None:
    """Delivery slots and transport need a reservation that still holds stock."""
    sap.set_stock("A", 1)
    reference = reserve(erp).reference
    interval = first_interval(erp, reference)
    erp.release(key="x1", reference=reference)
    with pytest.raises(Rejected, match="released"):
        erp.delivery_intervals(reference=reference, address=ADDRESS)
    with pytest.raises(Rejected, match="released"):
        erp.request_transport(key="t1", reference=reference, interval=interval, address=ADDRESS)


def test_an_interval_already_begun_is_refused(
    sap: FakeSap, erp: SapOdataErp, clock: FixedClock
) -> None:
    """Transport for a slot that has started is rejected before anything is created."""
    sap.set_stock("A", 1)
    reference = reserve(erp).reference
    interval = first_interval(erp, reference)
    clock.advance(days=7)
    with pytest.raises(Rejected, match="already begun"):
        erp.request_transport(key="t1", reference=reference, interval=interval, address=ADDRESS)
    assert sap.deliveries == {}


def test_unknown_buyer_inn_is_rejected_before_anything_is_created(
    sap: FakeSap, erp: SapOdataErp
) -> None:
    """Without a business partner for the INN there is no sold-to party: Rejected."""
    sap.set_stock("A", 1)
    with pytest.raises(Rejected, match="no business partner with INN 7707083893"):
        erp.reserve(
            key="r1",
            order_number="B2B-1",
            customer="7707083893",
            lines=[ReservationLine(sku="A", quantity=1)],
        )
    assert sap.orders == {}


def test_a_fixed_sold_to_party_skips_the_lookup(
    sap: FakeSap, connect: Callable[..., SapOdataErp]
) -> None:
    """sold_to_party configured: every order goes to it and no partner is looked up."""
    erp = connect(sold_to_party="1000001")
    sap.set_stock("A", 1)
    assert reserve(erp).ok
    assert sap.count("GET", "A_BusinessPartnerTaxNumber") == 0


def test_server_paging_is_followed(sap: FakeSap, connect: Callable[..., SapOdataErp]) -> None:
    """Collections split by __next are read to the end."""
    sap.page_size = 1
    for sku in "ABC":
        sap.set_stock(sku, 2)
    assert connect().stock(["A", "B", "C"]) == {"A": 2, "B": 2, "C": 2}


# -- CSRF and OAuth2 -----------------------------------------------------------------------


def test_one_csrf_token_serves_every_write(sap: FakeSap, erp: SapOdataErp) -> None:
    """The token and the session cookie are fetched once and reused."""
    sap.set_stock("A", 5)
    reserve(erp, "r1")
    reserve(erp, "r2")
    assert sum(1 for r in sap.requests if r.headers.get("x-csrf-token") == "Fetch") == 1


def test_an_expired_csrf_token_is_fetched_again_once(sap: FakeSap, erp: SapOdataErp) -> None:
    """403 with X-CSRF-Token: Required makes the adapter fetch a token and send again."""
    sap.set_stock("A", 5)
    reserve(erp, "r1")
    sap.expire_sessions()
    assert reserve(erp, "r2").ok
    assert sum(1 for r in sap.requests if r.headers.get("x-csrf-token") == "Fetch") == 2
    assert len(sap.orders) == 2


def test_oauth2_token_is_fetched_once_and_reused(clock: FixedClock) -> None:
    """Client credentials: one token request for many calls while the token lasts."""
    with FakeSap(auth="oauth2", clock=clock) as sap:
        sap.add_partner(INN, "1000001")
        sap.set_stock("A", 5)
        erp = SapOdataErp.from_settings(settings_for(sap.url, auth="oauth2"), SECRETS, clock=clock)
        assert reserve(erp).ok
        assert erp.stock(["A"]) == {"A": 4}
        assert sap.count("POST", "/oauth/token") == 1
        sap.tokens.clear()  # revoked early: the next call gets a new token once
        assert erp.stock(["A"]) == {"A": 4}
        assert sap.count("POST", "/oauth/token") == 2
        erp.close()


def test_oauth2_token_is_renewed_shortly_before_it_expires() -> None:
    """A cached token is used until ``expires_in`` minus the margin, then fetched again."""
    now = [0.0]
    issued: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            assert (
                request.headers["Authorization"]
                == "Basic " + base64.b64encode(b"id:secret").decode()
            )
            issued.append(f"t{len(issued)}")
            return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 100})
        return httpx.Response(200, json={"seen": request.headers["Authorization"]})

    auth = OAuth2ClientCredentials("http://idp/token", "id", "secret", clock=lambda: now[0])
    with httpx.Client(auth=auth, transport=httpx.MockTransport(handler)) as client:
        seen = [client.get("http://sap/x").json()["seen"]]
        now[0] = 69.0
        seen.append(client.get("http://sap/x").json()["seen"])
        now[0] = 71.0
        seen.append(client.get("http://sap/x").json()["seen"])
    assert seen == ["Bearer t0", "Bearer t0", "Bearer t1"]


def test_a_refused_client_secret_is_bad_credentials(clock: FixedClock) -> None:
    """The token endpoint's 401 is Rejected with reason credentials; probe says so."""
    with FakeSap(auth="oauth2", clock=clock) as sap:
        erp = SapOdataErp.from_settings(
            settings_for(sap.url, auth="oauth2"),
            {"B2B_SAP_CLIENT_SECRET": "wrong"},
            clock=clock,
        )
        with pytest.raises(Rejected, match="client id or secret was refused"):
            erp.stock(["A"])
        assert erp.probe().status is ProbeStatus.BAD_CREDENTIALS
        erp.close()


# -- probe ---------------------------------------------------------------------------------


def test_probe_ok(erp: SapOdataErp) -> None:
    """A reachable gateway with good credentials probes OK."""
    assert erp.probe().status is ProbeStatus.OK


def test_probe_bad_password(sap: FakeSap, clock: FixedClock) -> None:
    """A 401 probes as bad credentials."""
    erp = SapOdataErp.from_settings(
        settings_for(sap.url), {"B2B_SAP_PASSWORD": "wrong"}, clock=clock
    )
    result = erp.probe()
    erp.close()
    assert result.status is ProbeStatus.BAD_CREDENTIALS
    assert "wrong" not in result.detail


def test_probe_unreachable(clock: FixedClock) -> None:
    """Nobody listening probes as unreachable."""
    with FakeSap(clock=clock) as sap:
        url = sap.url
    erp = SapOdataErp.from_settings(settings_for(url), SECRETS, clock=clock)
    assert erp.probe().status is ProbeStatus.UNREACHABLE
    erp.close()


def test_probe_wrong_service_path(connect: Callable[..., SapOdataErp]) -> None:
    """A service path SAP does not know probes as misconfigured."""
    erp = connect(sales_order_service="/sap/opu/odata/sap/API_SALES_ORDER_SRV_TYPO")
    assert erp.probe().status is ProbeStatus.MISCONFIGURED


def test_a_missing_secret_is_named() -> None:
    """from_settings names the environment variable that is missing."""
    with pytest.raises(InvalidValue, match="B2B_SAP_PASSWORD"):
        SapOdataErp.from_settings(settings_for("http://sap.example"), {})


def test_settings_check_what_belongs_together() -> None:
    """oauth2 needs token_url and client_id; paths start with /; offsets look like +03:00."""
    with pytest.raises(ValueError, match="token_url"):
        settings_for("http://sap.example", auth="oauth2", token_url="")
    with pytest.raises(ValueError, match="stock_service"):
        settings_for("http://sap.example", stock_service="sap/opu/odata/sap/X/")
    with pytest.raises(ValueError, match="utc_offset"):
        settings_for("http://sap.example", utc_offset="MSK")


# -- exact requests and answers (MockTransport) ---------------------------------------------


class Gateway:
    """A scripted SAP for MockTransport: answers by entity set, records every request."""

    def __init__(self, answers: dict[str, Callable[[httpx.Request], httpx.Response]]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("X-CSRF-Token") == "Fetch":
            return httpx.Response(
                200, json={"d": {}}, headers={"x-csrf-token": "tok", "set-cookie": "S=1; path=/"}
            )
        for part, answer in self.answers.items():
            if part in request.url.path:
                return answer(request)
        return httpx.Response(404, json={"error": {"message": {"value": "no such set"}}})


def mock_erp(gateway: Gateway, **overrides: Any) -> SapOdataErp:
    return SapOdataErp.from_settings(
        settings_for("http://sap.example", **overrides),
        SECRETS,
        httpx.MockTransport(gateway),
        clock=FixedClock(NOW),
    )


def results(*rows: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(200, json={"d": {"results": list(rows)}})


def order_json(*, reason: str = "") -> dict[str, Any]:
    item = {
        "SalesOrderItem": "10",
        "Material": "A",
        "RequestedQuantity": "1.000",
        "ConfdDelivQtyInOrderQtyUnit": "1.000",
        "SalesDocumentRjcnReason": reason,
        "DeliveryStatus": "A",
    }
    return {"SalesOrder": "5000001", "to_Item": {"results": [item]}}


def test_the_sales_order_carries_the_configured_codes() -> None:
    """Deep insert with every SAP code from the settings and the idempotency mark."""
    created = order_json()

    def orders(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json={"d": {"SalesOrder": "5000001"}})
        if "A_SalesOrder('" in request.url.path:
            return httpx.Response(200, json={"d": created})
        return httpx.Response(200, json={"d": {"results": []}})

    gateway = Gateway(
        {
            "A_MatlStkInAcctMod": results({"Material": "A", "MatlWrhsStkQtyInMatlBaseUnit": "3"}),
            "A_SalesOrderItem": results(),
            "A_OutbDeliveryItem": results(),
            "A_BusinessPartnerTaxNumber": results({"BusinessPartner": "17100001"}),
            "A_SalesOrder": orders,
        }
    )
    erp = mock_erp(gateway, sales_order_type="ZB2B", sap_client="100")
    assert reserve(erp).reference == "5000001"
    [post] = [r for r in gateway.requests if r.method == "POST"]
    body = json.loads(post.content)
    assert body["SalesOrderType"] == "ZB2B"
    assert (body["SalesOrganization"], body["DistributionChannel"]) == ("1010", "10")
    assert body["SoldToParty"] == "17100001"
    assert body["PurchaseOrderByCustomer"] == customer_reference("B2B-2026-000001", "r1")
    assert body["to_Item"] == [
        {
            "SalesOrderItem": "10",
            "Material": "A",
            "RequestedQuantity": "1",
            "ProductionPlant": "1010",
            "StorageLocation": "101A",
            "ShippingPoint": "1010",
        }
    ]
    assert post.headers["X-CSRF-Token"] == "tok"
    assert post.headers["Cookie"] == "S=1"
    assert post.url.params["sap-client"] == "100"
    stock_query = next(r for r in gateway.requests if "A_MatlStkInAcctMod" in r.url.path)
    raw = stock_query.url.query.decode()
    assert "$filter=Plant%20eq%20'1010'" in raw
    assert "InventoryStockType%20eq%20'01'" in raw


def test_release_patches_each_open_item_with_if_match() -> None:
    """Rejection is a PATCH of A_SalesOrderItem with the release reason and If-Match: *."""
    gateway = Gateway(
        {
            "A_SalesOrderItem(": lambda _: httpx.Response(204),
            "A_SalesOrder(": lambda _: httpx.Response(200, json={"d": order_json()}),
        }
    )
    mock_erp(gateway, release_rejection_reason="Z9").release(key="x", reference="5000001")
    [patch] = [r for r in gateway.requests if r.method == "PATCH"]
    assert patch.url.path.endswith("A_SalesOrderItem(SalesOrder='5000001',SalesOrderItem='10')")
    assert json.loads(patch.content) == {"SalesDocumentRjcnReason": "Z9"}
    assert patch.headers["If-Match"] == "*"


def test_releasing_a_released_order_sends_nothing() -> None:
    """Every item already rejected: no write at all."""
    gateway = Gateway(
        {"A_SalesOrder(": lambda _: httpx.Response(200, json={"d": order_json(reason="10")})}
    )
    mock_erp(gateway).release(key="x", reference="5000001")
    assert [r.method for r in gateway.requests] == ["GET"]


def slot(slot_id: str, start: str, end: str) -> dict[str, str]:
    return {"SlotID": slot_id, "SlotStart": start, "SlotEnd": end}


def test_intervals_are_sorted_future_only_and_unique() -> None:
    """Slots come back earliest first, without past or repeated ones; ISO offsets work."""
    gateway = Gateway(
        {
            "DeliverySlots": results(
                slot("late", "2026-11-28T09:00:00+03:00", "2026-11-28T13:00:00+03:00"),
                slot("past", "/Date(1795586400000+0000)/", "/Date(1795600800000+0000)/"),
                slot("early", "/Date(1795759200000)/", "/Date(1795773600000)/"),
                slot("early", "/Date(1795759200000)/", "/Date(1795773600000)/"),
            ),
            "A_SalesOrder(": lambda _: httpx.Response(200, json={"d": order_json()}),
        }
    )
    intervals = mock_erp(gateway).delivery_intervals(reference="5000001", address=ADDRESS)
    assert [i.id for i in intervals] == ["early", "late"]
    assert intervals[1].starts_at == datetime(2026, 11, 28, 6, tzinfo=UTC)
    request = next(r for r in gateway.requests if "DeliverySlots" in r.url.path)
    assert request.url.params["ShipToAddress"] == ADDRESS


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        ("2026-11-28T09:00:00", "2026-11-28T13:00:00", "with an offset"),
        ("/Date(1795773600000)/", "/Date(1795759200000)/", "must end after it starts"),
        ("tomorrow", "/Date(1795773600000)/", "expected a date and time"),
    ],
)
def test_bad_slots_are_rejected(start: str, end: str, text: str) -> None:
    """A slot without a zone, ending before it starts or unreadable is refused."""
    gateway = Gateway(
        {
            "DeliverySlots": results(slot("s", start, end)),
            "A_SalesOrder(": lambda _: httpx.Response(200, json={"d": order_json()}),
        }
    )
    with pytest.raises(Rejected, match=text):
        mock_erp(gateway).delivery_intervals(reference="5000001", address=ADDRESS)


def test_odata_error_messages_reach_the_caller() -> None:
    """A 400 carries SAP's message and code in the Rejected text."""
    gateway = Gateway(
        {
            "A_MatlStkInAcctMod": lambda _: httpx.Response(
                400,
                json={"error": {"code": "CX/001", "message": {"lang": "en", "value": "Bad plant"}}},
            )
        }
    )
    with pytest.raises(Rejected, match=r"HTTP 400: Bad plant \(CX/001\)"):
        mock_erp(gateway).stock(["A"])


def test_a_next_link_to_another_server_is_refused() -> None:
    """Credentials never follow a __next link off the configured host."""
    gateway = Gateway(
        {
            "A_MatlStkInAcctMod": lambda _: httpx.Response(
                200, json={"d": {"results": [], "__next": "http://evil.example/steal"}}
            )
        }
    )
    with pytest.raises(Rejected, match="another server"):
        mock_erp(gateway).stock(["A"])


def test_shipment_dates_are_read_in_the_plant_zone() -> None:
    """ActualGoodsMovementDate + Time are plant-local; the result is an aware datetime."""
    header = {
        "DeliveryDocument": "80000001",
        "OverallGoodsMovementStatus": "C",
        "ActualGoodsMovementDate": "/Date(1795651200000)/",
        "ActualGoodsMovementTime": "PT14H30M00S",
        "OverallProofOfDeliveryStatus": "A",
        "ProofOfDeliveryDate": None,
    }
    gateway = Gateway({"A_OutbDeliveryHeader": lambda _: httpx.Response(200, json={"d": header})})
    status = mock_erp(gateway).shipment_status("80000001")
    assert status.state is ShipmentState.SHIPPED
    assert status.at == datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
