"""The worker run inline, in the caller's thread: for tests, the demo, and shops that
embed b2bcore without a separate worker process (``b2b worker`` runs the same code)."""

from __future__ import annotations

from b2bcore.application.context import Services
from b2bcore.application.jobs import RunReport
from b2bcore.application.worker import Worker, WorkerSettings


class Processing:
    def __init__(self, services: Services) -> None:
        self._worker = Worker(
            services, worker_id="inline", settings=WorkerSettings(nightly_discounts=False), seed=0
        )

    def run_once(self) -> RunReport:
        """Handle every message available now, then poll payments and shipments once."""
        return self._worker.run_once()

    def run_until_idle(self, max_passes: int = 100) -> RunReport:
        """Repeat :meth:`run_once` until a pass changes nothing."""
        return self._worker.run_until_idle(max_passes)
