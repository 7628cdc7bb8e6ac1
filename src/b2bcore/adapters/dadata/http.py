"""DaData over HTTP: the CompanyLookup port on findById/party and findById/bank.

::

    POST {base_url}/findById/party   {"query": INN, "count": N, "kpp"?, "branch_type"?}
    POST {base_url}/findById/bank    {"query": BIC}
    Authorization: Token <B2B_DADATA_API_KEY>

Responses are read by :mod:`b2bcore.adapters.dadata.mapping`, the same code that
fills the in-memory directory, so both adapters understand DaData alike. Lookups
are reads and are retried on 429, 5xx and timeouts. Failures, all naming
``dadata`` (see :mod:`b2bcore.adapters.httpjson`)::

    401, 403      Rejected (reason "credentials"): no key, unknown key,
                  unconfirmed account or the daily limit used up
    429           Unavailable: too many requests, retry later
    5xx, timeout  Unavailable
    other 4xx     Rejected
    a body that is not a findById response   Rejected naming the bad field
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

import attrs
import httpx

from b2bcore.adapters.dadata.mapping import bank_from_data, requisites_from_party, suggestions
from b2bcore.adapters.httpjson import JsonHttp, Reply
from b2bcore.adapters.settings import between, http_url, positive, secret
from b2bcore.domain.client import Requisites
from b2bcore.domain.errors import Rejected
from b2bcore.domain.identifiers import Bik, Inn, Kpp
from b2bcore.ports.company_lookup import BankInfo
from b2bcore.ports.probe import ProbeResult

SYSTEM = "dadata"
API_KEY = "B2B_DADATA_API_KEY"
DEFAULT_BASE_URL = "https://suggestions.dadata.ru/suggestions/api/4_1/rs"
PROBE_INN = "7707083893"
"""Sberbank: always in the register, so a probe tests the key and the format."""

BranchType = Literal["MAIN", "BRANCH"]

_HINTS = {
    401: "no API key",
    403: "unknown API key, unconfirmed account or daily limit used up",
    413: "request too large",
    429: "too many requests, retry later",
}

T = TypeVar("T")


@attrs.frozen
class DadataSettings:
    """The ``[dadata]`` section; the API key comes from ``B2B_DADATA_API_KEY``."""

    base_url: str = attrs.field(default=DEFAULT_BASE_URL, validator=http_url)
    timeout: float = attrs.field(default=5.0, validator=positive)
    """Seconds to wait for each step of a request (connect, send, each read)."""
    retries: int = attrs.field(default=2, validator=between(0, 5))
    """Extra attempts for a lookup that failed transiently (429, 5xx, timeout)."""
    max_results: int = attrs.field(default=300, validator=between(1, 300))
    """How many registry entries (head office and branches) to ask for."""


@attrs.define(eq=False)
class DadataLookup:
    """Company and bank lookup at DaData (or anything that answers like it)."""

    _http: JsonHttp
    _max_results: int = 300

    @classmethod
    def from_settings(
        cls,
        settings: DadataSettings,
        secrets: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> DadataLookup:
        key = secret(secrets, API_KEY)
        http = JsonHttp.create(
            SYSTEM,
            base_url=settings.base_url,
            timeout=settings.timeout,
            headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
            transport=transport,
            retries=settings.retries,
            hints=_HINTS,
            secrets=(key,),
        )
        return cls(http, settings.max_results)

    def find_party(
        self, inn: Inn, kpp: Kpp | None = None, *, branch_type: BranchType | None = None
    ) -> list[Requisites]:
        """Every entry for the INN, head office first; with ``kpp`` only that entry;
        with ``branch_type`` only the head office (``MAIN``) or the branches."""
        body: dict[str, Any] = {"query": str(inn), "count": self._max_results}
        if kpp is not None:
            body["kpp"] = str(kpp)
        if branch_type is not None:
            body["branch_type"] = branch_type
        reply = self._http.send("POST", "findById/party", json=body, retry=True)
        entries = _each(reply, lambda item: requisites_from_party(item["data"]))
        if kpp is not None:
            entries = [e for e in entries if e.kpp == kpp]
        if branch_type is not None:
            entries = [e for e in entries if e.is_branch == (branch_type == "BRANCH")]
        # sorted() is stable: DaData's order within head offices and within branches.
        return sorted(entries, key=lambda e: e.is_branch)

    def find_bank(self, bik: Bik) -> BankInfo | None:
        reply = self._http.send("POST", "findById/bank", json={"query": str(bik)}, retry=True)
        banks = _each(reply, _bank)
        return next((bank for bank in banks if bank.bik == bik), None)

    def probe(self) -> ProbeResult:
        """One party lookup, no retries: checks the URL, the key and the format."""

        def lookup() -> None:
            body = {"query": PROBE_INN, "count": 1}
            reply = self._http.send("POST", "findById/party", json=body)
            _each(reply, lambda item: requisites_from_party(item["data"]))

        return self._http.probe(lookup)

    def close(self) -> None:
        self._http.close()


def _bank(item: Mapping[str, Any]) -> BankInfo:
    value = item.get("value")
    return bank_from_data(item["data"], fallback_name=value if isinstance(value, str) else "")


def _each(reply: Reply, read: Callable[[Mapping[str, Any]], T]) -> list[T]:
    """``read`` applied to each suggestion; a misfit is refused with its JSON path."""
    body = reply.json()
    try:
        items = suggestions(body)
    except Rejected as exc:
        field = exc.params["field"]
        raise reply.malformed(f"{field}: {exc.params['problem']}", field=field) from exc
    results: list[T] = []
    for i, item in enumerate(items):
        try:
            results.append(read(item))
        except Rejected as exc:
            field = f"suggestions[{i}].data.{exc.params['field']}"
            raise reply.malformed(f"{field}: {exc.params['problem']}", field=field) from exc
    return results
