"""Client search: a lower-cased ``search_text`` column on ``clients``, and on PostgreSQL
a trigram index on it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

The manager's client search looked for the text in each client's name, its companies'
INNs (``client_companies``) and its companies' names, which were only in the JSON
document, unpacked for every client a search read. Now the codec writes all of them,
lower-cased, into ``clients.search_text`` on every write, and the search reads that
column alone. The clients stored before this migration get it here, in batches, from
their documents, by :func:`~b2bcore.adapters.persistence.sql.codec.client_search_text`:
the very function the codec writes it with, so old and new rows cannot differ.

On PostgreSQL a GIN trigram index serves ``LIKE '%text%'``. It needs the ``pg_trgm``
extension, which ships with the server (``postgresql-contrib``) and is trusted since
PostgreSQL 13 (a user with CREATE on the database may create it). Where it cannot be
created, the migration warns and goes on without the index: the search is then a
scan of the column, slower but correct. The index is built inside the migration's
transaction, which blocks writes to ``clients`` meanwhile. Downgrading drops the
index and the column, and leaves the extension, which something else may use.
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

from b2bcore.adapters.persistence.sql.codec import client_search_text
from b2bcore.adapters.persistence.sql.tables import CLIENT_SEARCH_TRIGRAM_INDEX

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5_000

_clients = sa.table(
    "clients",
    sa.column("id", sa.String()),
    sa.column("name", sa.String()),
    sa.column("doc", sa.JSON()),
    sa.column("search_text", sa.Text()),
)


def upgrade() -> None:
    op.add_column("clients", sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    _fill_from_documents(connection)
    if connection.dialect.name == "postgresql" and _trigrams_available(connection):
        op.create_index(
            CLIENT_SEARCH_TRIGRAM_INDEX,
            "clients",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {CLIENT_SEARCH_TRIGRAM_INDEX}"))
    op.drop_column("clients", "search_text")


def _trigrams_available(connection: sa.Connection) -> bool:
    """Create ``pg_trgm`` if it is not there; False, with a warning, if that fails.

    In a savepoint: a failed statement would otherwise abort the whole migration's
    transaction."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        warnings.warn(
            "the pg_trgm extension could not be created, so the client search gets no "
            f"trigram index and scans the clients instead: {exc.orig}",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    return True


def _fill_from_documents(connection: sa.Connection) -> None:
    """Each client's ``search_text``, from its name and document."""
    last = ""
    update = (
        sa.update(_clients)
        .where(_clients.c.id == sa.bindparam("b_id"))
        .values(search_text=sa.bindparam("b_text"))
    )
    while True:
        page = connection.execute(
            sa.select(_clients.c.id, _clients.c.name, _clients.c.doc)
            .where(_clients.c.id > last)
            .order_by(_clients.c.id)
            .limit(BATCH)
        ).all()
        if not page:
            return
        last = page[-1].id
        connection.execute(
            update,
            [{"b_id": row.id, "b_text": client_search_text(row.name, row.doc)} for row in page],
        )
