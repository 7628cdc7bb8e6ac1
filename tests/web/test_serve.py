"""`b2b serve`: its options, and the demo shop it serves with printed tokens."""

from __future__ import annotations

from click.testing import CliRunner
from litestar.testing import TestClient

from b2bcore.cli import main
from b2bcore.cli.serve import demo_shop
from b2bcore.web import create_app


def test_serve_offers_host_port_and_demo() -> None:
    """The command is registered with its options."""
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--demo"):
        assert option in result.output


def test_demo_tokens_open_the_demo_shop() -> None:
    """Each demo token authenticates: the buyer reads their orders, the manager the queue."""
    app, tokens = demo_shop()
    by_kind = {actor.kind.value: token for token, actor in tokens.items()}
    with TestClient(create_app(app, tokens=tokens)) as http:
        orders = http.get("/api/v1/orders", headers={"Authorization": f"Bearer {by_kind['buyer']}"})
        queue = http.get("/api/v1/queue", headers={"Authorization": f"Bearer {by_kind['manager']}"})
    assert orders.status_code == 200
    assert len(orders.json()) == 3
    assert queue.status_code == 200
