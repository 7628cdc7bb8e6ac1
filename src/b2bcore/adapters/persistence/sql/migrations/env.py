"""Alembic's entry point for b2bcore's migrations.

:mod:`b2bcore.adapters.persistence.sql.migrate` hands in an open connection
(``config.attributes["connection"]``) and owns its transaction. Run from the
``alembic`` command line instead, the URL comes from ``-x url=...`` or the
``B2B_DATABASE_URL`` environment variable.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from b2bcore.adapters.persistence.sql.engine import create_engine_from_url
from b2bcore.adapters.persistence.sql.tables import metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite changes most tables by copying them; let future migrations do so.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    given = context.config.attributes.get("connection")
    if isinstance(given, Connection):
        _migrate(given)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ["B2B_DATABASE_URL"]
    engine = create_engine_from_url(url)
    try:
        with engine.begin() as connection:
            _migrate(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("b2bcore's migrations run online only: give them a database")
_run()
