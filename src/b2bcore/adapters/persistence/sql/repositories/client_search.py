"""The manager's client search: one SELECT for a page of summaries and the number of
matches (a separate count only for a page past the end).

A client matches when its name, the name of one of its companies or one of their
INNs contains the text, in any case. The codec writes all of them, lower-cased by
Python's ``str.lower``, into the client's ``search_text`` column on every write
(:func:`..codec.client_search_text`); the search lower-cases the text the same way
and looks for it with ``LIKE '%text%'`` in that column alone. The case folding is
Python's on every store, so no collation (PostgreSQL's under a ``C`` locale leaves
Cyrillic alone) and no SQLite function is needed. Fields are joined by a line break
and a text holding one matches nothing, so no match spans two fields.

On PostgreSQL a GIN trigram index (``pg_trgm``, migration 0005) answers the ``LIKE``
for a text of three characters or more; SQLite reads the column of every client (a
leading wildcard defeats any btree index), which is a short string, not a document.
The matches are sorted and counted as narrow rows (id, name) in the same pass; only
the page's rows are joined back for their documents. Measured with 100 000 clients
(``python -m benchmarks.client_search``, 2 shared cores): see ``docs/storage.md``.

Sorting is by name then id in code point order (``COLLATE "C"`` on PostgreSQL,
SQLite's binary collation, Python's ``<``), so every store pages alike.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Dialect, Select, false, func, select

from b2bcore.adapters.persistence.sql.codec import SEARCH_SEPARATOR
from b2bcore.adapters.persistence.sql.prepared import RowData
from b2bcore.adapters.persistence.sql.tables import clients
from b2bcore.domain.client import ClientStatus
from b2bcore.ports.repositories import ClientSummary


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


def summary(row: RowData) -> ClientSummary:
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
    """``needle`` (lower-cased) is in the client's name, a company's name or an INN."""
    if SEARCH_SEPARATOR in needle:  # it would span two fields
        return false()
    # One parameter, the whole pattern, and no ESCAPE clause on PostgreSQL: a plan
    # psycopg prepared scans 10-20 % faster than with ``'%' || :text || '%' ESCAPE '/'``.
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if dialect.name == "postgresql":  # the backslash is its default escape character
        return clients.c.search_text.like(pattern)
    return clients.c.search_text.like(pattern, escape="\\")
