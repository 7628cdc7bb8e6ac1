"""The SMTP mailer against aiosmtpd on loopback: TLS, login, MIME, Message-ID and failures."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from b2bcore.adapters.mail.smtp import SmtpMailer, SmtpSettings, message_id
from b2bcore.domain.errors import InvalidValue, Rejected, Unavailable
from b2bcore.ports.mail import Attachment, EmailMessage
from b2bcore.ports.probe import ProbeStatus
from tests.fakes.smtp import PASSWORD, USERNAME, FakeSmtp, TlsFiles, make_tls

PDF = Attachment(
    filename="Счёт СЧ-2026-000001.pdf",
    content_type="application/pdf",
    data=b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF",
)
INVOICE = EmailMessage(
    to=("buyer@example.ru", "accounting@example.ru"),
    subject="Счёт СЧ-2026-000001 по заказу B2B-2026-000001",
    text="Здравствуйте!\nСчёт во вложении.",
    html="<p>Здравствуйте!</p><p>Счёт во вложении.</p>",
    attachments=(PDF,),
    idempotency_key="invoice:order-1",
)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def server(tls: TlsFiles) -> Iterator[FakeSmtp]:
    with FakeSmtp(security="starttls", tls=tls) as fake:
        yield fake


def mailer_for(
    server: FakeSmtp, tls: TlsFiles, *, password: str = PASSWORD, **options: Any
) -> SmtpMailer:
    settings = SmtpSettings(
        **{
            "host": "127.0.0.1",
            "port": server.port,
            "security": server.security,
            "username": USERNAME,
            "sender": "Б2Б Магазин <shop@example.ru>",
            "timeout": 2.0,
            "ca_file": str(tls.ca_file),
            **options,
        }
    )
    return SmtpMailer.from_settings(settings, {"B2B_SMTP_PASSWORD": password})


# -- what arrives ----------------------------------------------------------------------------


def test_starttls_login_and_delivery(server: FakeSmtp, tls: TlsFiles) -> None:
    """Over STARTTLS with AUTH LOGIN the message reaches both recipients from the sender."""
    mailer_for(server, tls).send(INVOICE)
    [received] = server.received
    assert received.mail_from == "shop@example.ru"
    assert received.rcpt_tos == ("buyer@example.ru", "accounting@example.ru")
    assert received.message["Subject"] == INVOICE.subject
    assert received.message["From"].addresses[0].display_name == "Б2Б Магазин"


def test_text_and_html_are_alternatives(server: FakeSmtp, tls: TlsFiles) -> None:
    """The body is multipart/alternative: the plain text and the HTML, both intact."""
    mailer_for(server, tls).send(INVOICE)
    message = server.received[0].message
    assert message.get_content_type() == "multipart/mixed"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().splitlines() == ["Здравствуйте!", "Счёт во вложении."]
    assert html.get_content().strip() == "<p>Здравствуйте!</p><p>Счёт во вложении.</p>"


def test_pdf_attachment_arrives_byte_for_byte(server: FakeSmtp, tls: TlsFiles) -> None:
    """The PDF keeps its Cyrillic name, its type and every byte."""
    mailer_for(server, tls).send(INVOICE)
    [attachment] = server.received[0].message.iter_attachments()
    assert attachment.get_filename() == "Счёт СЧ-2026-000001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_payload(decode=True) == PDF.data


def test_message_id_is_derived_from_the_idempotency_key(server: FakeSmtp, tls: TlsFiles) -> None:
    """Message-ID is <sha256(key)[:32]@sender-domain>: a resent copy has the same id."""
    mailer_for(server, tls).send(INVOICE)
    digest = hashlib.sha256(b"invoice:order-1").hexdigest()[:32]
    assert server.received[0].message["Message-ID"] == f"<{digest}@example.ru>"
    assert message_id("invoice:order-1", "example.ru") == f"<{digest}@example.ru>"


def test_messages_without_a_key_get_unique_ids() -> None:
    """Without an idempotency key every message gets a fresh Message-ID."""
    assert message_id("", "example.ru") != message_id("", "example.ru")


# aiosmtpd warns when AUTH is allowed outside STARTTLS, which implicit TLS and "none" need.
_AUTH_WITHOUT_STARTTLS = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@_AUTH_WITHOUT_STARTTLS
def test_implicit_tls(tls: TlsFiles) -> None:
    """security = "ssl" talks TLS from the first byte (port 465 style)."""
    with FakeSmtp(security="ssl", tls=tls) as server:
        mailer_for(server, tls).send(INVOICE)
        assert len(server.received) == 1


@_AUTH_WITHOUT_STARTTLS
def test_plain_connection_without_tls(tls: TlsFiles) -> None:
    """security = "none" (a relay on the local network) sends without TLS."""
    with FakeSmtp(security="none") as server:
        mailer_for(server, tls).send(INVOICE)
        assert len(server.received) == 1


# -- refusals and failures -------------------------------------------------------------------


def test_wrong_password_is_a_credentials_refusal(server: FakeSmtp, tls: TlsFiles) -> None:
    """A refused login is Rejected as credentials, without the password in the message."""
    with pytest.raises(Rejected) as caught:
        mailer_for(server, tls, password="wrong-password").send(INVOICE)
    assert caught.value.params["reason"] == "credentials"
    assert "wrong-password" not in str(caught.value)
    assert server.received == []


def test_no_login_where_one_is_required_is_a_credentials_refusal(
    server: FakeSmtp, tls: TlsFiles
) -> None:
    """A server that requires AUTH refuses an anonymous sender: Rejected as credentials."""
    with pytest.raises(Rejected) as caught:
        mailer_for(server, tls, username="").send(INVOICE)
    assert caught.value.params["reason"] == "credentials"


def test_refused_recipient_is_rejected_naming_it(server: FakeSmtp, tls: TlsFiles) -> None:
    """When the server refuses every recipient, Rejected names them."""
    server.mailbox.refused = {"buyer@example.ru", "accounting@example.ru"}
    with pytest.raises(Rejected, match=r"buyer@example\.ru"):
        mailer_for(server, tls).send(INVOICE)


def test_partly_refused_recipients_are_reported_and_the_rest_delivered(
    server: FakeSmtp, tls: TlsFiles
) -> None:
    """One refused recipient is Rejected by name; the other still gets the message once."""
    server.mailbox.refused = {"accounting@example.ru"}
    mailer = mailer_for(server, tls)
    with pytest.raises(Rejected, match=r"accounting@example\.ru"):
        mailer.send(INVOICE)
    mailer.send(INVOICE)
    assert len(server.delivered_to("buyer@example.ru")) == 1


def test_temporary_refusal_is_unavailable_and_the_retry_delivers(
    server: FakeSmtp, tls: TlsFiles
) -> None:
    """A 451 (greylisting) is Unavailable and does not use up the key: the retry is sent."""
    server.mailbox.data_replies = ["451 4.7.1 greylisted, try again later"]
    mailer = mailer_for(server, tls)
    with pytest.raises(Unavailable, match="451"):
        mailer.send(INVOICE)
    mailer.send(INVOICE)
    assert len(server.received) == 1


def test_permanent_refusal_of_the_data_is_rejected(server: FakeSmtp, tls: TlsFiles) -> None:
    """A 554 for the message itself is Rejected."""
    server.mailbox.data_replies = ["554 5.7.1 message refused as spam"]
    with pytest.raises(Rejected, match="554"):
        mailer_for(server, tls).send(INVOICE)


def test_nobody_listening_is_unavailable(tls: TlsFiles) -> None:
    """A closed port is Unavailable, naming host and port."""
    with FakeSmtp(security="starttls", tls=tls) as stopped:
        pass
    with pytest.raises(Unavailable, match=rf"cannot connect to 127.0.0.1:{stopped.port}"):
        mailer_for(stopped, tls).send(INVOICE)


def test_a_server_that_never_greets_times_out(tls: TlsFiles) -> None:
    """A server that accepts the connection but says nothing is Unavailable after the timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = SmtpSettings(
            host="127.0.0.1",
            port=silent.getsockname()[1],
            sender="shop@example.ru",
            timeout=0.3,
        )
        with pytest.raises(Unavailable, match=r"no answer .* within 0.3 s"):
            SmtpMailer.from_settings(settings, {}).send(INVOICE)


