"""Mail: the outbox used by tests and the demo in place of an SMTP server."""

from b2bcore.adapters.mail.outbox import OutboxMailer

__all__ = ["OutboxMailer"]
