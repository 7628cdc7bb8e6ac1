"""Mail over SMTP: STARTTLS or implicit TLS, login, text + HTML, attachments.

Each message is one MIME message: ``multipart/alternative`` (text, and HTML
when given) inside ``multipart/mixed`` when there are attachments. Its
Message-ID is derived from the idempotency key (``<sha256(key)[:32]@domain>``),
so a copy sent again after a crash carries the same id and mail clients show
it once; within a process a key already sent is not sent again at all.

Failures, all naming ``smtp``::

    cannot connect, no answer in time, connection dropped,
    a 4xx reply (greylisting, mailbox busy)          Unavailable
    login refused                                    Rejected, reason "credentials"
    TLS failed or STARTTLS/AUTH not offered          Rejected, reason "config"
    the sender or every recipient refused, a 5xx     Rejected
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

import attrs

from b2bcore.adapters.settings import between, not_blank, one_of, positive, secret
from b2bcore.domain.errors import ExternalSystemError, InvalidValue, Rejected, Unavailable
from b2bcore.ports.mail import EmailMessage
from b2bcore.ports.probe import CREDENTIALS, ProbeResult, ProbeStatus

SYSTEM = "smtp"
PASSWORD = "B2B_SMTP_PASSWORD"
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
REMEMBERED_KEYS = 10_000
"""How many sent idempotency keys a mailer remembers (oldest forgotten first)."""


def _sender(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if "@" not in parseaddr(value)[1]:
        raise ValueError(
            f"{attribute.name}: must be an address such as 'Shop <shop@example.ru>' (got {value!r})"
        )


@attrs.frozen(kw_only=True)
class SmtpSettings:
    """The ``[smtp]`` section; the password comes from ``B2B_SMTP_PASSWORD``."""

    host: str = attrs.field(validator=not_blank)
    port: int | None = attrs.field(default=None)
    """``None``: 587 for STARTTLS, 465 for SSL, 25 for none."""
    security: str = attrs.field(default="starttls", validator=one_of(DEFAULT_PORTS))
    username: str = ""
    """Empty: no login (and no password needed)."""
    sender: str = attrs.field(validator=_sender)
    timeout: float = attrs.field(default=10.0, validator=positive)
    ca_file: str = ""
    """A PEM bundle of extra CAs to trust (a company CA); empty: the system's."""
    helo: str = ""
    """The name given in EHLO; empty: the sender's domain."""

    @port.validator
    def _check_port(self, attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is not None:
            between(1, 65535)(self, attribute, value)

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.security]

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def sender_domain(self) -> str:
        return self.sender_address.rpartition("@")[2]


