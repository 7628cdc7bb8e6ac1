"""DaData response objects → domain values, shared by the simulator and the HTTP adapter.

Pure functions over parsed JSON, so the HTTP adapter and the in-memory
directory read DaData's shape the same way. A response that does not fit is a
refusal by the other side, not a bug in ours: every problem raises
:class:`~b2bcore.domain.errors.Rejected` with ``system="dadata"`` and the JSON
path of the bad field in ``params["field"]`` and what is wrong with it in
``params["problem"]``.

Strict where a wrong guess would hurt (``inn``, ``type``, ``state.status``: a
missing status must not read as "active"), lenient where DaData itself leaves
gaps (``address`` and ``ogrn`` may be null, short names may be missing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from b2bcore.domain.client import CompanyKind, RegistryState, Requisites
from b2bcore.domain.errors import InvalidValue, Rejected
from b2bcore.domain.identifiers import Bik, CorrespondentAccount, Inn, Kpp, Ogrn
from b2bcore.ports.company_lookup import BankInfo

SYSTEM = "dadata"

_KINDS = {"LEGAL": CompanyKind.LEGAL_ENTITY, "INDIVIDUAL": CompanyKind.ENTREPRENEUR}
_MISSING = object()

T = TypeVar("T")


def _refuse(field: str, problem: str) -> Rejected:
    return Rejected(SYSTEM, f"{field}: {problem}", field=field, problem=problem)


def _get(data: Mapping[str, Any], path: str) -> object:
    """The value at a dotted path; ``_MISSING`` if any step is absent or null."""
    value: object = data
    for step in path.split("."):
        if not isinstance(value, Mapping) or value.get(step) is None:
            return _MISSING
        value = value[step]
    return value


def _text(data: Mapping[str, Any], path: str, *, required: bool) -> str:
    value = _get(data, path)
    if value is _MISSING:
        if required:
            raise _refuse(path, "is missing")
        return ""
    if not isinstance(value, str):
        raise _refuse(path, f"must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise _refuse(path, "is empty")
    return value.strip()


def _identifier(kind: Callable[[str], T], data: Mapping[str, Any], path: str) -> T | None:
    text = _text(data, path, required=False)
    if not text:
        return None
    try:
        return kind(text)
    except InvalidValue as exc:
        raise _refuse(path, exc.rule) from exc


def suggestions(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``suggestions`` of a findById response (``[]`` for an unknown id)."""
    items = response.get("suggestions") if isinstance(response, Mapping) else None
    if not isinstance(items, list):
        raise _refuse("suggestions", "must be a list")
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("data"), Mapping):
            raise _refuse(f"suggestions[{i}].data", "must be an object")
    return items


def requisites_from_party(data: Mapping[str, Any]) -> Requisites:
    """The ``data`` object of a findById/party suggestion as :class:`Requisites`."""
    inn = _identifier(Inn, data, "inn")
    if inn is None:
        raise _refuse("inn", "is missing")
    kind_text = _text(data, "type", required=True)
    kind = _KINDS.get(kind_text)
    if kind is None:
        raise _refuse("type", f"must be LEGAL or INDIVIDUAL, got {kind_text!r}")
    status = _text(data, "state.status", required=True)
    try:
        state = RegistryState(status)
    except ValueError:
        raise _refuse("state.status", f"unknown status {status!r}") from None
    kpp = _identifier(Kpp, data, "kpp")
    director = _text(data, "management.name", required=False)
    if not director and kind is CompanyKind.ENTREPRENEUR:
        # An entrepreneur signs for himself; DaData puts his name in ``name.full``.
        director = _text(data, "name.full", required=False)
    try:
        return Requisites(
            inn=inn,
            kpp=kpp,
            ogrn=_identifier(Ogrn, data, "ogrn"),
            kind=kind,
            full_name=_text(data, "name.full_with_opf", required=True),
            short_name=_text(data, "name.short_with_opf", required=False),
            legal_address=_text(data, "address.value", required=False),
            state=state,
            is_branch=_text(data, "branch_type", required=False) == "BRANCH",
            director=director,
        )
    except InvalidValue as exc:
        # Requisites' own rules (a legal entity needs a KPP and a 10-digit INN).
        raise _refuse(exc.field, exc.rule) from exc


def bank_from_data(data: Mapping[str, Any], *, fallback_name: str = "") -> BankInfo:
    """The ``data`` object of a findById/bank suggestion as :class:`BankInfo`.

    The name is ``name.payment`` (what goes on a payment order), else the short
    or full name, else ``fallback_name`` -- pass the suggestion's ``value``.
    """
    bik = _identifier(Bik, data, "bic")
    if bik is None:
        raise _refuse("bic", "is missing")
    name = (
        _text(data, "name.payment", required=False)
        or _text(data, "name.short", required=False)
        or _text(data, "name.full", required=False)
        or fallback_name.strip()
    )
    if not name:
        raise _refuse("name.payment", "is missing")
    return BankInfo(
        bik=bik,
        name=name,
        correspondent_account=_identifier(CorrespondentAccount, data, "correspondent_account"),
        swift=_text(data, "swift", required=False),
    )
