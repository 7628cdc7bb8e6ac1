"""Discount recomputation at scale: ``Discounts.recompute()`` over 100 000 clients and
2 000 000 paid orders, against the bare SQL aggregate it is built on.

The data is generated with bulk SQL, not through the use cases, and is not timed:
clients (with their companies and contacts, valid INNs, documents shaped by the
codec) by batched inserts, orders by one ``INSERT … SELECT`` over a generated
series. Every order is paid inside the discount window, 20 per client, with
amounts that put a third of the clients in each of the 3, 5 and 7 % tiers. Order
documents are copies of one real paid order's document; orders have no lines
(nothing here reads them).

* cold: every client at 0 %, so every client changes (100 000 updates and outbox
  messages);
* nightly: the tiers already set, 5 % of the clients off by one tier, so ~5 % change.

Each recomputation runs in a fresh process (``python -m benchmarks.discounts
recompute URL``), so its peak resident memory is its own.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, text

from b2bcore import Config, bootstrap, in_memory_world
from b2bcore.adapters.persistence.sql import codec, create_engine_from_url, migrate
from b2bcore.adapters.persistence.sql.tables import (
    client_companies,
    client_contacts,
    clients,
    managers,
)
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route, RoutingDecision
from b2bcore.domain.client import Company, Contact, CorporateClient
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.order import Order
from b2bcore.domain.pricing import DeliveryCharge, OrderLine, Product
from benchmarks.harness import (
    Options,
    check,
    create_database,
    median,
    note,
    print_table,
    run_python,
    timed,
)
from benchmarks.shop import KPP, MANAGER, legal_inn, requisites

NAME = "discounts"
CLIENTS = 100_000
ORDERS_PER_CLIENT = 20
NIGHTLY_SHARE = 20  # one client in 20 (5 %) changes in the nightly scenario
RATIO_BAR = 2.0
RSS_BAR_MB = 300.0
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
_BATCH = 10_000

# Per-order amounts in roubles by tier: 20 orders make 300k-1M (3 %), 1M-3M (5 %), 3M-6M (7 %).
_AMOUNTS = ((15_000, 35_000), (50_000, 100_000), (150_000, 150_000))
_TIER_PERCENTS = ("3.00", "5.00", "7.00")


def client_id(number: int) -> str:
    return f"c{number:07d}"


# -- generating the data -------------------------------------------------------------


def _client_template() -> tuple[dict[str, Any], str]:
    """A client's row as the codec writes it, with its ids as tokens to replace."""
    company = Company(id="@CO@", requisites=requisites(0))
    supervisor = Contact(id="@CT@", full_name="Пётр Иванов", email="buyer@client.example.ru")
    client = CorporateClient.register(
        client_id="@ID@", company=company, supervisor=supervisor, manager_id=MANAGER.id, now=NOW
    )
    row = codec.client_row(client)
    doc = json.dumps(row.pop("doc"), ensure_ascii=False)
    doc = doc.replace(legal_inn(0), "@INN@").replace("buyer@client", "@EMAIL@")
    return row, doc


