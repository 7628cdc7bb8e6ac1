"""The manager's client search: one SELECT for a page of summaries and the number of
matches (a separate count only for a page past the end).

A client matches when its name, the name of one of its companies or one of their
INNs contains the text. Names are compared lower-cased: PostgreSQL's ``lower``
under the ICU collation ``und-x-icu`` (under a ``C`` database locale plain
``lower`` leaves Cyrillic alone); on SQLite ``unicode_lower``, Python's
``str.lower`` that :mod:`..engine` registers on every connection (SQLite's own
``lower`` and ``LIKE`` fold ASCII only). Company names live in the client's JSON
``doc`` (see :mod:`..codec`: ``companies`` by id, each with ``requisites``), read
with ``json_each`` on both databases; the INNs come from ``client_companies``.

No index helps and none is added: ``LIKE '%text%'`` has a wildcard in front, which
no btree index can serve, so a search reads the clients table once (the INNs through
one hashed subquery). Unpacking a document costs several times reading it as text,
so a client's companies are only unpacked when its lower-cased document holds the
text somewhere (the text JSON-escaped as the engine writes documents); the matches
are sorted and counted as narrow rows in the same pass. Measured with 100 000
clients (``python -m benchmarks.client_search``, 2 shared cores, load average ~4):
a listing without text takes about 0.1 s on both databases; a text search 0.4-0.5 s
on SQLite and 0.5-1.0 s on PostgreSQL 15 (0.55-0.75 s when measured alone), the
worst case being a text that matches nothing. The previous search loaded every
client. Should a shop outgrow this, the next step is a lower-cased search column
with a trigram index (``pg_trgm``), and its migration.

Sorting is by name then id in code point order (``COLLATE "C"`` on PostgreSQL,
SQLite's binary collation, Python's ``<``), so every store pages alike.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Dialect,
    RowMapping,
    Select,
    String,
    cast,
    column,
    func,
    literal,
    select,
)

from b2bcore.adapters.persistence.sql.engine import json_dumps
from b2bcore.adapters.persistence.sql.tables import client_companies, clients
from b2bcore.domain.client import ClientStatus
from b2bcore.ports.repositories import ClientSummary

_ICU = "und-x-icu"


def statements(
    dialect: Dialect, text: str, manager_id: str | None, limit: int, offset: int
) -> tuple[Select[Any], Select[Any]]:
    """The page's SELECT, each row with the number of matches (``total``), and a count
    for a page past the end, which has no row to carry the total.

    The matches are sorted and counted as narrow rows (id, name), in one pass; only the
    page's rows are joined back for their documents."""
    conditions: list[ColumnElement[bool]] = []
    if manager_id is not None:
        conditions.append(clients.c.manager_id == manager_id)
    needle = text.strip().lower()
    if needle:
        conditions.append(_matches(dialect, needle))
    matched = (
        select(clients.c.id, clients.c.name, func.count().over().label("total"))
        .where(*conditions)
        .order_by(_sortable(dialect, clients.c.name), clients.c.id)
        .limit(limit)
        .offset(offset)
        .subquery("matched")
    )
    page = (
        select(
            clients.c.id,
            clients.c.name,
            clients.c.manager_id,
            clients.c.status,
            clients.c.discount_percent,
            clients.c.doc,
            matched.c.total,
        )
        .join_from(matched, clients, clients.c.id == matched.c.id)
        .order_by(_sortable(dialect, matched.c.name), matched.c.id)
    )
    count = select(func.count()).select_from(clients).where(*conditions)
    return page, count


def _sortable(dialect: Dialect, name: ColumnElement[str]) -> ColumnElement[str]:
    """Code point order whatever the database's locale."""
    return name.collate("C") if dialect.name == "postgresql" else name


def summary(row: RowMapping) -> ClientSummary:
    doc = row["doc"]
    if isinstance(doc, str):  # a driver that leaves JSON as text
        doc = json.loads(doc)
    companies = list(doc["companies"].values())
    return ClientSummary(
        id=row["id"],
        name=row["name"],
        main_inn=companies[0]["requisites"]["inn"] if companies else "",
        manager_id=row["manager_id"],
        discount_percent=row["discount_percent"],
        status=ClientStatus(row["status"]),
        company_count=len(companies),
    )


def _matches(dialect: Dialect, needle: str) -> ColumnElement[bool]:
    by_inn = select(client_companies.c.client_id).where(
        client_companies.c.inn.contains(needle, autoescape=True)
    )
    return (
        _lower(dialect, clients.c.name).contains(needle, autoescape=True)
        | clients.c.id.in_(by_inn)
        | (
            # Unpacking a document costs four times reading it as text: only a
            # document holding the needle somewhere is unpacked.
            _lower(dialect, cast(clients.c.doc, String)).contains(
                json_dumps(needle)[1:-1], autoescape=True
            )
            & _company_named(dialect, needle)
        )
    )


def _company_named(dialect: Dialect, needle: str) -> ColumnElement[bool]:
    """One of the client's companies has ``needle`` in its name: the short one, or
    the full one for a company without a short name (as ``Company.name``)."""
    if dialect.name == "postgresql":
        each = func.json_each(clients.c.doc["companies"])
    else:
        each = func.json_each(clients.c.doc, "$.companies")
    company = each.table_valued(column("value", JSON), name="company")
    short_name = company.c.value[("requisites", "short_name")].as_string()
    full_name = company.c.value[("requisites", "full_name")].as_string()
    name = func.coalesce(func.nullif(short_name, ""), full_name)
    return (
        select(literal(1))
        .select_from(company)
        .where(_lower(dialect, name).contains(needle, autoescape=True))
        .exists()
    )


def _lower(dialect: Dialect, value: ColumnElement[Any]) -> ColumnElement[str]:
    if dialect.name == "postgresql":
        return func.lower(value.collate(_ICU))
    return func.unicode_lower(value, type_=String)  # registered by the engine
