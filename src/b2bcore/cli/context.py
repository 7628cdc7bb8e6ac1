"""What every command shares: the configuration and, built on first use, the application."""

from __future__ import annotations

from pathlib import Path

import attrs

from b2bcore.adapters.dadata import CompanyDirectory
from b2bcore.adapters.persistence.sql import migrate
from b2bcore.application import B2B
from b2bcore.bootstrap import bootstrap
from b2bcore.config import DEFAULT_DATABASE_URL, Config
from b2bcore.domain.errors import InvariantViolation
from b2bcore.ports import CompanyLookup
from b2bcore.systems import company_lookup_from


@attrs.define
class CliContext:
    config_path: Path | None = None
    _config: Config | None = None
    _app: B2B | None = None
    _company_lookup: CompanyLookup | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            loaded = Config.load(self.config_path)
            if loaded.database_url is None:
                loaded = attrs.evolve(loaded, database_url=DEFAULT_DATABASE_URL)
            self._config = loaded
        return self._config

    @property
    def database_url(self) -> str:
        url = self.config.database_url
        assert url is not None
        return url

    @property
    def app(self) -> B2B:
        """The application on the configured database, whose schema must be current."""
        if self._app is None:
            revision, head = migrate.current(self.database_url), migrate.head()
            if revision != head:
                raise InvariantViolation(
                    f"the database schema is at {revision or 'nothing'}, the code needs {head}:"
                    " run `b2b db upgrade`",
                    reason="schema_behind",
                    revision=revision or "-",
                    head=head,
                )
            self._app = bootstrap(self.config)
        return self._app

    @property
    def company_lookup(self) -> CompanyLookup:
        """The application's lookup if one is built, else the configured one (no
        database needed), else the demo company directory."""
        if self._app is not None:
            return self._app.services.company_lookup
        if self._company_lookup is None:
            configured = company_lookup_from(self.config)
            self._company_lookup = configured or CompanyDirectory.demo()
        return self._company_lookup

    @property
    def uses_simulated_lookup(self) -> bool:
        return isinstance(self.company_lookup, CompanyDirectory)

    @classmethod
    def with_app(cls, app: B2B, config: Config | None = None) -> CliContext:
        """For tests and embedding: commands run against an application already built."""
        return cls(config=config or Config(database_url=DEFAULT_DATABASE_URL), app=app)
