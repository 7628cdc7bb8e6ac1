"""The storage contract runs on fresh SQLite and PostgreSQL databases too."""

from tests.databases import (
    postgres,
    postgres_engine,
    postgres_url,
    sqlite_engine,
    sqlite_template,
    sqlite_url,
)

__all__ = [
    "postgres",
    "postgres_engine",
    "postgres_url",
    "sqlite_engine",
    "sqlite_template",
    "sqlite_url",
]
