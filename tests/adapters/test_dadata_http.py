"""The DaData HTTP adapter against a fake DaData on loopback, and over httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcore.adapters.dadata import DadataLookup, DadataSettings
from b2bcore.domain.client import CompanyKind, RegistryState
from b2bcore.domain.errors import InvalidValue, Rejected, Unavailable
from b2bcore.domain.identifiers import Bik, Inn, Kpp
from b2bcore.ports.probe import ProbeStatus
from tests.fakes.dadata import API_KEY, FakeDadata
from tests.fakes.server import Fault

SBERBANK = Inn("7707083893")
SECRETS = {"B2B_DADATA_API_KEY": API_KEY}


@pytest.fixture
def server() -> Iterator[FakeDadata]:
    with FakeDadata() as fake:
        fake.slow_seconds = 0.6
        yield fake


def lookup_at(server: FakeDadata, *, key: str = API_KEY, **settings: Any) -> DadataLookup:
    options: dict[str, Any] = {"timeout": 0.3, "retries": 0, **settings}
    return DadataLookup.from_settings(
        DadataSettings(server.base_url, **options), {"B2B_DADATA_API_KEY": key}
    )


def refusal(server: FakeDadata, error: type[Exception] = Rejected, **settings: Any) -> str:
    with pytest.raises(error) as caught:
        lookup_at(server, **settings).find_party(SBERBANK)
    assert getattr(caught.value, "system", None) == "dadata"
    return str(caught.value)


# -- the published format ------------------------------------------------------------------


def test_finds_the_company_with_its_requisites(server: FakeDadata) -> None:
    """Sberbank's fixture response comes back as its requisites: head office, active."""
    [found] = lookup_at(server).find_party(SBERBANK)
    assert (found.short_name, str(found.kpp), str(found.ogrn)) == (
        "ПАО СБЕРБАНК",
        "773601001",
        "1027700132195",
    )
    assert (found.kind, found.state, found.is_branch) == (
        CompanyKind.LEGAL_ENTITY,
        RegistryState.ACTIVE,
        False,
    )
    assert found.director == "Греф Герман Оскарович"


def test_sends_the_key_and_a_json_query(server: FakeDadata) -> None:
    """The request is a POST with the token, JSON content type, the INN and a count."""
    lookup_at(server).find_party(SBERBANK, Kpp("773601001"))
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/suggestions/api/4_1/rs/findById/party"
    assert request.headers["authorization"] == f"Token {API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"query": "7707083893", "count": 300, "kpp": "773601001"}


def test_entrepreneur_comes_back_without_kpp(server: FakeDadata) -> None:
    """The synthetic ИП is an entrepreneur with no KPP, signing for himself."""
    [found] = lookup_at(server).find_party(Inn("123456789047"))
    assert (found.kind, found.kpp) == (CompanyKind.ENTREPRENEUR, None)
    assert found.director == "Иванов Иван Иванович"


def test_branch_is_found_by_its_kpp(server: FakeDadata) -> None:
    """Alfa-Bank's Yekaterinburg branch comes back as a branch with its KPP."""
    # The fixture is partial (no state); a response without state.status is refused.
    server.parties["7728168971"][0]["data"]["state"] = {"status": "ACTIVE"}
    [found] = lookup_at(server).find_party(Inn("7728168971"), Kpp("667143001"))
    assert (found.is_branch, str(found.kpp)) == (True, "667143001")


def test_every_branch_comes_back_head_office_first(server: FakeDadata) -> None:
    """A company with branches gives every entry, head office first, for the buyer to pick."""
    head = server.parties["7707083893"][0]
    branch = json.loads(json.dumps(head))
    branch["data"].update(kpp="540602001", branch_type="BRANCH")
    server.parties["7707083893"] = [branch, head]
    entries = lookup_at(server).find_party(SBERBANK)
    assert [(str(e.kpp), e.is_branch) for e in entries] == [
        ("773601001", False),
        ("540602001", True),
    ]


def test_branch_type_main_gives_only_the_head_office(server: FakeDadata) -> None:
    """``branch_type="MAIN"`` is sent to DaData and only the head office comes back."""
    head = server.parties["7707083893"][0]
    branch = json.loads(json.dumps(head))
    branch["data"].update(kpp="540602001", branch_type="BRANCH")
    server.parties["7707083893"].append(branch)
    entries = lookup_at(server).find_party(SBERBANK, branch_type="MAIN")
    assert [str(e.kpp) for e in entries] == ["773601001"]
    assert server.requests[0].json()["branch_type"] == "MAIN"


def test_unknown_inn_gives_no_entries(server: FakeDadata) -> None:
    """DaData's empty suggestions for an unknown INN are an empty list, not an error."""
    assert lookup_at(server).find_party(Inn("7700222227")) == []


