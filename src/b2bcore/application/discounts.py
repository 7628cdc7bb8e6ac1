"""Volume discounts: each client's tier from its paid purchases in the window."""

from __future__ import annotations

from b2bcore.application.context import Services
from b2bcore.application.notify import Notifier
from b2bcore.domain.money import ZERO


class Discounts:
    def __init__(self, services: Services) -> None:
        self._s = services
        self._notify = Notifier(services)

    def recompute(self) -> dict[str, tuple[str, str]]:
        """Set every client's discount from its volume in the window; returns the changes
        as ``{client_id: (old, new)}``. Orders already placed keep their discount."""
        now = self._s.clock.now()
        start, end = self._s.discounts.window(now.date())
        changes: dict[str, tuple[str, str]] = {}
        with self._s.uow() as uow:
            volumes = uow.orders.paid_volumes(start, end)
            client_ids = list(uow.clients.ids())
        for client_id in client_ids:
            tier = self._s.discounts.tier_for(volumes.get(client_id, ZERO))
            with self._s.uow() as uow:
                client = uow.clients.get(client_id)
                old = client.discount_percent
                if client.set_discount(tier.percent, now=now):
                    uow.commit()
                    changes[client_id] = (str(old), str(tier.percent))
                    self._notify.discount_changed(client, old, tier.percent)
        return changes
