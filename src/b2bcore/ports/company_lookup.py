"""Company lookup: registry requisites by INN, bank details by BIK (DaData in the case)."""

from __future__ import annotations

from typing import Protocol

import attrs

from b2bcore.domain.client import Requisites
from b2bcore.domain.identifiers import Bik, CorrespondentAccount, Inn, Kpp


@attrs.frozen(kw_only=True)
class BankInfo:
    bik: Bik
    name: str
    correspondent_account: CorrespondentAccount | None
    swift: str = ""


class CompanyLookup(Protocol):
    def find_party(self, inn: Inn, kpp: Kpp | None = None) -> list[Requisites]:
        """Every registry entry for the INN (head office first, then branches);
        only the entry with ``kpp`` when given. Empty when the INN is unknown.

        Raises :class:`~b2bcore.domain.errors.Unavailable` or ``Rejected``.
        """
        ...

    def find_bank(self, bik: Bik) -> BankInfo | None:
        """The bank with this BIK, or ``None``."""
        ...
