"""Probe: a real adapter's health check, so ``b2b check`` can report on each system."""

from __future__ import annotations

import enum
from typing import Protocol

import attrs

from b2bcore.domain.errors import ExternalSystemError, Unavailable

CREDENTIALS = "credentials"
"""The ``reason`` param adapters put on a ``Rejected`` for a refused key or login."""


class ProbeStatus(enum.Enum):
    OK = "ok"
    UNREACHABLE = "unreachable"
    BAD_CREDENTIALS = "bad credentials"
    MISCONFIGURED = "misconfigured"


@attrs.frozen
class ProbeResult:
    """What one probe found; ``detail`` says why in a few words (never a secret)."""

    status: ProbeStatus
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status is ProbeStatus.OK

    @classmethod
    def from_error(cls, error: ExternalSystemError) -> ProbeResult:
        """Transient failures are "unreachable", a refused key or login is "bad
        credentials", any other refusal (wrong URL, wrong format) "misconfigured"."""
        if isinstance(error, Unavailable):
            status = ProbeStatus.UNREACHABLE
        elif error.params.get("reason") == CREDENTIALS:
            status = ProbeStatus.BAD_CREDENTIALS
        else:
            status = ProbeStatus.MISCONFIGURED
        return cls(status, error.message)


class Probe(Protocol):
    def probe(self) -> ProbeResult:
        """Reach the system once with the configured credentials; never raises."""
        ...