@pytest.mark.parametrize(
    ("greeting", "error"),
    [
        (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html>", Rejected),
        (b"220-" + b"x" * 10_000 + b"\r\n", Rejected),
        (b"421 4.3.2 too busy, come back later\r\n", Unavailable),
        (b"220 mx.example.ru ESMTP\r\n", Unavailable),
    ],
)
def test_a_server_that_does_not_speak_smtp_properly(
    greeting: bytes, error: type[Exception]
) -> None:
    """Not SMTP (an HTTP server), an endless line, 421, or hanging up after the greeting:
    each is a port error naming smtp, never an smtplib exception."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def answer_once() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.sendall(greeting)

        thread = threading.Thread(target=answer_once, daemon=True)
        thread.start()
        settings = SmtpSettings(
            host="127.0.0.1",
            port=listener.getsockname()[1],
            security="none",
            sender="shop@example.ru",
            timeout=1.0,
        )
        with pytest.raises(error) as caught:
            SmtpMailer.from_settings(settings, {}).send(INVOICE)
        thread.join()
    assert caught.value.system == "smtp"  # type: ignore[attr-defined]


def test_untrusted_certificate_is_a_configuration_error(server: FakeSmtp, tls: TlsFiles) -> None:
    """Without the CA that signed the server's certificate, TLS fails: Rejected as config."""
    with pytest.raises(Rejected) as caught:
        mailer_for(server, tls, ca_file="").send(INVOICE)
    assert caught.value.params["reason"] == "config"
    assert "certificate" in str(caught.value)


def test_implicit_tls_against_a_starttls_port_is_a_configuration_error(
    server: FakeSmtp, tls: TlsFiles
) -> None:
    """security = "ssl" on a STARTTLS port fails the handshake: Rejected as config."""
    with pytest.raises(Rejected) as caught:
        mailer_for(server, tls, security="ssl").send(INVOICE)
    assert caught.value.params["reason"] == "config"


def test_header_injection_is_refused_before_connecting(tls: TlsFiles) -> None:
    """A subject with a line break is Rejected; nothing is sent."""
    settings = SmtpSettings(host="127.0.0.1", port=9, sender="shop@example.ru")
    bad = EmailMessage(to=("buyer@example.ru",), subject="Счёт\nBcc: x@evil.example", text=".")
    with pytest.raises(Rejected, match="cannot compose"):
        SmtpMailer.from_settings(settings, {}).send(bad)


# -- configuration and probe -----------------------------------------------------------------


def test_login_without_a_password_is_a_configuration_error() -> None:
    """A username without B2B_SMTP_PASSWORD is refused when the mailer is built."""
    settings = SmtpSettings(host="smtp.example.ru", username="shop", sender="shop@example.ru")
    with pytest.raises(InvalidValue, match="B2B_SMTP_PASSWORD"):
        SmtpMailer.from_settings(settings, {})


def test_unreadable_ca_file_is_a_configuration_error(tmp_path: Path) -> None:
    """A CA file that does not exist is refused when the mailer is built."""
    settings = SmtpSettings(
        host="smtp.example.ru", sender="shop@example.ru", ca_file=str(tmp_path / "none.pem")
    )
    with pytest.raises(InvalidValue, match="ca_file"):
        SmtpMailer.from_settings(settings, {})


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"sender": "shop"}, "sender"),
        ({"security": "tls"}, "security"),
        ({"port": 70000}, "port"),
        ({"host": " "}, "host"),
        ({"timeout": -1}, "timeout"),
    ],
)
def test_settings_refuse_bad_values(options: dict[str, Any], match: str) -> None:
    """A sender without an address, an unknown security mode, a bad port or host are refused."""
    with pytest.raises(ValueError, match=match):
        SmtpSettings(**{"host": "smtp.example.ru", "sender": "shop@example.ru", **options})


def test_default_port_follows_the_security_mode() -> None:
    """587 for STARTTLS, 465 for SSL, 25 without TLS, unless a port is given."""
    ports = [
        SmtpSettings(host="h", sender="a@b.ru", security=mode).effective_port
        for mode in ("starttls", "ssl", "none")
    ]
    assert ports == [587, 465, 25]


def test_probe(server: FakeSmtp, tls: TlsFiles) -> None:
    """ok with the right login, bad credentials with a wrong one, misconfigured without the CA."""
    assert mailer_for(server, tls).probe().status is ProbeStatus.OK
    assert mailer_for(server, tls, password="x").probe().status is ProbeStatus.BAD_CREDENTIALS
    assert mailer_for(server, tls, ca_file="").probe().status is ProbeStatus.MISCONFIGURED


def test_probe_of_a_closed_port_is_unreachable(tls: TlsFiles) -> None:
    """Nobody listening probes unreachable."""
    with FakeSmtp(security="starttls", tls=tls) as stopped:
        pass
    assert mailer_for(stopped, tls).probe().status is ProbeStatus.UNREACHABLE
