"""Volume discounts: each client's tier from its paid purchases in the window."""

from __future__ import annotations

from decimal import Decimal

from b2bcore.application.context import Services
from b2bcore.domain.errors import Conflict
from b2bcore.domain.money import ZERO

ATTEMPTS = 3
"""Recomputations tried when a client changes under one (all of it is then read again)."""


class Discounts:
    def __init__(self, services: Services) -> None:
        self._s = services

    def recompute(self) -> dict[str, tuple[str, str]]:
        """Set every client's discount from its volume in the window; returns the changes
        as ``{client_id: (old, new)}``. Orders already placed keep their discount.

        Set-based, so it scales to every client at once: one aggregate of the paid
        volumes, one read of the current discounts, the tiers chosen here, and one
        bulk change of the clients whose tier moved, committed in one transaction
        with a ``DiscountChanged`` outbox message each (the worker mails the
        supervisors). A client changed by someone else meanwhile fails the commit
        with nothing written; the whole recomputation is then tried again.
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
        policy = self._s.discounts
        start, end = policy.window(now.date())
        with self._s.uow() as uow:
            volumes = uow.orders.paid_volumes(start, end)
            current = uow.clients.discounts()
            changed: dict[str, Decimal] = {}
            for client_id, old in current.items():
                new = policy.tier_for(volumes.get(client_id, ZERO)).percent
                if new != old:
                    changed[client_id] = new
            uow.clients.apply_discounts(changed, now=now)
            uow.commit()
        return {
            client_id: (str(current[client_id]), str(new)) for client_id, new in changed.items()
        }
