"""`b2b serve`: its options, and the demo shop it serves with printed tokens and its worker."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from litestar.testing import TestClient

from b2bcore.adapters.persistence.sql import migrate
from b2bcore.cli import main
from b2bcore.cli.demo_site import demo_site


def test_serve_offers_host_port_and_demo() -> None:
    """The command is registered with its options."""
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--demo", "--demo-database"):
        assert option in result.output


def test_demo_tokens_open_the_demo_shop(tmp_path: Path) -> None:
    """Each demo token authenticates: the buyer reads their orders, the manager the queue."""
    site = demo_site(tmp_path / "demo.db")
    by_kind = {actor.kind.value: token for token, actor in site.tokens.items()}
    with TestClient(site.web) as http:
        orders = http.get("/api/v1/orders", headers={"Authorization": f"Bearer {by_kind['buyer']}"})
        queue = http.get("/api/v1/queue", headers={"Authorization": f"Bearer {by_kind['manager']}"})
    assert orders.status_code == 200
    assert len(orders.json()) == 5
    assert queue.status_code == 200
    assert len(queue.json()) == 1


def test_the_demo_starts_from_a_fresh_migrated_database(tmp_path: Path) -> None:
    """A second start replaces the first one's file: the same five orders, not ten."""
    database = tmp_path / "demo.db"
    demo_site(database)
    site = demo_site(database)
    assert migrate.current(f"sqlite:///{database}") == migrate.head()
    assert len(site.shop.app.cabinet.orders(site.shop.buyer)) == 5


def test_the_demo_worker_stops_when_asked(tmp_path: Path) -> None:
    """The background worker finishes and its thread ends on stop()."""
    site = demo_site(tmp_path / "demo.db", poll_seconds=0.1)
    site.worker.start()
    assert site.worker.stop(timeout=10)