def test_finds_a_bank_by_bik(server: FakeDadata) -> None:
    """The fixture bank comes back with its payment name and correspondent account."""
    found = lookup_at(server).find_bank(Bik("044525985"))
    assert found is not None
    assert (found.name, str(found.correspondent_account), found.swift) == (
        'ПАО Банк "ФК Открытие"',
        "30101810300000000985",
        "JSNMRUMMXXX",
    )
    assert server.requests[0].path.endswith("/findById/bank")


def test_unknown_bik_gives_none(server: FakeDadata) -> None:
    """An unknown BIK is ``None``."""
    assert lookup_at(server).find_bank(Bik("044525999")) is None


# -- refusals and failures -------------------------------------------------------------------


def test_unknown_key_is_refused_as_bad_credentials_without_echoing_it(server: FakeDadata) -> None:
    """403 (unknown key or daily limit) is Rejected as credentials; the key is blanked out."""
    with pytest.raises(Rejected) as caught:
        lookup_at(server, key="wrong-key-123").find_party(SBERBANK)
    assert caught.value.params["reason"] == "credentials"
    assert "403" in str(caught.value)
    assert "daily limit" in str(caught.value)
    assert "wrong-key-123" not in str(caught.value)


def test_rate_limit_is_unavailable(server: FakeDadata) -> None:
    """429 is Unavailable: retry later."""
    server.fail_next(Fault.TOO_MANY_REQUESTS)
    assert "429" in refusal(server, Unavailable)


def test_a_transient_failure_is_retried(server: FakeDadata) -> None:
    """A 429 then a 500 are retried and the third attempt's answer is returned."""
    server.fail_next(Fault.TOO_MANY_REQUESTS)
    server.fail_next(Fault.SERVER_ERROR)
    assert len(lookup_at(server, retries=2).find_party(SBERBANK)) == 1
    assert len(server.requests) == 3


def test_retries_are_bounded(server: FakeDadata) -> None:
    """A service that keeps failing is asked retries + 1 times, then Unavailable."""
    server.fail_next(Fault.SERVER_ERROR, n=5)
    with pytest.raises(Unavailable):
        lookup_at(server, retries=1).find_party(SBERBANK)
    assert len(server.requests) == 2


def test_server_error_is_unavailable(server: FakeDadata) -> None:
    """A 5xx is Unavailable, naming the status."""
    server.fail_next(Fault.SERVER_ERROR)
    assert "500" in refusal(server, Unavailable)


def test_slow_answer_is_unavailable(server: FakeDadata) -> None:
    """No answer within the timeout is Unavailable, saying how long it waited."""
    server.fail_next(Fault.SLOW)
    assert "no answer within 0.3 s" in refusal(server, Unavailable)


def test_dropped_connection_is_unavailable(server: FakeDadata) -> None:
    """A server that hangs up without answering is Unavailable."""
    server.fail_next(Fault.DROP)
    refusal(server, Unavailable)


def test_nobody_listening_is_unavailable() -> None:
    """A port nobody listens on is Unavailable, naming the address."""
    with FakeDadata() as stopped:
        url = stopped.base_url
    lookup = DadataLookup.from_settings(DadataSettings(url, timeout=0.3, retries=0), SECRETS)
    with pytest.raises(Unavailable, match="cannot reach"):
        lookup.find_party(SBERBANK)


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.HTML, "expected JSON, got an HTML page"),
        (Fault.TRUNCATED, "not valid JSON"),
        (Fault.GARBAGE, "not valid JSON"),
        (Fault.HUGE, "larger than 4 MiB"),
        (Fault.HUGE_UNDECLARED, "larger than 4 MiB"),
    ],
)
def test_a_body_that_is_not_a_response_is_rejected(
    server: FakeDadata, fault: Fault, expected: str
) -> None:
    """An HTML page, truncated JSON, garbage or a huge body is Rejected saying which."""
    server.fail_next(fault)
    assert expected in refusal(server, Rejected)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda body: {"suggestions": None}, "suggestions"),
        (lambda body: [body], "suggestions"),
        (lambda body: {"suggestions": ["ПАО СБЕРБАНК"]}, "suggestions[0].data"),
        (lambda body: _data(body, inn=7707083893), "suggestions[0].data.inn"),
        (lambda body: _data(body, state=None), "suggestions[0].data.state.status"),
        (lambda body: _data(body, type="FOREIGN"), "suggestions[0].data.type"),
        (lambda body: _data(body, kpp="77360100"), "suggestions[0].data.kpp"),
        (lambda body: _data(body, name={"short": "X"}), "suggestions[0].data.name.full_with_opf"),
    ],
)
def test_an_unexpected_shape_is_rejected_naming_the_field(
    server: FakeDadata, mutate: Any, field: str
) -> None:
    """Wrong types and missing fields are Rejected with the JSON path, never a KeyError."""
    server.fail_next(mutate)
    with pytest.raises(Rejected) as caught:
        lookup_at(server).find_party(SBERBANK)
    assert caught.value.params["field"] == field
    assert field in str(caught.value)


