"""Volume discounts: each client's tier from its paid purchases in the window."""

from __future__ import annotations

from decimal import Decimal

from b2bcore.application.context import Services
from b2bcore.domain.errors import Conflict

ATTEMPTS = 3
"""Recomputations tried when a client changes under one (all of it is then read again)."""


class Discounts:
    def __init__(self, services: Services) -> None:
        self._s = services

    def recompute(self) -> dict[str, tuple[str, str]]:
        """Set every client's discount from its volume in the window; returns the changes
        as ``{client_id: (old, new)}``. Orders already placed keep their discount.

        Set-based, so it scales to every client at once: the storage chooses the tiers
        from the paid volumes and changes the clients whose tier moved, in one
        transaction with a ``DiscountChanged`` outbox message each (the worker mails
        the supervisors); the SQL storage does all of it in the database. A client
        changed by someone else meanwhile fails the commit with nothing written; the
        whole recomputation is then tried again.
        """
        attempt = 1
        while True:
            try:
                return self._recompute_once()
            except Conflict:
                if attempt == ATTEMPTS:
                    raise
                attempt += 1

    def _recompute_once(self) -> dict[str, tuple[str, str]]:
        now = self._s.clock.now()
        with self._s.uow() as uow:
            recomputation = uow.clients.recompute_discounts(
                self._s.discounts, today=now.date(), now=now
            )
            uow.commit()
        shown: dict[tuple[Decimal, Decimal], tuple[str, str]] = {}
        for change in set(recomputation.changes.values()):  # a handful of distinct changes
            shown[change] = (str(change[0]), str(change[1]))
        return {cid: shown[change] for cid, change in recomputation.changes.items()}
