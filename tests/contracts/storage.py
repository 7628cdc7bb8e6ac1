"""The three storages a unit-of-work contract suite runs on, as mixins.

A suite subclasses its contract with one of them::

    class TestSqliteLogins(OnSqlite, LoginRepositoryContract): ...

``OnSqlite`` and ``OnPostgres`` take a fresh migrated database from the
``sqlite_engine`` and ``postgres_engine`` fixtures (``tests/databases.py``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from b2bcore.adapters.persistence import InMemoryUnitOfWorkFactory
from b2bcore.adapters.persistence.sql import SqlUnitOfWorkFactory
from b2bcore.ports.repositories import UnitOfWorkFactory


class InMemory:
    def make_uow_factory(self) -> UnitOfWorkFactory:
        return InMemoryUnitOfWorkFactory()


class OnSqlite:
    engine: Engine

    @pytest.fixture(autouse=True)
    def _database(self, sqlite_engine: Engine) -> None:
        self.engine = sqlite_engine

    def make_uow_factory(self) -> UnitOfWorkFactory:
        return SqlUnitOfWorkFactory(self.engine)


class OnPostgres(OnSqlite):
    @pytest.fixture(autouse=True)
    def _database(self, postgres_engine: Engine) -> None:
        self.engine = postgres_engine