def _data(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body["suggestions"][0]["data"].update(changes)
    return body


def test_wrong_base_url_is_rejected() -> None:
    """A base URL without DaData's path answers 404: Rejected, not Unavailable."""
    with FakeDadata() as server:
        lookup = DadataLookup.from_settings(
            DadataSettings(server.url + "/wrong", retries=0), SECRETS
        )
        with pytest.raises(Rejected, match="404"):
            lookup.find_party(SBERBANK)


def test_missing_api_key_is_a_configuration_error() -> None:
    """Without B2B_DADATA_API_KEY the adapter is not built; the error names the variable."""
    with pytest.raises(InvalidValue) as caught:
        DadataLookup.from_settings(DadataSettings(), {})
    assert caught.value.field == "B2B_DADATA_API_KEY"


# -- the probe -----------------------------------------------------------------------------


def test_probe_reports_ok(server: FakeDadata) -> None:
    """A working key at the right URL probes ok."""
    assert lookup_at(server).probe().status is ProbeStatus.OK


def test_probe_reports_bad_credentials(server: FakeDadata) -> None:
    """A refused key probes as bad credentials."""
    assert lookup_at(server, key="nope").probe().status is ProbeStatus.BAD_CREDENTIALS


def test_probe_reports_unreachable(server: FakeDadata) -> None:
    """A failing server probes unreachable, without retrying."""
    server.fail_next(Fault.SERVER_ERROR)
    assert lookup_at(server, retries=2).probe().status is ProbeStatus.UNREACHABLE
    assert len(server.requests) == 1


def test_probe_reports_misconfigured_for_a_wrong_url(server: FakeDadata) -> None:
    """A URL that is not DaData probes misconfigured."""
    lookup = DadataLookup.from_settings(DadataSettings(server.url, retries=0), SECRETS)
    assert lookup.probe().status is ProbeStatus.MISCONFIGURED


# -- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{"base_url": "suggestions.dadata.ru"}, {"timeout": 0}, {"retries": 9}, {"max_results": 0}],
)
def test_settings_refuse_bad_values(options: dict[str, Any]) -> None:
    """A URL without scheme, a zero timeout, too many retries or results are refused."""
    with pytest.raises(ValueError, match=next(iter(options))):
        DadataSettings(**options)


# -- httpx.MockTransport: the unit level -----------------------------------------------------


def mock_lookup(handler: Any) -> DadataLookup:
    return DadataLookup.from_settings(
        DadataSettings(retries=0), SECRETS, transport=httpx.MockTransport(handler)
    )


def test_default_url_is_dadatas_published_endpoint() -> None:
    """Without configuration the adapter calls suggestions.dadata.ru's findById/party."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"suggestions": []})

    mock_lookup(handler).find_party(SBERBANK)
    assert str(seen[0].url) == (
        "https://suggestions.dadata.ru/suggestions/api/4_1/rs/findById/party"
    )
    assert seen[0].headers["accept"] == "application/json"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectError("connection refused"), Unavailable),
        (httpx.ReadTimeout("timed out"), Unavailable),
        (httpx.RemoteProtocolError("peer closed"), Unavailable),
        (httpx.DecodingError("bad gzip"), Rejected),
    ],
)
def test_httpx_errors_become_port_errors(error: Exception, expected: type[Exception]) -> None:
    """No raw httpx exception escapes: each becomes Unavailable or Rejected naming dadata."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(expected) as caught:
        mock_lookup(handler).find_party(SBERBANK)
    assert caught.value.system == "dadata"  # type: ignore[attr-defined]


def test_no_key_sent_is_a_credentials_refusal() -> None:
    """401 (DaData: no API key) is Rejected as credentials."""
    lookup = mock_lookup(lambda request: httpx.Response(401, json={"reason": "Unauthorized"}))
    with pytest.raises(Rejected) as caught:
        lookup.find_bank(Bik("044525225"))
    assert caught.value.params["reason"] == "credentials"


def test_bad_request_is_rejected_with_the_services_message() -> None:
    """A 400 is Rejected and carries DaData's own explanation."""
    lookup = mock_lookup(lambda request: httpx.Response(400, json={"message": "query is empty"}))
    with pytest.raises(Rejected, match="query is empty"):
        lookup.find_party(SBERBANK)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["suggestions", "data", "inn", "kpp", "type", "state", "status", "name"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(body=_json_values)
def test_any_json_body_gives_entries_or_rejected(body: object) -> None:
    """Whatever JSON comes back, the lookup returns entries or raises Rejected, nothing else."""
    lookup = mock_lookup(lambda request: httpx.Response(200, json=body))
    for call in (lambda: lookup.find_party(SBERBANK), lambda: lookup.find_bank(Bik("044525225"))):
        try:
            call()
        except Rejected as exc:
            # Either outcome is fine; only Rejected naming dadata may escape.
            assert exc.system == "dadata"  # noqa: PT017
