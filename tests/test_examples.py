"""The examples in examples/ run as a shop's developer would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_embed_in_shop_places_and_pays_an_order() -> None:
    """The embedding example registers a client, places an order and sees it paid."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "embed_in_shop.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "order B2B-2026-000001: 183960.00 ₽, route automatic" in result.stdout
    assert "order B2B-2026-000001 is paid; emails sent: 3" in result.stdout