@attrs.define(eq=False)
class SmtpMailer:
    """The Mailer port on an SMTP server; a new connection per message."""

    _settings: SmtpSettings
    _password: str = attrs.field(repr=False)
    _tls: ssl.SSLContext | None = attrs.field(repr=False)
    _sent: OrderedDict[str, None] = attrs.field(factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: SmtpSettings, secrets: Mapping[str, str]) -> SmtpMailer:
        password = secret(secrets, PASSWORD) if settings.username else ""
        tls = None
        if settings.security != "none":
            try:
                tls = ssl.create_default_context(cafile=settings.ca_file or None)
            except (OSError, ssl.SSLError) as exc:
                raise InvalidValue("smtp.ca_file", f"cannot be read: {exc}") from exc
        return cls(settings, password, tls)

    # -- Mailer ---------------------------------------------------------------------------

    def send(self, message: EmailMessage) -> None:
        recipients = [a.strip() for a in message.to if a.strip()]
        if not recipients:
            raise Rejected(SYSTEM, "a message needs at least one recipient")
        key = message.idempotency_key
        with self._lock:
            if key and key in self._sent:
                return
        mime = self.compose(message)
        with self._session() as smtp:
            refused = smtp.send_message(
                mime, from_addr=self._settings.sender_address, to_addrs=recipients
            )
        self._remember(key)
        if refused:
            raise Rejected(SYSTEM, f"refused recipients: {_refusals(refused)}", reason="recipient")

    def compose(self, message: EmailMessage) -> MimeMessage:
        """The MIME message that :meth:`send` delivers."""
        mime = MimeMessage()
        try:
            mime["From"] = self._settings.sender
            mime["To"] = ", ".join(a.strip() for a in message.to if a.strip())
            mime["Subject"] = message.subject
            mime["Date"] = formatdate(usegmt=True)
            mime["Message-ID"] = message_id(message.idempotency_key, self._settings.sender_domain)
            mime.set_content(message.text)
            if message.html is not None:
                mime.add_alternative(message.html, subtype="html")
            for attachment in message.attachments:
                maintype, _, subtype = attachment.content_type.partition("/")
                if not (maintype and subtype):
                    maintype, subtype = "application", "octet-stream"
                mime.add_attachment(
                    attachment.data,
                    maintype=maintype,
                    subtype=subtype,
                    filename=attachment.filename,
                )
        except (ValueError, TypeError) as exc:
            # A header with a line break or an unparseable address: refused, never sent.
            raise Rejected(SYSTEM, f"cannot compose the message: {exc}") from exc
        return mime

    def probe(self) -> ProbeResult:
        """Connect, secure, log in and say NOOP: checks host, TLS and credentials."""
        try:
            with self._session() as smtp:
                smtp.noop()
        except ExternalSystemError as exc:
            return ProbeResult.from_error(exc)
        s = self._settings
        return ProbeResult(ProbeStatus.OK, f"{s.host}:{s.effective_port} ({s.security})")

    # -- the connection -------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """A connected, secured, logged-in client; every failure translated."""
        s = self._settings
        helo = s.helo or s.sender_domain
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host,
                    s.effective_port,
                    local_hostname=helo,
                    timeout=s.timeout,
                    context=self._tls,
                )
            else:
                smtp = smtplib.SMTP(
                    s.host, s.effective_port, local_hostname=helo, timeout=s.timeout
                )
            with smtp:
                smtp.ehlo()
                if s.security == "starttls":
                    smtp.starttls(context=self._tls)
                    smtp.ehlo()
                if s.username:
                    smtp.login(s.username, self._password)
                yield smtp
        except (smtplib.SMTPException, OSError) as exc:
            raise _translate(exc, s) from exc

    def _remember(self, key: str) -> None:
        if not key:
            return
        with self._lock:
            self._sent[key] = None
            while len(self._sent) > REMEMBERED_KEYS:
                self._sent.popitem(last=False)


def message_id(key: str, domain: str) -> str:
    """``<sha256(key)[:32]@domain>`` for a key, else a fresh unique id."""
    if not key:
        return make_msgid(domain=domain)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _translate(  # noqa: PLR0911 - one return per kind of failure, as in the docstring
    exc: smtplib.SMTPException | OSError, s: SmtpSettings
) -> ExternalSystemError:
    where = f"{s.host}:{s.effective_port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Rejected(
            SYSTEM, f"login refused for {s.username!r}: {_reply(exc)}", reason=CREDENTIALS
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return Rejected(
            SYSTEM, f"every recipient refused: {_refusals(exc.recipients)}", reason="recipient"
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        reason = CREDENTIALS if exc.smtp_code == 530 else "sender"
        return Rejected(SYSTEM, f"sender {exc.sender!r} refused: {_reply(exc)}", reason=reason)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Rejected(SYSTEM, f"{where} does not support it: {exc}", reason="config")
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == -1:
        return Rejected(SYSTEM, f"{where} does not speak SMTP", reason="config")
    if isinstance(exc, smtplib.SMTPResponseException):
        error = Unavailable if 400 <= exc.smtp_code < 500 else Rejected
        return error(SYSTEM, f"{where} answered {_reply(exc)}", code=exc.smtp_code)
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        # smtplib reports a read that timed out as a disconnection.
        return Unavailable(SYSTEM, f"no answer from {where} within {s.timeout:g} s")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Unavailable(SYSTEM, f"{where} closed the connection: {exc}")
    if isinstance(exc, smtplib.SMTPException):
        return Rejected(SYSTEM, f"{where}: {exc}", reason="config")
    if isinstance(exc, ssl.SSLError):
        return Rejected(SYSTEM, f"TLS with {where} failed ({s.security}): {exc}", reason="config")
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return Unavailable(SYSTEM, f"cannot connect to {where}: {detail}")


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{exc.smtp_code} {text}"


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {text.decode('utf-8', 'replace')})"
        for address, (code, text) in refused.items()
    )
