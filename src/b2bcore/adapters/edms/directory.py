"""An in-memory 1C:Документооборот: counterparties and their contracts.

Registration is idempotent twice over, as the real integration must be: by the
key (a retried call) and by INN+KPP (the company is already a counterparty,
registered by another client or by hand). Contracts are signed outside the
shop, so tests and the demo attach them with :meth:`set_contract`.
"""

from __future__ import annotations

import threading

import attrs

from b2bcore.adapters.faults import FaultPlan
from b2bcore.domain.client import Requisites
from b2bcore.domain.errors import Rejected
from b2bcore.ports.edms import Contract

SYSTEM = "edms"


@attrs.define(eq=False)
class InMemoryDocumentManagement:
    """Counterparties by id (``CP-000001``) and INN+KPP; at most one contract each."""

    _counterparties: dict[str, Requisites] = attrs.field(factory=dict, init=False)
    _by_tax_key: dict[tuple[str, str], str] = attrs.field(factory=dict, init=False)
    _by_key: dict[str, str] = attrs.field(factory=dict, init=False)
    _contracts: dict[str, Contract] = attrs.field(factory=dict, init=False)
    _faults: FaultPlan = attrs.field(factory=FaultPlan, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    # -- the world, as tests and the demo drive it ----------------------------------

    def set_contract(self, counterparty_id: str, contract: Contract) -> None:
        """Attach (or replace) the counterparty's contract."""
        with self._lock:
            self._known(counterparty_id)
            self._contracts[counterparty_id] = contract

    def counterparties(self) -> dict[str, Requisites]:
        """Every counterparty by id, in registration order."""
        with self._lock:
            return dict(self._counterparties)

    def fail_next(self, n: int, error: Exception) -> None:
        """Make the next ``n`` port calls raise ``error`` (e.g. ``Unavailable``)."""
        self._faults.fail_next(n, error)

    # -- DocumentManagement ----------------------------------------------------------

    def register_counterparty(self, *, key: str, requisites: Requisites) -> str:
        self._faults.check()
        with self._lock:
            counterparty_id = self._by_key.get(key) or self._by_tax_key.get(requisites.tax_key)
            if counterparty_id is None:
                counterparty_id = f"CP-{len(self._counterparties) + 1:06d}"
                self._counterparties[counterparty_id] = requisites
                self._by_tax_key[requisites.tax_key] = counterparty_id
            self._by_key[key] = counterparty_id
            return counterparty_id

    def contract_for(self, counterparty_id: str) -> Contract | None:
        self._faults.check()
        with self._lock:
            self._known(counterparty_id)
            return self._contracts.get(counterparty_id)

    def _known(self, counterparty_id: str) -> None:
        if counterparty_id not in self._counterparties:
            raise Rejected(SYSTEM, f"unknown counterparty {counterparty_id}")
