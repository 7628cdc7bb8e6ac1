"""Fresh migrated SQLite and PostgreSQL databases for the storage tests."""

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
