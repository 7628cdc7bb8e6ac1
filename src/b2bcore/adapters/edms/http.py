"""Document management over a small JSON-over-HTTP contract (``docs/integrations.md``).

1C:Документооборот has no standard interface for this; the integrator publishes
an HTTP service that follows this contract::

    Authorization: Bearer <B2B_EDMS_TOKEN>            on every request
    GET  {base_url}/ping                              → 200 {"ok": true}
    POST {base_url}/counterparties                    → 200 found / 201 created
         {"key", "inn", "kpp", "ogrn", "kind", "full_name", "short_name",
          "legal_address", "is_branch", "director"}     {"id": "CP-000001"}
    GET  {base_url}/counterparties/{id}/contract      → 200 {"contract": null}
         or {"contract": {"number": "Д-2026/17", "signed_on": "2026-11-20"}}
                                                      → 404 unknown counterparty

Errors come as ``{"error": {"code", "message"}}``. Registration is a write and
is not retried here (the worker retries it with the same key, which the
service must honour); reading a contract is retried on ``Unavailable``.
Failures name ``edms`` (see :mod:`b2bcore.adapters.httpjson`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

import attrs
import httpx

from b2bcore.adapters.httpjson import JsonHttp, Reply
from b2bcore.adapters.settings import between, http_url, positive, secret
from b2bcore.domain.client import Requisites
from b2bcore.domain.errors import Rejected
from b2bcore.ports.edms import Contract
from b2bcore.ports.probe import ProbeResult

SYSTEM = "edms"
TOKEN = "B2B_EDMS_TOKEN"


@attrs.frozen
class EdmsSettings:
    """The ``[edms]`` section; the token comes from ``B2B_EDMS_TOKEN``."""

    base_url: str = attrs.field(validator=http_url)
    timeout: float = attrs.field(default=10.0, validator=positive)
    retries: int = attrs.field(default=2, validator=between(0, 5))
    """Extra attempts for reading a contract that failed transiently."""


@attrs.define(eq=False)
class HttpDocumentManagement:
    """The DocumentManagement port over the contract above."""

    _http: JsonHttp

    @classmethod
    def from_settings(
        cls,
        settings: EdmsSettings,
        secrets: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> HttpDocumentManagement:
        token = secret(secrets, TOKEN)
        return cls(
            JsonHttp.create(
                SYSTEM,
                base_url=settings.base_url,
                timeout=settings.timeout,
                headers={"Authorization": f"Bearer {token}"},
                transport=transport,
                retries=settings.retries,
                secrets=(token,),
            )
        )

    def register_counterparty(self, *, key: str, requisites: Requisites) -> str:
        reply = self._http.send(
            "POST", "counterparties", json=_counterparty(key, requisites), expect=(200, 201)
        )
        counterparty_id = reply.json_object().get("id")
        if not isinstance(counterparty_id, str) or not counterparty_id.strip():
            raise reply.malformed("id: must be a non-empty string", field="id")
        return counterparty_id.strip()

    def contract_for(self, counterparty_id: str) -> Contract | None:
        path = f"counterparties/{quote(counterparty_id, safe='')}/contract"
        reply = self._http.send("GET", path, expect=(200, 404), retry=True)
        if reply.status == 404:
            raise Rejected(
                SYSTEM,
                f"unknown counterparty {counterparty_id}: {reply.error_detail(self._http.secrets)}",
                counterparty_id=counterparty_id,
            )
        return _contract(reply)

    def probe(self) -> ProbeResult:
        """``GET /ping`` once: checks the URL and the token."""
        return self._http.probe(lambda: self._http.send("GET", "ping").json_object())

    def close(self) -> None:
        self._http.close()


def _counterparty(key: str, r: Requisites) -> dict[str, Any]:
    return {
        "key": key,
        "inn": str(r.inn),
        "kpp": None if r.kpp is None else str(r.kpp),
        "ogrn": None if r.ogrn is None else str(r.ogrn),
        "kind": r.kind.value,
        "full_name": r.full_name,
        "short_name": r.short_name,
        "legal_address": r.legal_address,
        "is_branch": r.is_branch,
        "director": r.director,
    }


def _contract(reply: Reply) -> Contract | None:
    body = reply.json_object()
    if "contract" not in body:
        raise reply.malformed("contract: is missing", field="contract")
    contract = body["contract"]
    if contract is None:
        return None
    if not isinstance(contract, Mapping):
        raise reply.malformed("contract: must be an object or null", field="contract")
    number = contract.get("number")
    if not isinstance(number, str) or not number.strip():
        raise reply.malformed(
            "contract.number: must be a non-empty string", field="contract.number"
        )
    signed_on = contract.get("signed_on")
    try:
        signed = date.fromisoformat(signed_on) if isinstance(signed_on, str) else None
    except ValueError:
        signed = None
    if signed is None:
        raise reply.malformed(
            f"contract.signed_on: must be a date such as 2026-11-20 (got {signed_on!r})",
            field="contract.signed_on",
        )
    return Contract(number=number.strip(), signed_on=signed)
