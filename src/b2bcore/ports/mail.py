"""Mail to buyers and managers (the shop's SMTP server)."""

from __future__ import annotations

from typing import Protocol

import attrs


@attrs.frozen(kw_only=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@attrs.frozen(kw_only=True)
class EmailMessage:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    idempotency_key: str = ""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver the message; a message with an already-sent idempotency key is not sent again."""
        ...
