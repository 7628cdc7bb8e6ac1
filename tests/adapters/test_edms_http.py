"""The document-management HTTP adapter against a fake service on loopback, and MockTransport."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from b2bcore.adapters.edms.http import EdmsSettings, HttpDocumentManagement
from b2bcore.domain.errors import InvalidValue, Rejected, Unavailable
from b2bcore.ports.edms import Contract
from b2bcore.ports.probe import ProbeStatus
from tests.contracts.test_edms import company
from tests.fakes.edms import TOKEN, FakeEdms
from tests.fakes.server import Fault

CONTRACT = Contract(number="Д-2026/17", signed_on=date(2026, 11, 20))


@pytest.fixture
def server() -> Iterator[FakeEdms]:
    with FakeEdms() as fake:
        fake.slow_seconds = 0.6
        yield fake


def edms_at(server: FakeEdms, *, token: str = TOKEN, **options: Any) -> HttpDocumentManagement:
    settings = EdmsSettings(server.base_url, **{"timeout": 0.3, "retries": 0, **options})
    return HttpDocumentManagement.from_settings(settings, {"B2B_EDMS_TOKEN": token})


def registered(server: FakeEdms) -> str:
    return edms_at(server).register_counterparty(key="c1", requisites=company())


def test_registration_sends_the_documented_body(server: FakeEdms) -> None:
    """POST /counterparties carries the key and the requisites as documented, with the token."""
    edms_at(server).register_counterparty(key="client-1:company-1", requisites=company())
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/hs/b2b/counterparties")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json() == {
        "key": "client-1:company-1",
        "inn": "7700111118",
        "kpp": "770001001",
        "ogrn": "1157700111117",
        "kind": "legal_entity",
        "full_name": 'Общество с ограниченной ответственностью "Ромашка"',
        "short_name": 'ООО "Ромашка"',
        "legal_address": "г Москва, ул Садовая-Кудринская, д 1",
        "is_branch": False,
        "director": "",
    }


def test_contract_is_read_with_its_number_and_date(server: FakeEdms) -> None:
    """GET /counterparties/{id}/contract gives the signed contract."""
    counterparty_id = registered(server)
    server.system.set_contract(counterparty_id, CONTRACT)
    assert edms_at(server).contract_for(counterparty_id) == CONTRACT


def test_unknown_counterparty_is_rejected(server: FakeEdms) -> None:
    """A 404 for the contract of an unknown id is Rejected, as the in-memory one does."""
    with pytest.raises(Rejected, match="unknown counterparty CP-999999"):
        edms_at(server).contract_for("CP-999999")


def test_wrong_token_is_a_credentials_refusal(server: FakeEdms) -> None:
    """401 is Rejected as credentials, and the token is never echoed."""
    with pytest.raises(Rejected) as caught:
        edms_at(server, token="not-the-token").register_counterparty(key="c1", requisites=company())
    assert caught.value.params["reason"] == "credentials"
    assert "not-the-token" not in str(caught.value)


def test_registration_is_not_retried(server: FakeEdms) -> None:
    """A failed write is Unavailable at once; the worker retries it with the same key."""
    server.fail_next(Fault.SERVER_ERROR)
    with pytest.raises(Unavailable):
        edms_at(server, retries=2).register_counterparty(key="c1", requisites=company())
    assert len(server.requests) == 1


def test_reading_a_contract_is_retried(server: FakeEdms) -> None:
    """A read that meets a 429 is retried and succeeds."""
    counterparty_id = registered(server)
    server.fail_next(Fault.TOO_MANY_REQUESTS)
    assert edms_at(server, retries=1).contract_for(counterparty_id) is None


def test_the_service_refusing_the_requisites_is_rejected() -> None:
    """A 422 with the documented error body is Rejected carrying the service's message."""

    def refuse(request: httpx.Request) -> httpx.Response:
        error = {"code": "invalid", "message": "контрагент заблокирован"}
        return httpx.Response(422, json={"error": error})

    adapter = HttpDocumentManagement.from_settings(
        EdmsSettings("https://edms.example.ru/hs/b2b"),
        {"B2B_EDMS_TOKEN": TOKEN},
        transport=httpx.MockTransport(refuse),
    )
    with pytest.raises(Rejected, match=r"422 Unprocessable .*: контрагент заблокирован"):
        adapter.register_counterparty(key="c1", requisites=company())


