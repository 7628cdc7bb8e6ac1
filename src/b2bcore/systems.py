"""The external systems as configured: a real adapter for each configured section.

:func:`b2bcore.bootstrap.bootstrap` takes :meth:`RealSystems.from_config` and
falls back to the in-memory simulators for every system left out of the
configuration; ``b2b check`` calls :func:`check_systems`, which builds and
probes each configured system on its own, so one broken system does not hide
the state of the others. Secrets come from ``environ`` (the process
environment unless given), never from the configuration.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import attrs
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from b2bcore.adapters.dadata.http import DadataLookup
from b2bcore.adapters.edms.http import HttpDocumentManagement
from b2bcore.adapters.mail.smtp import SmtpMailer
from b2bcore.adapters.onec.odata import OnecOdataAccounting
from b2bcore.adapters.persistence.sql import migrate
from b2bcore.adapters.sap.odata import SapOdataErp
from b2bcore.config import Config
from b2bcore.domain.errors import DomainError
from b2bcore.ports.probe import Probe, ProbeResult, ProbeStatus


def _dadata(config: Config, secrets: Mapping[str, str]) -> DadataLookup | None:
    if config.dadata is None:
        return None
    return DadataLookup.from_settings(config.dadata, secrets)


def _sap(config: Config, secrets: Mapping[str, str]) -> SapOdataErp | None:
    if config.sap is None:
        return None
    return SapOdataErp.from_settings(config.sap, secrets)


def _onec(config: Config, secrets: Mapping[str, str]) -> OnecOdataAccounting | None:
    if config.onec is None:
        return None
    return OnecOdataAccounting.from_settings(config.onec, secrets)


def _edms(config: Config, secrets: Mapping[str, str]) -> HttpDocumentManagement | None:
    if config.edms is None:
        return None
    return HttpDocumentManagement.from_settings(config.edms, secrets)


def _smtp(config: Config, secrets: Mapping[str, str]) -> SmtpMailer | None:
    if config.smtp is None:
        return None
    return SmtpMailer.from_settings(config.smtp, secrets)


Builder = Callable[[Config, Mapping[str, str]], Probe | None]

BUILDERS: dict[str, Builder] = {
    "dadata": _dadata,
    "sap": _sap,
    "onec": _onec,
    "edms": _edms,
    "smtp": _smtp,
}
"""Each system's section name and how to build its real adapter (``None``: not configured)."""


@attrs.frozen(kw_only=True)
class RealSystems:
    """The real adapters of the configured systems; ``None`` where a simulator is used."""

    company_lookup: DadataLookup | None = None
    erp: SapOdataErp | None = None
    accounting: OnecOdataAccounting | None = None
    edms: HttpDocumentManagement | None = None
    mailer: SmtpMailer | None = None

    @classmethod
    def from_config(cls, config: Config, environ: Mapping[str, str] | None = None) -> RealSystems:
        """Build every configured adapter; a missing secret raises ``InvalidValue``
        naming the environment variable, so a misconfigured installation stops at start."""
        secrets = os.environ if environ is None else environ
        return cls(
            company_lookup=_dadata(config, secrets),
            erp=_sap(config, secrets),
            accounting=_onec(config, secrets),
            edms=_edms(config, secrets),
            mailer=_smtp(config, secrets),
        )


def company_lookup_from(
    config: Config, environ: Mapping[str, str] | None = None
) -> DadataLookup | None:
    """The configured company lookup alone (``b2b company``), ``None`` without ``[dadata]``."""
    return _dadata(config, os.environ if environ is None else environ)


@attrs.frozen
class SystemCheck:
    """One line of ``b2b check``: ``result`` is ``None`` for a system left to its simulator."""

    system: str
    result: ProbeResult | None


def check_systems(config: Config, environ: Mapping[str, str] | None = None) -> list[SystemCheck]:
    """The database (when configured), then each system: built on its own and probed once."""
    secrets = os.environ if environ is None else environ
    checks: list[SystemCheck] = []
    if config.database_url is not None:
        checks.append(SystemCheck("database", probe_database(config.database_url)))
    for name, build in BUILDERS.items():
        checks.append(SystemCheck(name, _probe(build, config, secrets)))
    return checks


def probe_database(url: str) -> ProbeResult:
    """Reachable, and its schema at the revision the code needs."""
    try:
        revision, head = migrate.current(url), migrate.head()
    except ArgumentError as exc:
        return ProbeResult(ProbeStatus.MISCONFIGURED, f"bad database URL: {exc}")
    except SQLAlchemyError as exc:
        return ProbeResult(ProbeStatus.UNREACHABLE, str(exc).splitlines()[0])
    if revision != head:
        shown = f"schema at {revision}" if revision else "no schema yet"
        return ProbeResult(
            ProbeStatus.MISCONFIGURED, f"{shown}, the code needs {head}: run b2b db upgrade"
        )
    return ProbeResult(ProbeStatus.OK, f"schema at {head}")


def _probe(build: Builder, config: Config, secrets: Mapping[str, str]) -> ProbeResult | None:
    try:
        adapter = build(config, secrets)
    except DomainError as exc:
        return ProbeResult(ProbeStatus.MISCONFIGURED, exc.message)
    if adapter is None:
        return None
    try:
        return adapter.probe()
    except Exception as exc:  # a probe must not raise; if one does, report it, don't crash
        return ProbeResult(ProbeStatus.MISCONFIGURED, f"{type(exc).__name__}: {exc}")
