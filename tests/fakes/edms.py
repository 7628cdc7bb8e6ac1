"""A fake document-management service on loopback, following docs/integrations.md.

The wire format is checked here (Bearer token, JSON bodies, the documented
status codes and error bodies); the behaviour behind it is the in-memory
document management's, so the HTTP adapter is held to the same semantics.
"""

from __future__ import annotations

import re
from typing import Any

from b2bcore.adapters.edms import InMemoryDocumentManagement
from b2bcore.domain.client import CompanyKind, Requisites
from b2bcore.domain.errors import DomainError
from b2bcore.domain.identifiers import Inn, Kpp, Ogrn
from tests.fakes.server import FakeService, Request, Response

TOKEN = "test-edms-token"
_CONTRACT = re.compile(r"^/hs/b2b/counterparties/([^/]+)/contract$")


def _error(status: int, code: str, message: str) -> Response:
    return Response.of_json(status, {"error": {"code": code, "message": message}})


class FakeEdms(FakeService):
    def __init__(self, *, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.system = InMemoryDocumentManagement()

    def __enter__(self) -> FakeEdms:
        super().__enter__()
        return self

    @property
    def base_url(self) -> str:
        return self.url + "/hs/b2b"

    def authorize(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "unauthorized", "a valid Bearer token is required")
        return None

    def answer(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/hs/b2b/ping":
            return Response.of_json(200, {"ok": True})
        if request.method == "POST" and request.path == "/hs/b2b/counterparties":
            return self._register(request)
        match = _CONTRACT.match(request.path)
        if request.method == "GET" and match:
            return self._contract(match[1])
        return _error(404, "not_found", f"no route {request.method} {request.path}")

    def _register(self, request: Request) -> Response:
        try:
            body = request.json()
            key, requisites = body["key"], _requisites(body)
        except (ValueError, KeyError, TypeError, DomainError) as exc:
            return _error(422, "invalid", f"bad counterparty: {exc}")
        known = len(self.system.counterparties())
        counterparty_id = self.system.register_counterparty(key=key, requisites=requisites)
        created = len(self.system.counterparties()) > known
        return Response.of_json(201 if created else 200, {"id": counterparty_id})

    def _contract(self, counterparty_id: str) -> Response:
        if counterparty_id not in self.system.counterparties():
            return _error(404, "unknown_counterparty", f"no counterparty {counterparty_id}")
        contract = self.system.contract_for(counterparty_id)
        if contract is None:
            return Response.of_json(200, {"contract": None})
        shown = {"number": contract.number, "signed_on": contract.signed_on.isoformat()}
        return Response.of_json(200, {"contract": shown})


def _requisites(body: dict[str, Any]) -> Requisites:
    return Requisites(
        inn=Inn(body["inn"]),
        kpp=Kpp(body["kpp"]) if body["kpp"] else None,
        ogrn=Ogrn(body["ogrn"]) if body["ogrn"] else None,
        kind=CompanyKind(body["kind"]),
        full_name=body["full_name"],
        short_name=body["short_name"],
        legal_address=body["legal_address"],
        is_branch=bool(body["is_branch"]),
        director=body["director"],
    )
