"""The benchmarks run: all of them at their smallest scale (``--quick``), figures printed.

No timing is asserted: this only keeps ``make bench`` from rotting between runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    """One `python -m benchmarks --quick`: every benchmark, tiny and short."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_benchmarks_exit_cleanly(quick_run: subprocess.CompletedProcess[str]) -> None:
    """The run ends with exit code 0 after printing the machine it ran on."""
    assert quick_run.returncode == 0, quick_run.stderr
    assert "Machine" in quick_run.stdout


@pytest.mark.parametrize(
    "heading",
    [
        "Order intake (ordering.place), orders/s",
        "Discounts.recompute() vs the bare aggregate",
        "b2b import products (CLI in a subprocess)",
        "Pipeline, placed to shipped",
        pytest.param(
            "Web latency (JSON API, uvicorn, SQLite",
            marks=pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
        ),
    ],
)
def test_each_benchmark_prints_its_figures(
    quick_run: subprocess.CompletedProcess[str], heading: str
) -> None:
    """Each benchmark prints its table of figures."""
    assert heading in quick_run.stdout, quick_run.stdout + quick_run.stderr
