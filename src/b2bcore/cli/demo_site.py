"""The demo shop ``b2b serve --demo`` serves: a fresh SQLite file (through the
migrations), the in-memory simulators of SAP, 1C, DaData, document management and
mail, the demo client with orders in several states, and the worker.

The worker runs on a thread of the same process: the simulators live in its memory,
so a worker in another process would see a different SAP and 1C.
"""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta
from pathlib import Path

import attrs
from litestar import Litestar

from b2bcore import demo as scenario
from b2bcore.application import Worker, WorkerSettings
from b2bcore.config import Config
from b2bcore.domain.actors import Actor
from b2bcore.web import create_app
from b2bcore.web.pages import PageSettings

DEFAULT_DATABASE = Path("b2bcore-demo.db")
POLL_SECONDS = 1.0


@attrs.define
class BackgroundWorker:
    """:meth:`Worker.run_forever` on a daemon thread, stopped gracefully by :meth:`stop`."""

    worker: Worker
    _stop: threading.Event = attrs.field(factory=threading.Event, init=False)
    _thread: threading.Thread | None = attrs.field(default=None, init=False)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.worker.run_forever, args=(self._stop,), name="b2b-worker", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Finish the message in hand and stop; ``False`` if it is still running after
        ``timeout`` seconds (the thread is a daemon: it will not keep the process alive)."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()


@attrs.frozen(kw_only=True)
class DemoSite:
    shop: scenario.Demo
    web: Litestar
    tokens: dict[str, Actor]
    worker: BackgroundWorker


def demo_site(
    database: Path = DEFAULT_DATABASE,
    *,
    poll_seconds: float = POLL_SECONDS,
    pages: PageSettings | None = None,
) -> DemoSite:
    """The demo shop on a fresh ``database``, its web app with the simulator page, a
    made-up API token for the buyer and the manager, and the worker (not started)."""
    url = scenario.fresh_database(database)
    shop = scenario.seed(config=Config(database_url=url), clock="system")
    scenario.place_sample_orders(shop)
    tokens = {secrets.token_urlsafe(24): shop.buyer, secrets.token_urlsafe(24): shop.manager}
    web = create_app(shop.app, tokens=tokens, pages=pages, simulators=shop.world)
    worker = Worker(
        shop.app.services,
        worker_id="demo",
        settings=WorkerSettings(poll_interval=timedelta(seconds=poll_seconds)),
    )
    return DemoSite(shop=shop, web=web, tokens=tokens, worker=BackgroundWorker(worker))
