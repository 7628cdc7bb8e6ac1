"""A fake SMTP server on loopback (aiosmtpd): STARTTLS or implicit TLS, AUTH LOGIN, a mailbox.

:func:`make_tls` makes a throwaway CA and a certificate for 127.0.0.1 signed
by it, so the adapter verifies the server exactly as it would a real one
(given the CA in ``ca_file``). Received messages are parsed with the standard
library's ``email`` package and turned back into the port's
:class:`~b2bcore.ports.mail.EmailMessage` for the contract tests.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import ssl
from email.message import EmailMessage as MimeMessage
from pathlib import Path
from typing import Any

import attrs
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from b2bcore.ports.mail import Attachment, EmailMessage

USERNAME = "shop@example.ru"
PASSWORD = "smtp-secret"


@attrs.frozen
class TlsFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_tls(directory: Path) -> TlsFiles:
    """A CA and a server certificate for 127.0.0.1 and localhost, as PEM files."""
    now = dt.datetime.now(dt.UTC)

    def certificate(
        subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: Any
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "b2bcore test CA")])
    ca_cert = (
        certificate("b2bcore test CA", ca_key, ca_name, ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        certificate("127.0.0.1", key, ca_name, ca_key)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@attrs.frozen
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: MimeMessage


class _Mailbox:
    """The aiosmtpd handler: refuses listed recipients, can answer DATA with a 4xx."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refused: set[str] = set()
        self.data_replies: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, MimeMessage)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 2.0.0 accepted"


class _LoopbackController(Controller):
    """aiosmtpd's controller on a port the OS picks (it wants a fixed port otherwise)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == USERNAME.encode()
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


class FakeSmtp:
    """An SMTP server on 127.0.0.1 that requires AUTH LOGIN (PLAIN is not offered)."""

    def __init__(self, *, security: str = "starttls", tls: TlsFiles | None = None) -> None:
        self.security = security
        self.mailbox = _Mailbox()
        options: dict[str, Any] = {
            "authenticator": _authenticate,
            "auth_required": True,
            "auth_exclude_mechanism": ["PLAIN"],
            "auth_require_tls": security == "starttls",
        }
        if security == "starttls":
            assert tls is not None
            options |= {"tls_context": tls.server_context(), "require_starttls": True}
        elif security == "ssl":
            assert tls is not None
            options["ssl_context"] = tls.server_context()
        self._controller = _LoopbackController(
            self.mailbox, hostname="127.0.0.1", port=0, server_hostname="mx.example.ru", **options
        )

    def __enter__(self) -> FakeSmtp:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def received(self) -> list[Received]:
        return list(self.mailbox.received)

    def delivered_to(self, address: str) -> list[EmailMessage]:
        """What ``address`` received, read back into the port's message."""
        wanted = address.lower()
        return [
            _as_port_message(r.message)
            for r in self.mailbox.received
            if wanted in (a.lower() for a in r.rcpt_tos)
        ]


def _content(part: MimeMessage | None) -> str | None:
    """A text part as the port holds it: LF line ends, no final newline (set_content adds one)."""
    if part is None:
        return None
    return str(part.get_content()).replace("\r\n", "\n").removesuffix("\n")


def _as_port_message(mime: MimeMessage) -> EmailMessage:
    text = _content(mime.get_body(preferencelist=("plain",)))
    assert text is not None
    return EmailMessage(
        to=tuple(a.addr_spec for a in mime["To"].addresses),
        subject=str(mime["Subject"]),
        text=text,
        html=_content(mime.get_body(preferencelist=("html",))),
        attachments=tuple(
            Attachment(
                filename=part.get_filename() or "",
                content_type=part.get_content_type(),
                data=part.get_payload(decode=True),
            )
            for part in mime.iter_attachments()
        ),
    )
