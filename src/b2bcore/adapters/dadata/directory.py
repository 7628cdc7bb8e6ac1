"""An in-memory company register that answers like DaData.

Tests and the demo need companies in every registry state (active, with
branches, liquidating, liquidated) and a way to make the lookup fail; the real
service offers neither. The directory is filled either in code
(:meth:`CompanyDirectory.add_party`) or from DaData-shaped JSON, read by the
same mapping the HTTP adapter uses, so a shape the real service sends can be
replayed here unchanged.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import attrs

from b2bcore.adapters.dadata.mapping import bank_from_data, requisites_from_party, suggestions
from b2bcore.adapters.faults import FaultPlan
from b2bcore.domain.client import Requisites
from b2bcore.domain.errors import Rejected
from b2bcore.domain.identifiers import Bik, Inn, Kpp
from b2bcore.ports.company_lookup import BankInfo

DEMO_RESOURCE = "demo_companies.json"


@attrs.define(eq=False)
class CompanyDirectory:
    """Requisites by INN (head office first, then branches) and banks by BIK."""

    _parties: dict[str, list[Requisites]] = attrs.field(factory=dict, init=False, repr=False)
    _banks: dict[str, BankInfo] = attrs.field(factory=dict, init=False, repr=False)
    _faults: FaultPlan = attrs.field(factory=FaultPlan, init=False, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    # -- named constructors ------------------------------------------------------

    @classmethod
    def from_dadata_json(cls, obj: Mapping[str, Any]) -> CompanyDirectory:
        """A directory from ``{"parties": [response, ...], "banks": [response, ...]}``.

        Each response is a findById body, ``{"suggestions": [{"value", "data"}]}``;
        either list may be absent. Raises ``Rejected`` naming a malformed field.
        """
        directory = cls()
        for response in _responses(obj, "parties"):
            for item in suggestions(response):
                directory.add_party(requisites_from_party(item["data"]))
        for response in _responses(obj, "banks"):
            for item in suggestions(response):
                value = item.get("value")
                fallback = value if isinstance(value, str) else ""
                directory.add_bank(bank_from_data(item["data"], fallback_name=fallback))
        return directory

    @classmethod
    def demo(cls) -> CompanyDirectory:
        """The demo register: Sberbank, a synthetic ИП, and synthetic companies
        ООО "Ромашка" (head office + branch), ООО "Василёк" (active),
        ООО "Лютик" (liquidated), ООО "Незабудка" (liquidating); two banks."""
        text = resources.files(__package__).joinpath(DEMO_RESOURCE).read_text(encoding="utf-8")
        return cls.from_dadata_json(json.loads(text))

    # -- the world, as tests and the demo set it up ---------------------------------

    def add_party(self, requisites: Requisites) -> None:
        """Add a registry entry; an entry with the same INN+KPP is replaced (e.g. to
        liquidate a company mid-test). Head offices are kept before branches."""
        inn = str(requisites.inn)
        with self._lock:
            entries = [e for e in self._parties.get(inn, []) if e.tax_key != requisites.tax_key]
            entries.append(requisites)
            # sorted() is stable: head offices first, each group in insertion order.
            self._parties[inn] = sorted(entries, key=lambda e: e.is_branch)

    def add_bank(self, info: BankInfo) -> None:
        """Add or replace the bank with this BIK."""
        with self._lock:
            self._banks[str(info.bik)] = info

    def fail_next(self, n: int, error: Exception) -> None:
        """Make the next ``n`` lookups raise ``error`` (e.g. ``Unavailable("dadata", "429")``)."""
        self._faults.fail_next(n, error)

    # -- CompanyLookup -------------------------------------------------------------

    def find_party(self, inn: Inn, kpp: Kpp | None = None) -> list[Requisites]:
        self._faults.check()
        with self._lock:
            entries = list(self._parties.get(str(inn), []))
        if kpp is None:
            return entries
        return [e for e in entries if e.kpp == kpp]

    def find_bank(self, bik: Bik) -> BankInfo | None:
        self._faults.check()
        with self._lock:
            return self._banks.get(str(bik))


def _responses(obj: Mapping[str, Any], key: str) -> Iterable[Mapping[str, Any]]:
    items = obj.get(key, [])
    if not isinstance(items, list):
        raise Rejected("dadata", f"{key}: must be a list of responses", field=key)
    return items
