"""The Mailer contract, run against the outbox."""

from __future__ import annotations

import abc
from collections.abc import Iterator

import pytest

from b2bcore.adapters.faults import FlakyMailer, RandomFaults
from b2bcore.adapters.mail import OutboxMailer
from b2bcore.adapters.mail.smtp import SmtpMailer, SmtpSettings
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.ports.mail import Attachment, EmailMessage, Mailer
from tests.fakes.smtp import PASSWORD, USERNAME, FakeSmtp, TlsFiles, make_tls

PDF = Attachment(
    filename="Счёт СЧ-1.pdf", content_type="application/pdf", data=b"%PDF-1.7\n\x00\xff"
)


def message(key: str = "", to: tuple[str, ...] = ("buyer@example.ru",)) -> EmailMessage:
    return EmailMessage(
        to=to, subject="Счёт на оплату", text="Счёт во вложении.", idempotency_key=key
    )


class MailerContract(abc.ABC):
    """What every Mailer adapter promises."""

    @abc.abstractmethod
    def make_adapter(self) -> Mailer:
        """A fresh mailer with nothing sent."""

    @abc.abstractmethod
    def delivered_to(self, address: str) -> list[EmailMessage]:
        """What arrived in ``address``'s mailbox, oldest first."""

    @pytest.fixture(autouse=True)
    def mailer(self) -> Mailer:
        return self.make_adapter()

    def test_message_reaches_every_recipient(self, mailer: Mailer) -> None:
        """Each address in ``to`` receives the message."""
        sent = message(to=("a@example.ru", "b@example.ru"))
        mailer.send(sent)
        assert self.delivered_to("a@example.ru") == [sent]
        assert self.delivered_to("b@example.ru") == [sent]

    def test_same_idempotency_key_is_sent_once(self, mailer: Mailer) -> None:
        """A retried message with an already-sent key is not delivered again."""
        mailer.send(message("invoice:СЧ-1"))
        mailer.send(message("invoice:СЧ-1"))
        assert len(self.delivered_to("buyer@example.ru")) == 1

    def test_different_keys_are_both_sent(self, mailer: Mailer) -> None:
        """Messages with different keys are different messages."""
        mailer.send(message("invoice:СЧ-1"))
        mailer.send(message("invoice:СЧ-2"))
        assert len(self.delivered_to("buyer@example.ru")) == 2

    def test_messages_without_a_key_are_never_deduplicated(self, mailer: Mailer) -> None:
        """An empty key means "no idempotency": every such message is sent."""
        mailer.send(message())
        mailer.send(message())
        assert len(self.delivered_to("buyer@example.ru")) == 2

    def test_attachments_arrive_byte_for_byte(self, mailer: Mailer) -> None:
        """Attachments keep their name, type and bytes."""
        sent = EmailMessage(
            to=("buyer@example.ru",), subject="Счёт", text="См. вложение", attachments=(PDF,)
        )
        mailer.send(sent)
        [received] = self.delivered_to("buyer@example.ru")
        assert received.attachments == (PDF,)


class TestOutboxMailer(MailerContract):
    """The outbox keeps the contract; below, what only it offers."""

    def make_adapter(self) -> Mailer:
        self.outbox = OutboxMailer()
        return self.outbox

    def delivered_to(self, address: str) -> list[EmailMessage]:
        return self.outbox.to(address)

    def test_sent_lists_messages_in_order(self) -> None:
        """``sent`` holds every delivered message, oldest first."""
        first, second = message("k1"), message("k2", to=("other@example.ru",))
        self.outbox.send(first)
        self.outbox.send(second)
        assert self.outbox.sent == [first, second]

    def test_to_ignores_address_case(self) -> None:
        """Mail addresses compare case-insensitively."""
        self.outbox.send(message(to=("Buyer@Example.RU",)))
        assert len(self.outbox.to("buyer@example.ru")) == 1

    def test_message_without_recipients_is_rejected(self) -> None:
        """A message with no recipient is refused, as an SMTP server would."""
        with pytest.raises(Rejected):
            self.outbox.send(message(to=()))

    def test_failed_send_does_not_use_up_the_key(self) -> None:
        """After an injected failure the retry with the same key is delivered."""
        self.outbox.fail_next(1, Unavailable("smtp", "connection refused"))
        with pytest.raises(Unavailable):
            self.outbox.send(message("invoice:СЧ-1"))
        self.outbox.send(message("invoice:СЧ-1"))
        assert len(self.outbox.sent) == 1


class TestFlakyMailer(MailerContract):
    """The random-fault wrapper keeps the contract once its faults are switched off."""

    def make_adapter(self) -> Mailer:
        self.outbox = OutboxMailer()
        faults = RandomFaults(rate=1.0, seed=0)
        faults.switch_off()  # at rate 1 every call would fail if it did not work
        return FlakyMailer(self.outbox, faults)

    def delivered_to(self, address: str) -> list[EmailMessage]:
        return self.outbox.to(address)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


class TestSmtpMailer(MailerContract):
    """The SMTP mailer keeps the same contract with aiosmtpd on loopback (STARTTLS, login)."""

    @pytest.fixture(autouse=True)
    def mailer(self, tls: TlsFiles) -> Iterator[Mailer]:
        with FakeSmtp(security="starttls", tls=tls) as self.server:
            self.ca_file = tls.ca_file
            yield self.make_adapter()

    def make_adapter(self) -> Mailer:
        settings = SmtpSettings(
            host="127.0.0.1",
            port=self.server.port,
            username=USERNAME,
            sender="shop@example.ru",
            timeout=2.0,
            ca_file=str(self.ca_file),
        )
        return SmtpMailer.from_settings(settings, {"B2B_SMTP_PASSWORD": PASSWORD})

    def delivered_to(self, address: str) -> list[EmailMessage]:
        return self.server.delivered_to(address)
