"""An outbox instead of an SMTP server: sent mail is kept for tests to read.

The mailer port promises that a message whose idempotency key was already sent
is not sent again (a retried job must not mail the invoice twice); the outbox
keeps that promise so tests can check it, and ``to(address)`` answers the
usual test question "what did this buyer get?".
"""

from __future__ import annotations

import threading

import attrs

from b2bcore.adapters.faults import FaultPlan
from b2bcore.domain.errors import Rejected
from b2bcore.ports.mail import EmailMessage

SYSTEM = "smtp"


@attrs.define(eq=False)
class OutboxMailer:
    """Keeps every delivered :class:`EmailMessage`, in order, in :attr:`sent`."""

    _sent: list[EmailMessage] = attrs.field(factory=list, init=False)
    _keys: set[str] = attrs.field(factory=set, init=False)
    _faults: FaultPlan = attrs.field(factory=FaultPlan, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    @property
    def sent(self) -> list[EmailMessage]:
        """The delivered messages, oldest first (a copy)."""
        with self._lock:
            return list(self._sent)

    def to(self, address: str) -> list[EmailMessage]:
        """The delivered messages with ``address`` among the recipients (case-insensitive)."""
        wanted = address.strip().lower()
        with self._lock:
            return [m for m in self._sent if wanted in (a.strip().lower() for a in m.to)]

    def fail_next(self, n: int, error: Exception) -> None:
        """Make the next ``n`` sends raise ``error`` (e.g. ``Unavailable("smtp", ...)``)."""
        self._faults.fail_next(n, error)

    def send(self, message: EmailMessage) -> None:
        self._faults.check()
        if not any(a.strip() for a in message.to):
            raise Rejected(SYSTEM, "a message needs at least one recipient")
        with self._lock:
            if message.idempotency_key:
                if message.idempotency_key in self._keys:
                    return
                self._keys.add(message.idempotency_key)
            self._sent.append(message)
