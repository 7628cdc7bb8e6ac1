"""The schema through Alembic, with the migrations shipped in this package.

No ``alembic.ini`` is needed: the configuration is built here, pointing at the
``migrations`` folder next to this module. ``b2b db upgrade`` calls
:func:`upgrade`; the tests and the demo do the same, never ``create_all``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL

from b2bcore.adapters.persistence.sql.engine import create_engine_from_url, normalize_url

__all__ = ["current", "head", "upgrade"]

SCRIPT_LOCATION = "b2bcore.adapters.persistence.sql:migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the packaged migrations, on ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database: str | URL | Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision``, all in one transaction."""
    with _engine(database) as engine, engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current(database: str | URL | Engine) -> str | None:
    """The revision the database is at, or ``None`` when it has no schema yet
    (a SQLite file that does not exist is not created)."""
    if not isinstance(database, Engine):
        url = normalize_url(database)
        if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
            return None
    with _engine(database) as engine, engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    """The newest revision shipped in this package."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        raise RuntimeError("the package ships no migrations")
    return revision


@contextmanager
def _engine(database: str | URL | Engine) -> Iterator[Engine]:
    """The given engine, or one made for the URL and disposed of afterwards."""
    if isinstance(database, Engine):
        yield database
        return
    engine = create_engine_from_url(database)
    try:
        yield engine
    finally:
        engine.dispose()
