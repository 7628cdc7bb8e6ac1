"""Web latency: the JSON API's orders list and order page under uvicorn, loaded by
``wrk`` (the load generator: ``wrk -t2 -c16 -d10s --latency``), next to a bare
Litestar endpoint returning a small JSON under the same uvicorn settings, in the
same run, as the yardstick.

The data: one client with 100 000 orders (two lines each) in a SQLite file
migrated by the real migrations. The manager, the catalogue and the client are
seeded through the use cases (:func:`benchmarks.shop.seed`); the orders are copies
of four real orders built by the domain (placed, invoiced, paid, cancelled: 10,
20, 50 and 20 %), each stored once through the codec and then copied by one
``INSERT … SELECT`` over a generated series, five minutes apart, the newest
first. Not timed.

Each server is ``python -m benchmarks.web serve|bare PORT …`` in its own process:
``uvicorn.run`` on 127.0.0.1, one worker, no access log. Both servers run while
every endpoint is loaded in turn, round after round, so all see the same machine.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

import attrs
import uvicorn
from litestar import Litestar, get
from sqlalchemy import Engine, insert, text

from b2bcore import Config, bootstrap
from b2bcore.adapters.persistence.sql import codec, create_engine_from_url
from b2bcore.adapters.persistence.sql.tables import order_lines, orders
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route, RoutingDecision
from b2bcore.domain.order import Order
from b2bcore.domain.pricing import DeliveryCharge, OrderLine
from b2bcore.web import create_app
from benchmarks.harness import ROOT, Options, median, note, print_table
from benchmarks.shop import CATALOGUE, Buyer, seed

NAME = "web"
ORDERS = 100_000
PAGE = 50
CONNECTIONS = 16
THREADS = 2
BAR_P99_MS = 100.0
TOKEN = "benchmark-token-of-the-buyer-00"
NEWEST = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SPACING = timedelta(minutes=5)
FILTERED = "invoiced"
# Share of the orders in each template's status, in tenths (g % 10 picks the template).
_SHARES = (("placed", 1), ("invoiced", 2), ("paid", 5), ("cancelled", 2))


# -- the data ------------------------------------------------------------------------


def _template(status: str, buyer: Buyer) -> Order:
    """A real order of ``buyer`` in ``status``, with two lines."""
    actor = Actor.buyer(buyer.contact_id, buyer.client_id)
    system = Actor.system()
    order = Order.place(
        order_id=f"template-{status}",
        number=f"TEMPLATE-{status}",
        client_id=buyer.client_id,
        company_id=buyer.company_id,
        contact_id=buyer.contact_id,
        lines=[OrderLine.price(CATALOGUE[0], 10), OrderLine.price(CATALOGUE[1], 20)],
        delivery=DeliveryCharge(gross=Decimal("1500.00")),
        delivery_address="г Москва, ул Садовая, д 1",
        discount_percent=Decimal("0.00"),
        decision=RoutingDecision(Route.AUTOMATIC),
        actor=actor,
        now=NEWEST,
    )
    if status == "placed":
        return order
    order.reserve(system, NEWEST, f"RS-{status}")
    order.issue_invoice(system, NEWEST, number=f"INV-{status}", due_date=NEWEST.date())
    if status == "paid":
        order.record_payment(
            system, payment_id=f"pay-{status}", amount=order.gross_total, received_at=NEWEST
        )
    elif status == "cancelled":
        order.cancel(actor, NEWEST, "передумали")
    return order


def _template_of(g: str) -> str:
    """SQL: the template id for the ``g``-th order, by :data:`_SHARES`."""
    cases, upper = [], 0
    for status, tenths in _SHARES:
        upper += tenths
        cases.append(f"WHEN {g} % 10 < {upper} THEN 'template-{status}'")
    return f"CASE {' '.join(cases)} END"


_SERIES = (
    "WITH RECURSIVE series(g) AS"
    " (SELECT :first UNION ALL SELECT g + 1 FROM series WHERE g + 1 < :last)"
)


def _copy_orders_sql() -> str:
    new_id = "'o' || printf('%09d', g)"
    invoice = "CASE WHEN t.invoice_number IS NULL THEN NULL ELSE 'СЧ-' || printf('%09d', g) END"
    overrides = {
        "id": new_id,
        "number": "'B2B-' || printf('%09d', g)",
        # SQLite keeps UtcDateTime as naive UTC text with microseconds; g = 0 is the oldest.
        "placed_at": "datetime(:newest, '-' || ((:total - 1 - g) * :spacing) || ' seconds')"
        " || '.000000'",
        "invoice_number": invoice,
        "doc": f"CASE WHEN t.invoice_number IS NULL THEN t.doc"
        f" ELSE replace(t.doc, t.invoice_number, {invoice}) END",
    }
    columns = [column.name for column in orders.columns]
    chosen = [overrides.get(name, f"t.{name}") for name in columns]
    return (
        f"INSERT INTO orders ({', '.join(columns)}) {_SERIES}"
        f" SELECT {', '.join(chosen)} FROM series JOIN orders AS t ON t.id = {_template_of('g')}"
    )


def _copy_lines_sql() -> str:
    columns = [column.name for column in order_lines.columns]
    chosen = ["'o' || printf('%09d', g)" if n == "order_id" else f"t.{n}" for n in columns]
    return (
        f"INSERT INTO order_lines ({', '.join(columns)}) {_SERIES}"
        f" SELECT {', '.join(chosen)} FROM series"
        f" JOIN order_lines AS t ON t.order_id = {_template_of('g')}"
    )


def generate(url: str, count: int) -> Buyer:
    """A migrated SQLite database with one client and ``count`` orders of theirs."""
    (buyer,) = seed(url, 1)
    engine = create_engine_from_url(url)
    try:
        _fill(engine, buyer, count)
    finally:
        engine.dispose()
    return buyer


def _fill(engine: Engine, buyer: Buyer, count: int) -> None:
    templates = [_template(status, buyer) for status, _tenths in _SHARES]
    newest = NEWEST.replace(tzinfo=None).isoformat(sep=" ")
    with engine.begin() as connection:
        connection.execute(insert(orders), [codec.order_row(t) for t in templates])
        connection.execute(insert(order_lines), [r for t in templates for r in codec.line_rows(t)])
        for first in range(0, count, 50_000):
            bounds = {"first": first, "last": min(first + 50_000, count)}
            connection.execute(
                text(_copy_orders_sql()),
                {
                    **bounds,
                    "newest": newest,
                    "total": count,
                    "spacing": int(SPACING.total_seconds()),
                },
            )
            connection.execute(text(_copy_lines_sql()), bounds)
        # The templates served their purpose; the client has exactly ``count`` orders.
        connection.exec_driver_sql("DELETE FROM order_lines WHERE order_id LIKE 'template-%'")
        connection.exec_driver_sql("DELETE FROM orders WHERE id LIKE 'template-%'")
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


# -- the servers ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(*args: str, ready_path: str, headers: dict[str, str]) -> Iterator[str]:
    """``python -m benchmarks.web ARGS PORT`` until the block ends; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "benchmarks.web", *args, str(port)]
    # Its log goes to a file: a pipe nobody reads would stall the server once full.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(process, base + ready_path, headers, log)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(
    process: subprocess.Popen[bytes], url: str, headers: dict[str, str], log: IO[bytes]
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited early:\n{log.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within 60 s")


def _serve_api(url: str, contact_id: str, client_id: str, port: str) -> None:
    app = bootstrap(Config(database_url=url))
    asgi = create_app(app, tokens={TOKEN: Actor.buyer(contact_id, client_id)})
    uvicorn.run(asgi, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)


def _serve_bare(port: str) -> None:
    @get("/ping", sync_to_thread=False)
    def ping() -> dict[str, str]:
        return {"status": "ok", "service": "b2bcore"}

    asgi = Litestar(route_handlers=[ping])
    uvicorn.run(asgi, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)


# -- the load ------------------------------------------------------------------------


@attrs.frozen
class Load:
    p50_ms: float
    p99_ms: float
    rps: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def parse_wrk(output: str) -> Load:
    """p50, p99 (ms) and requests/s from ``wrk --latency``'s report."""
    found = {int(p): float(v) * _UNITS[unit] for p, v, unit in _PERCENTILE.findall(output)}
    rps = _RPS.search(output)
    failed = _NON_2XX.search(output)
    if failed or rps is None or set(found) != {50, 99}:
        raise RuntimeError(f"wrk: errors or no figures:\n{output}")
    return Load(p50_ms=found[50], p99_ms=found[99], rps=float(rps.group(1)))


def wrk(url: str, seconds: float, *, script: Path | None = None) -> Load:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {TOKEN}",
        *(["-s", str(script)] if script else []),
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return parse_wrk(result.stdout)


_RANDOM_ORDER = """
math.randomseed(7)
request = function()
  return wrk.format("GET", string.format("/api/v1/orders/o%09d", math.random(0, {last})))
end
"""


@attrs.frozen
class Endpoint:
    label: str
    path: str
    bare: bool = False
    script: str | None = None


def endpoints(count: int) -> list[Endpoint]:
    filtered = count * dict(_SHARES)[FILTERED] // 10
    deep, deep_filtered = count // 2 // PAGE * PAGE, filtered // 2 // PAGE * PAGE
    orders_path = f"/api/v1/orders?limit={PAGE}"
    by_status = f"{orders_path}&status={FILTERED}"
    return [
        Endpoint("orders list, first page", orders_path),
        Endpoint(f"orders list, deep page (offset {deep:,})", f"{orders_path}&offset={deep}"),
        Endpoint(f"orders list, status={FILTERED}, first page", by_status),
        Endpoint(
            f"orders list, status={FILTERED}, deep page (offset {deep_filtered:,})",
            f"{by_status}&offset={deep_filtered}",
        ),
        Endpoint(
            "one order (a random one of all)",
            "/api/v1/orders/o000000000",
            script=_RANDOM_ORDER.format(last=count - 1),
        ),
        Endpoint("bare Litestar, small JSON", "/ping", bare=True),
    ]


def run(options: Options) -> None:
    if shutil.which("wrk") is None:
        print("\n  web: skipped, wrk (the load generator) is not installed")
        return
    count = options.size(ORDERS, quick=2_000)
    seconds = options.seconds(10.0, quick=1.0)
    runs = 1 if options.quick else options.runs
    found: dict[str, list[Load]] = {}
    with tempfile.TemporaryDirectory(prefix="b2b-bench-web-") as folder:
        url = f"sqlite:///{Path(folder) / 'web.db'}"
        note(f"web: generating {count:,} orders of one client on SQLite")
        started = time.perf_counter()
        buyer = generate(url, count)
        note(f"web: generated in {time.perf_counter() - started:.0f} s")
        chosen = endpoints(count)
        for endpoint in chosen:
            if endpoint.script:
                Path(folder, f"{id(endpoint)}.lua").write_text(endpoint.script)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with (
            server(
                "serve",
                url,
                buyer.contact_id,
                buyer.client_id,
                ready_path=chosen[0].path,
                headers=auth,
            ) as api,
            server("bare", ready_path="/ping", headers={}) as bare,
        ):
            note("web: warming up both servers")
            wrk(api + chosen[0].path, min(seconds, 2.0))
            wrk(bare + "/ping", min(seconds, 2.0))
            for round_number in range(runs):
                for endpoint in chosen:
                    note(f"web: round {round_number + 1}/{runs}, {endpoint.label}")
                    script = Path(folder, f"{id(endpoint)}.lua") if endpoint.script else None
                    base = bare if endpoint.bare else api
                    found.setdefault(endpoint.label, []).append(
                        wrk(base + endpoint.path, seconds, script=script)
                    )
    _report(chosen, found, count, seconds, runs)


def _report(
    chosen: Sequence[Endpoint], found: dict[str, list[Load]], count: int, seconds: float, runs: int
) -> None:
    bare = found[chosen[-1].label]
    bare_p99, bare_rps = median([x.p99_ms for x in bare]), median([x.rps for x in bare])
    rows: list[list[object]] = []
    for endpoint in chosen:
        loads = found[endpoint.label]
        p50, p99, rps = (
            median([getattr(x, f) for x in loads]) for f in ("p50_ms", "p99_ms", "rps")
        )
        verdict = "—" if endpoint.bare else ("met" if p99 < BAR_P99_MS else "NOT met")
        rows.append(
            [
                endpoint.label,
                f"{p50:.2f}",
                f"{p99:.2f}",
                f"{rps:,.0f}",
                " / ".join(f"{x.rps:.0f}" for x in loads),
                f"{p99 / bare_p99:.1f}",
                f"{rps / bare_rps:.3f}",
                verdict,
            ]
        )
    print_table(
        f"Web latency (JSON API, uvicorn, SQLite, one client with {count:,} orders);"
        f" load generator: wrk -t{THREADS} -c{CONNECTIONS} -d{max(1, round(seconds))}s --latency,"
        f" median of {runs}; bar: p99 < {BAR_P99_MS:.0f} ms",
        [
            "endpoint",
            "p50 ms",
            "p99 ms",
            "req/s",
            "runs req/s",
            "p99 / bare",
            "req/s / bare",
            "bar",
        ],
        rows,
    )


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    _serve_api(*sys.argv[2:6])
elif __name__ == "__main__" and sys.argv[1:2] == ["bare"]:
    _serve_bare(sys.argv[2])
