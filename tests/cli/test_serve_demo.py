"""`b2b serve --demo` as `make demo` runs it: prints the URL and the logins, serves the
pages with the worker running, and stops cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from b2bcore import demo as scenario

STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {STARTUP_SECONDS} s")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_demo_prints_logins_serves_and_stops_on_a_signal(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    """The demo shop answers at the printed URL; a signal stops server and worker, exit 0."""
    port = _free_port()
    database = tmp_path / "demo.db"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "b2bcore.cli.main",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--demo-database",
            str(database),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/demo", process)
        assert "Оплатить счёт" in httpx.get(f"http://127.0.0.1:{port}/demo").text
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"Демо-магазин: http://127.0.0.1:{port}/" in out
    assert f"http://127.0.0.1:{port}/demo" in out
    for email, password in scenario.DEMO_PASSWORDS.items():
        assert f"{email}, пароль {password}" in out
    assert "Покупатель, руководитель" in out
    assert "Демо-магазин остановлен" in err
    assert "Traceback" not in err
    assert database.exists()
