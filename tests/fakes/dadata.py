"""A fake DaData on loopback: findById/party and findById/bank as published.

It serves the fixture responses (``tests/fixtures/dadata_responses.json``) and
whatever a test adds, enforces ``Authorization: Token <key>`` (401 without it,
403 with the body DaData sends for an unknown key or a used-up daily limit),
answers only POST with a JSON body, and honours ``kpp``, ``branch_type`` and
``count`` (default 10, as DaData's) the way the real service does.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from b2bcore.domain.client import CompanyKind, Requisites
from b2bcore.ports.company_lookup import BankInfo
from tests.fakes.server import FakeService, Request, Response

API_KEY = "test-dadata-key"
PREFIX = "/suggestions/api/4_1/rs"
FIXTURE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "dadata_responses.json").read_text("utf-8")
)
FORBIDDEN = FIXTURE["error_examples"]["403_daily_limit"]["body"]


class FakeDadata(FakeService):
    def __init__(self, *, api_key: str = API_KEY, fixtures: bool = True) -> None:
        super().__init__()
        self.api_key = api_key
        self.parties: dict[str, list[dict[str, Any]]] = {}
        self.banks: dict[str, list[dict[str, Any]]] = {}
        if fixtures:
            for inn, response in FIXTURE["responses"].items():
                for item in response["suggestions"]:
                    self.parties.setdefault(inn.split("|")[0], []).append(copy.deepcopy(item))
            for bik, response in FIXTURE["bank_responses"].items():
                if bik != "_meta":
                    self.banks[bik] = copy.deepcopy(response["suggestions"])

    @property
    def base_url(self) -> str:
        return self.url + PREFIX

    def __enter__(self) -> FakeDadata:
        super().__enter__()
        return self

    def add_party(self, requisites: Requisites) -> None:
        """Register an entry, replacing one with the same INN+KPP."""
        item = party_suggestion(requisites)
        entries = self.parties.setdefault(str(requisites.inn), [])
        entries[:] = [e for e in entries if e["data"].get("kpp") != item["data"]["kpp"]]
        entries.append(item)

    def add_bank(self, info: BankInfo) -> None:
        self.banks[str(info.bik)] = [bank_suggestion(info)]

    def authorize(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        if not auth:
            return Response.of_json(
                401, {"family": "CLIENT_ERROR", "reason": "Unauthorized", "message": ""}
            )
        if auth != f"Token {self.api_key}":
            token = auth.removeprefix("Token ")
            body = {**FORBIDDEN, "message": FORBIDDEN["message"].replace("${API_KEY}", token)}
            return Response.of_json(403, body)
        return None

    def answer(self, request: Request) -> Response:
        if request.method != "POST":
            return Response.of_json(405, {"family": "CLIENT_ERROR", "reason": "Method Not Allowed"})
        if not request.headers.get("content-type", "").startswith("application/json"):
            return Response.of_json(415, {"reason": "Unsupported Media Type"})
        try:
            body = request.json()
            query = body["query"]
        except (ValueError, KeyError, TypeError):
            return Response.of_json(400, {"family": "CLIENT_ERROR", "reason": "Bad Request"})
        if request.path == f"{PREFIX}/findById/party":
            found = [
                item
                for item in self.parties.get(query, [])
                if body.get("kpp") in (None, item["data"].get("kpp"))
                and body.get("branch_type") in (None, item["data"].get("branch_type"))
            ]
            return Response.of_json(200, {"suggestions": found[: int(body.get("count", 10))]})
        if request.path == f"{PREFIX}/findById/bank":
            return Response.of_json(200, {"suggestions": self.banks.get(query, [])})
        return Response(404, b"<html><body>404 Not Found</body></html>", "text/html")


def party_suggestion(r: Requisites) -> dict[str, Any]:
    """A findById/party suggestion for ``r``, in DaData's shape."""
    legal = r.kind is CompanyKind.LEGAL_ENTITY
    name = r.short_name or r.full_name
    return {
        "value": name,
        "unrestricted_value": name,
        "data": {
            "inn": str(r.inn),
            "kpp": None if r.kpp is None else str(r.kpp),
            "ogrn": None if r.ogrn is None else str(r.ogrn),
            "type": "LEGAL" if legal else "INDIVIDUAL",
            "branch_type": ("BRANCH" if r.is_branch else "MAIN") if legal else None,
            "name": {"full_with_opf": r.full_name, "short_with_opf": r.short_name or None},
            "management": {"name": r.director, "post": "ДИРЕКТОР"} if r.director else None,
            "state": {"status": r.state.value, "registration_date": 1420070400000},
            "address": {"value": r.legal_address, "data": None} if r.legal_address else None,
        },
    }


def bank_suggestion(info: BankInfo) -> dict[str, Any]:
    account = info.correspondent_account
    return {
        "value": info.name,
        "data": {
            "bic": str(info.bik),
            "swift": info.swift or None,
            "name": {"payment": info.name, "short": info.name},
            "correspondent_account": None if account is None else str(account),
            "state": {"status": "ACTIVE"},
        },
    }