@pytest.mark.parametrize(
    ("fault", "error", "expected"),
    [
        (Fault.SLOW, Unavailable, "no answer within 0.3 s"),
        (Fault.SERVER_ERROR, Unavailable, "500"),
        (Fault.DROP, Unavailable, "cannot reach"),
        (Fault.HTML, Rejected, "HTML page"),
        (Fault.TRUNCATED, Rejected, "not valid JSON"),
        (Fault.GARBAGE, Rejected, "not valid JSON"),
        (Fault.HUGE, Rejected, "larger than 4 MiB"),
        (Fault.HUGE_UNDECLARED, Rejected, "larger than 4 MiB"),
    ],
)
def test_failures_of_a_registration_name_the_system(
    server: FakeEdms, fault: Fault, error: type[Exception], expected: str
) -> None:
    """Timeouts, 5xx and dropped connections are Unavailable; bodies that are not JSON Rejected."""
    server.fail_next(fault)
    with pytest.raises(error) as caught:
        registered(server)
    assert caught.value.system == "edms"  # type: ignore[attr-defined]
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda body: {"ident": "CP-1"}, "id: must be a non-empty string"),
        (lambda body: {"id": 17}, "id: must be a non-empty string"),
        (lambda body: ["CP-1"], "expected a JSON object, got a list"),
    ],
)
def test_an_unexpected_registration_answer_is_rejected(
    server: FakeEdms, mutate: Any, expected: str
) -> None:
    """A registration answer without a string id is Rejected naming the field."""
    server.fail_next(mutate)
    with pytest.raises(Rejected, match=expected):
        registered(server)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda body: {}, "contract: is missing"),
        (lambda body: {"contract": "Д-1"}, "contract: must be an object or null"),
        (lambda body: {"contract": {"signed_on": "2026-11-20"}}, "contract.number"),
        (lambda body: {"contract": {"number": "Д-1", "signed_on": "20.11.2026"}}, "signed_on"),
        (lambda body: {"contract": {"number": "Д-1", "signed_on": 20261120}}, "signed_on"),
    ],
)
def test_an_unexpected_contract_answer_is_rejected(
    server: FakeEdms, mutate: Any, expected: str
) -> None:
    """Missing fields and wrong types in a contract answer are Rejected naming the field."""
    counterparty_id = registered(server)
    server.fail_next(mutate)
    with pytest.raises(Rejected, match=expected):
        edms_at(server).contract_for(counterparty_id)


def test_ids_are_escaped_in_the_path(server: FakeEdms) -> None:
    """An id with a slash stays one path segment."""
    with pytest.raises(Rejected):
        edms_at(server).contract_for("CP/1")
    assert server.requests[-1].path == "/hs/b2b/counterparties/CP%2F1/contract"


def test_missing_token_is_a_configuration_error() -> None:
    """Without B2B_EDMS_TOKEN the adapter is not built; the error names the variable."""
    with pytest.raises(InvalidValue, match="B2B_EDMS_TOKEN"):
        HttpDocumentManagement.from_settings(EdmsSettings("https://edms.example.ru/hs/b2b"), {})


@pytest.mark.parametrize(
    ("token", "fault", "status"),
    [
        (TOKEN, None, ProbeStatus.OK),
        ("wrong", None, ProbeStatus.BAD_CREDENTIALS),
        (TOKEN, Fault.SERVER_ERROR, ProbeStatus.UNREACHABLE),
        (TOKEN, Fault.HTML, ProbeStatus.MISCONFIGURED),
    ],
)
def test_probe(server: FakeEdms, token: str, fault: Fault | None, status: ProbeStatus) -> None:
    """GET /ping: ok, bad credentials, unreachable, or misconfigured for a non-JSON answer."""
    if fault is not None:
        server.fail_next(fault)
    assert edms_at(server, token=token).probe().status is status


def test_unit_level_transport_errors_become_unavailable() -> None:
    """With MockTransport: a connect error is Unavailable naming edms, never an httpx error."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    adapter = HttpDocumentManagement.from_settings(
        EdmsSettings("https://edms.example.ru/hs/b2b", retries=0),
        {"B2B_EDMS_TOKEN": TOKEN},
        transport=httpx.MockTransport(refuse),
    )
    with pytest.raises(Unavailable, match="edms"):
        adapter.contract_for("CP-000001")


def test_unit_level_request_url_and_headers() -> None:
    """With MockTransport: the contract read is a GET under the base URL with the token."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"contract": None})

    adapter = HttpDocumentManagement.from_settings(
        EdmsSettings("https://edms.example.ru/hs/b2b"),
        {"B2B_EDMS_TOKEN": TOKEN},
        transport=httpx.MockTransport(answer),
    )
    assert adapter.contract_for("CP-000001") is None
    assert str(seen[0].url) == "https://edms.example.ru/hs/b2b/counterparties/CP-000001/contract"
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