def _client_rows(first: int, last: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    row, doc = _client_template()
    for start in range(first, last, _BATCH):
        batch: dict[str, list[dict[str, Any]]] = {"clients": [], "companies": [], "contacts": []}
        for number in range(start, min(start + _BATCH, last)):
            cid, inn = client_id(number), legal_inn(number)
            email = f"buyer{number}@client.example.ru"
            text_doc = (
                doc.replace("@ID@", cid)
                .replace("@CO@", f"{cid}-co")
                .replace("@CT@", f"{cid}-ct")
                .replace("@INN@", inn)
                .replace("@EMAIL@", f"buyer{number}@client")
            )
            name, client_doc = f'ООО "Клиент {number}"', json.loads(text_doc)
            batch["clients"].append(
                {
                    **row,
                    "id": cid,
                    "name": name,
                    "doc": client_doc,
                    "search_text": codec.client_search_text(name, client_doc),
                }
            )
            batch["companies"].append(
                {"company_id": f"{cid}-co", "client_id": cid, "inn": inn, "kpp": KPP}
            )
            batch["contacts"].append({"contact_id": f"{cid}-ct", "client_id": cid, "email": email})
        yield batch


def _order_doc() -> str:
    """The document of one real paid order, its invoice number a token."""
    product = Product(sku="PAPER", name="Бумага А4, 500 листов", list_price=Decimal("500.00"))
    buyer = Actor.buyer("buyer", "client")
    order = Order.place(
        order_id="order",
        number="B2B-2026-000001",
        client_id="client",
        company_id="company",
        contact_id="buyer",
        lines=[OrderLine.price(product, 10)],
        delivery=DeliveryCharge(gross=Decimal("1500.00")),
        delivery_address="г Москва, ул Садовая, д 1",
        discount_percent=Decimal("0.00"),
        decision=RoutingDecision(Route.AUTOMATIC),
        actor=buyer,
        now=NOW,
    )
    system = Actor.system()
    order.reserve(system, NOW, "reservation")
    order.issue_invoice(system, NOW, number="@INVOICE@", due_date=NOW.date())
    order.record_payment(system, payment_id="payment", amount=order.gross_total, received_at=NOW)
    return json.dumps(codec.order_row(order)["doc"], ensure_ascii=False)


_ORDERS_SQL = {
    "postgresql": """
        INSERT INTO orders (id, number, client_id, company_id, contact_id, status, route,
            needs_manager, placed_at, paid_at, paid_on, discount_percent, goods_gross,
            gross_total, invoice_number, version, doc)
        SELECT 'o' || lpad(g::text, 9, '0'), 'B2B-' || lpad(g::text, 9, '0'), cid,
            cid || '-co', cid || '-ct', 'paid', 'automatic', false,
            (day - 1 + time '10:00') AT TIME ZONE 'UTC', (day + time '12:00') AT TIME ZONE 'UTC',
            day, 0, kopecks, kopecks + 150000, 'СЧ-' || lpad(g::text, 9, '0'), 4,
            replace(:doc, '@INVOICE@', 'СЧ-' || lpad(g::text, 9, '0'))::json
        FROM (
            SELECT g, 'c' || lpad((g % :clients)::text, 7, '0') AS cid,
                CAST(:start AS date) + (g % :days)::int AS day,
                100 * (CASE (g % :clients) % 3 WHEN 0 THEN :low0 + (g % :clients) % :span0
                    WHEN 1 THEN :low1 + (g % :clients) % :span1 ELSE :low2 END)::bigint AS kopecks
            FROM generate_series(:first, :last - 1) AS g
        ) AS generated
    """,
    "sqlite": """
        INSERT INTO orders (id, number, client_id, company_id, contact_id, status, route,
            needs_manager, placed_at, paid_at, paid_on, discount_percent, goods_gross,
            gross_total, invoice_number, version, doc)
        WITH RECURSIVE series(g) AS (
            SELECT :first UNION ALL SELECT g + 1 FROM series WHERE g + 1 < :last
        ), generated AS (
            SELECT g, 'c' || printf('%07d', g % :clients) AS cid,
                date(:start, '+' || (g % :days) || ' days') AS day,
                100 * (CASE (g % :clients) % 3 WHEN 0 THEN :low0 + (g % :clients) % :span0
                    WHEN 1 THEN :low1 + (g % :clients) % :span1 ELSE :low2 END) AS kopecks
            FROM series
        )
        SELECT 'o' || printf('%09d', g), 'B2B-' || printf('%09d', g), cid,
            cid || '-co', cid || '-ct', 'paid', 'automatic', 0,
            date(day, '-1 day') || ' 10:00:00.000000', day || ' 12:00:00.000000',
            day, 0, kopecks, kopecks + 150000, 'СЧ-' || printf('%09d', g), 4,
            replace(:doc, '@INVOICE@', 'СЧ-' || printf('%09d', g))
        FROM generated
    """,
}


def generate(engine: Engine, client_count: int) -> None:
    """The clients and their paid orders, inside the window of :data:`NOW`."""
    start, end = DiscountPolicy.default().window(NOW.date())
    with engine.begin() as connection:
        connection.execute(insert(managers), [codec.manager_row(MANAGER)])
        for batch in _client_rows(0, client_count):
            connection.execute(insert(clients), batch["clients"])
            connection.execute(insert(client_companies), batch["companies"])
            connection.execute(insert(client_contacts), batch["contacts"])
    doc, orders = _order_doc(), client_count * ORDERS_PER_CLIENT
    statement = text(_ORDERS_SQL[engine.dialect.name])
    (low0, high0), (low1, high1), (low2, _high2) = _AMOUNTS
    for first in range(0, orders, 20 * _BATCH):
        with engine.begin() as connection:
            connection.execute(
                statement,
                {
                    "first": first,
                    "last": min(first + 20 * _BATCH, orders),
                    "clients": client_count,
                    "start": start.isoformat(),
                    "days": (end - start).days + 1,
                    "low0": low0,
                    "span0": high0 - low0,
                    "low1": low1,
                    "span1": high1 - low1,
                    "low2": low2,
                    "doc": doc,
                },
            )
    _analyze(engine)


def _analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


# -- the scenarios -----------------------------------------------------------------


def _reset(engine: Engine, *, nightly: bool) -> None:
    """Cold: every client at 0 %. Nightly: every client at its tier but one in 20 at 0 %."""
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM outbox")
        if nightly:
            _set_tiers(connection)
            connection.execute(
                text(
                    "UPDATE clients SET discount_percent = 0"
                    " WHERE CAST(substr(id, 2) AS integer) % :n = 0"
                ),
                {"n": NIGHTLY_SHARE},
            )
        else:
            connection.exec_driver_sql("UPDATE clients SET discount_percent = 0")
    _analyze(engine)


def _set_tiers(connection: Connection) -> None:
    for tier, value in enumerate(_TIER_PERCENTS):
        connection.execute(
            text(
                "UPDATE clients SET discount_percent = :hundredths"
                " WHERE CAST(substr(id, 2) AS integer) % 3 = :tier"
            ),
            {"hundredths": int(Decimal(value) * 100), "tier": tier},
        )


def bare_aggregate(engine: Engine) -> tuple[int, float]:
    """The volume aggregate as plain SQL, every row fetched: (rows, seconds)."""
    start, end = DiscountPolicy.default().window(NOW.date())
    sql = (
        "SELECT client_id, SUM(goods_gross) FROM orders"
        " WHERE paid_on BETWEEN :start AND :end AND status <> 'cancelled' GROUP BY client_id"
    )
    with engine.connect() as connection:
        rows, seconds = timed(
            lambda: connection.execute(text(sql), {"start": start, "end": end}).all()
        )
    return len(rows), seconds


def recompute_in_child(url: str) -> tuple[int, float, float]:
    """``Discounts.recompute()`` in a fresh process: (changes, seconds, peak RSS in MB)."""
    run = check(run_python("benchmarks.discounts", "recompute", url), "recompute")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    return int(result["changed"]), float(result["seconds"]), run.peak_rss_mb


def _child(url: str) -> None:
    """In the child: build the application at :data:`NOW` and time one recomputation."""
    app = bootstrap(Config(database_url=url), world=in_memory_world(now=NOW))
    changes, seconds = timed(app.discounts.recompute)
    print(json.dumps({"changed": len(changes), "seconds": seconds}))


def _benchmark(backend: str, url: str, client_count: int, runs: int) -> list[list[object]]:
    engine = create_engine_from_url(url)
    try:
        migrate.upgrade(engine)
        note(f"discounts: generating {client_count:,} clients on {backend}")
        _result, generation = timed(lambda: generate(engine, client_count))
        note(f"discounts: generated in {generation:.0f} s")
        bare_aggregate(engine)  # warm the cache
        rows: list[list[object]] = []
        for scenario in ("cold", "nightly"):
            found: list[tuple[int, float, float]] = []
            aggregates: list[float] = []
            for _ in range(runs):
                _reset(engine, nightly=scenario == "nightly")
                # Timed next to each recomputation, so both see the same machine load.
                aggregates.append(bare_aggregate(engine)[1])
                found.append(recompute_in_child(url))
            changed = found[0][0]
            seconds = median([f[1] for f in found])
            peak = max(f[2] for f in found)
            ratio = seconds / median(aggregates)
            rows.append(
                [
                    backend,
                    f"{client_count:,} / {client_count * ORDERS_PER_CLIENT:,}",
                    scenario,
                    f"{changed:,}",
                    f"{median(aggregates):.3f}",
                    f"{seconds:.3f}",
                    f"{ratio:.2f}",
                    "met" if ratio <= RATIO_BAR else "NOT met",
                    f"{peak:.0f}",
                    "met" if peak < RSS_BAR_MB else "NOT met",
                ]
            )
        return rows
    finally:
        engine.dispose()


def run(options: Options) -> None:
    runs = 1 if options.quick else options.runs
    full = options.size(CLIENTS, quick=200)
    sqlite_clients = options.size(CLIENTS // 4, quick=200)
    rows: list[list[object]] = []
    if options.postgres is not None:
        url = create_database(options.postgres, "bench_discounts")
        rows += _benchmark("postgresql", url, full, runs)
        create_database(options.postgres, "bench_discounts")  # drop the data
    with tempfile.TemporaryDirectory(prefix="b2b-bench-discounts-") as folder:
        rows += _benchmark("sqlite", f"sqlite:///{Path(folder) / 'd.db'}", sqlite_clients, runs)
    print_table(
        f"Discounts.recompute() vs the bare aggregate, seconds, median of {runs};"
        f" bars: ratio <= {RATIO_BAR}, peak RSS < {RSS_BAR_MB:.0f} MB",
        [
            "database",
            "clients / orders",
            "scenario",
            "changed",
            "aggregate s",
            "recompute s",
            "ratio",
            "ratio bar",
            "peak MB",
            "RSS bar",
        ],
        rows,
    )


if __name__ == "__main__" and sys.argv[1:2] == ["recompute"]:
    _child(sys.argv[2])
