"""Document management: counterparties and contracts (1C:Документооборот in the case)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

import attrs

from b2bcore.domain.client import Requisites


@attrs.frozen(kw_only=True)
class Contract:
    number: str
    signed_on: date


class DocumentManagement(Protocol):
    def register_counterparty(self, *, key: str, requisites: Requisites) -> str:
        """Create (or find, by INN+KPP) the counterparty; returns its id. Idempotent by key."""
        ...

    def contract_for(self, counterparty_id: str) -> Contract | None: ...
