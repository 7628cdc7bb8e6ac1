"""DaData JSON → Requisites/BankInfo: the fixture responses, and refusals naming the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from b2bcore.adapters.dadata import bank_from_data, requisites_from_party, suggestions
from b2bcore.domain.client import CompanyKind, RegistryState, Requisites
from b2bcore.domain.errors import Rejected
from b2bcore.domain.identifiers import Bik, CorrespondentAccount, Inn, Kpp, Ogrn
from b2bcore.ports.company_lookup import BankInfo

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "dadata_responses.json").read_text(encoding="utf-8")
)


def party(key: str) -> dict[str, Any]:
    """A deep copy of the first suggestion's data of a fixture party response."""
    data: dict[str, Any] = FIXTURE["responses"][key]["suggestions"][0]["data"]
    return copy.deepcopy(data)


def bank(bik: str) -> dict[str, Any]:
    data: dict[str, Any] = FIXTURE["bank_responses"][bik]["suggestions"][0]["data"]
    return copy.deepcopy(data)


def rejected_field(data: dict[str, Any]) -> str:
    with pytest.raises(Rejected) as caught:
        requisites_from_party(data)
    assert caught.value.system == "dadata"
    field: str = caught.value.params["field"]
    return field


def test_legal_entity_maps_to_requisites() -> None:
    """Sberbank's response maps to its full requisites, head office, active."""
    assert requisites_from_party(party("7707083893")) == Requisites(
        inn=Inn("7707083893"),
        kpp=Kpp("773601001"),
        ogrn=Ogrn("1027700132195"),
        kind=CompanyKind.LEGAL_ENTITY,
        full_name='ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО "СБЕРБАНК РОССИИ"',
        short_name="ПАО СБЕРБАНК",
        legal_address="г Москва, ул Вавилова, д 19",
        state=RegistryState.ACTIVE,
        is_branch=False,
        director="Греф Герман Оскарович",
    )


def test_entrepreneur_maps_to_requisites() -> None:
    """The synthetic ИП maps with no KPP, an OGRNIP, and himself as the signer."""
    assert requisites_from_party(party("123456789047")) == Requisites(
        inn=Inn("123456789047"),
        kpp=None,
        ogrn=Ogrn("385768585948949"),
        kind=CompanyKind.ENTREPRENEUR,
        full_name="Индивидуальный предприниматель Иванов Иван Иванович",
        short_name="ИП Иванов Иван Иванович",
        legal_address="г Ярославль",
        director="Иванов Иван Иванович",
    )


def test_branch_type_marks_a_branch() -> None:
    """branch_type BRANCH maps to is_branch, with the branch's own KPP."""
    data = party("7728168971|kpp=667143001")
    data["state"] = {"status": "ACTIVE"}
    found = requisites_from_party(data)
    assert (found.is_branch, str(found.kpp)) == (True, "667143001")
    assert (found.ogrn, found.legal_address, found.short_name) == (None, "", "")


def test_partial_entry_without_state_is_refused() -> None:
    """The partial Alfa-Bank fixture has no state, and no state must not read as active."""
    assert rejected_field(party("7728168971|kpp=667143001")) == "state.status"


@pytest.mark.parametrize("status", [s.value for s in RegistryState])
def test_every_registry_status_maps_to_its_state(status: str) -> None:
    """Each documented state.status maps to the RegistryState of the same name."""
    data = party("7707083893")
    data["state"]["status"] = status
    assert requisites_from_party(data).state is RegistryState(status)


def test_unknown_inn_response_has_no_suggestions() -> None:
    """DaData's answer for an unknown INN reads as no entries."""
    assert suggestions(FIXTURE["responses"]["1234567890"]) == []


def test_response_suggestions_are_read_in_order() -> None:
    """suggestions() returns the suggestion objects of a findById response."""
    response = FIXTURE["responses"]["7707083893"]
    assert [s["data"]["inn"] for s in suggestions(response)] == ["7707083893"]


@pytest.mark.parametrize(
    ("response", "field"),
    [
        ({}, "suggestions"),
        ({"suggestions": {"data": {}}}, "suggestions"),
        ({"suggestions": [{"value": "no data"}]}, "suggestions[0].data"),
    ],
)
def test_malformed_response_is_refused(response: dict[str, Any], field: str) -> None:
    """A body not shaped like a findById response is refused, naming where."""
    with pytest.raises(Rejected) as caught:
        suggestions(response)
    assert caught.value.params["field"] == field


def _without(path: str) -> dict[str, Any]:
    data = party("7707083893")
    *parents, last = path.split(".")
    node = data
    for step in parents:
        node = node[step]
    del node[last]
    return data


def _with(path: str, value: object) -> dict[str, Any]:
    data = party("7707083893")
    *parents, last = path.split(".")
    node = data
    for step in parents:
        node = node[step]
    node[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_without("inn"), "inn"),
        (_with("inn", 7707083893), "inn"),
        (_with("inn", "7707083894"), "inn"),
        (_with("inn", "123456789047"), "inn"),
        (_without("type"), "type"),
        (_with("type", "FOREIGN"), "type"),
        (_with("type", ["LEGAL"]), "type"),
        (_without("state"), "state.status"),
        (_with("state.status", "SLEEPING"), "state.status"),
        (_with("kpp", None), "kpp"),
        (_with("kpp", "77360100"), "kpp"),
        (_with("ogrn", "1027700132196"), "ogrn"),
        (_without("name"), "name.full_with_opf"),
        (_with("name.full_with_opf", "  "), "name.full_with_opf"),
        (_with("address", {"value": 19}), "address.value"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_malformed_party_is_refused_naming_the_field(data: dict[str, Any], field: str) -> None:
    """A missing, mistyped or invalid field raises Rejected with that field's path."""
    assert rejected_field(data) == field


def test_full_bank_maps_to_bank_info() -> None:
    """The Открытие response maps to its payment name, BIK, account and SWIFT."""
    assert bank_from_data(bank("044525985")) == BankInfo(
        bik=Bik("044525985"),
        name='ПАО Банк "ФК Открытие"',
        correspondent_account=CorrespondentAccount("30101810300000000985"),
        swift="JSNMRUMMXXX",
    )


def test_bank_without_name_takes_the_suggestion_value() -> None:
    """The partial Sberbank bank entry is named from the suggestion's ``value``."""
    assert bank_from_data(bank("044525225"), fallback_name="ПАО Сбербанк") == BankInfo(
        bik=Bik("044525225"),
        name="ПАО Сбербанк",
        correspondent_account=CorrespondentAccount("30101810400000000225"),
        swift="SABRRUMM",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bic": None}, "bic"),
        ({"bic": "04452598"}, "bic"),
        ({"correspondent_account": "40101810300000000985"}, "correspondent_account"),
        ({"name": None}, "name.payment"),
    ],
)
def test_malformed_bank_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    """A missing or invalid bank field raises Rejected with that field's path."""
    data = bank("044525985") | change
    with pytest.raises(Rejected) as caught:
        bank_from_data(data)
    assert caught.value.params["field"] == field
