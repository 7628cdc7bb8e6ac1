"""Emails to buyers and managers, written through the translation catalog.

A mail server that is down must not undo a change that already happened, so a
failed send is logged and reported, never raised into the use case. Every
message carries an idempotency key, so a repeated step never mails twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from b2bcore.application.context import Services
from b2bcore.domain.client import Contact, CorporateClient, Manager
from b2bcore.domain.errors import ExternalSystemError
from b2bcore.domain.order import DeliveryInterval, Order, OrderStatus
from b2bcore.domain.tasks import ManagerTask
from b2bcore.i18n import render_reason, render_transition, translate
from b2bcore.ports import Attachment, EmailMessage

log = logging.getLogger(__name__)


def rub(amount: object) -> str:
    """1234567.8 -> '1 234 567,80 ₽' as Russian documents write it."""
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    return f"{text} ₽"


class Notifier:
    """Sends the shop's emails. ``strict`` raises mail failures (the worker retries the
    message); otherwise a failure is logged and the caller goes on."""

    def __init__(self, services: Services, *, strict: bool = False) -> None:
        self._s = services
        self._strict = strict

    def _t(self, message_id: str, **params: object) -> str:
        return translate(message_id, self._s.settings.locale, **params)

    def send(
        self,
        to: Iterable[str],
        subject: str,
        text: str,
        *,
        key: str,
        attachments: Sequence[Attachment] = (),
    ) -> bool:
        recipients = tuple(sorted(set(to)))
        if not recipients:
            return False
        message = EmailMessage(
            to=recipients,
            subject=subject,
            text=text,
            attachments=tuple(attachments),
            idempotency_key=key,
        )
        try:
            self._s.mailer.send(message)
        except ExternalSystemError as exc:
            if self._strict:
                raise
            log.warning("mail %s to %s not sent: %s", key, recipients, exc)
            return False
        return True

    def welcome(self, client: CorporateClient, contact: Contact) -> bool:
        return self.send(
            [contact.email],
            self._t("Welcome to the B2B cabinet of {client}", client=client.name),
            self._t(
                "Hello, {name}! The cabinet of {client} is ready. Your login is {email}.",
                name=contact.full_name,
                client=client.name,
                email=contact.email,
            ),
            key=f"welcome:{contact.id}",
        )

    def registration_requested(self, task: ManagerTask, managers: Sequence[Manager]) -> bool:
        return self.send(
            [m.email for m in managers],
            self._t("New registration request from {name}", name=task.contact_name),
            self._t(
                "{name} ({email}, {phone}) asks to register INN {inn}. Task {task}.",
                name=task.contact_name,
                email=task.email,
                phone=task.phone or "-",
                inn=task.inn or "-",
                task=task.id,
            ),
            key=f"registration-request:{task.id}",
        )

    def invoice_issued(
        self, order: Order, to: Iterable[str], attachments: Sequence[Attachment] = ()
    ) -> bool:
        assert order.invoice is not None
        return self.send(
            to,
            self._t(
                "Invoice {invoice} for order {order}",
                invoice=order.invoice.number,
                order=order.number,
            ),
            self._t(
                "Order {order} is reserved. Invoice {invoice} for {amount} is due {due}.",
                order=order.number,
                invoice=order.invoice.number,
                amount=rub(order.invoice.amount),
                due=order.invoice.due_date.strftime("%d.%m.%Y"),
            ),
            key=f"{order.id}:invoice-mail",
            attachments=attachments,
        )

    def choose_interval(
        self, order: Order, to: Iterable[str], intervals: Sequence[DeliveryInterval]
    ) -> bool:
        offered = "\n".join(
            f"  {i.starts_at:%d.%m.%Y %H:%M}–{i.ends_at:%H:%M} UTC ({i.id})" for i in intervals
        )
        return self.send(
            to,
            self._t("Order {order} is paid: choose a delivery interval", order=order.number),
            self._t(
                "Order {order} is paid in full. Choose a delivery interval in your cabinet:",
                order=order.number,
            )
            + "\n"
            + offered,
            key=f"{order.id}:choose-interval-mail",
        )

    def shipped(self, order: Order, to: Iterable[str]) -> bool:
        return self.send(
            to,
            self._t("Order {order} has shipped", order=order.number),
            self._t(
                "Order {order} has shipped. The primary documents are in your cabinet.",
                order=order.number,
            ),
            key=f"{order.id}:shipped-mail",
        )

    def cancelled(self, order: Order, to: Iterable[str]) -> bool:
        return self.send(
            to,
            self._t("Order {order} is cancelled", order=order.number),
            self._t(
                "Order {order} is cancelled: {reason}.",
                order=order.number,
                reason=self._why_cancelled(order),
            ),
            key=f"{order.id}:cancelled-mail",
        )

    def _why_cancelled(self, order: Order) -> str:
        """The cancellation's history note in the mail's language (typed text as typed)."""
        cancelled = [t for t in order.history if t.to_status is OrderStatus.CANCELLED]
        if not cancelled:
            return order.cancel_reason
        return render_transition(cancelled[-1], self._s.settings.locale).note

    def review_needed(self, order: Order, manager: Manager) -> bool:
        reasons = "\n".join(
            f"  - {render_reason(r, self._s.settings.locale)}" for r in order.route_reasons
        )
        return self.send(
            [manager.email],
            self._t("Order {order} waits for your review", order=order.number),
            self._t(
                "Order {order} for {amount} needs a manager:",
                order=order.number,
                amount=rub(order.gross_total),
            )
            + "\n"
            + reasons,
            key=f"{order.id}:review-mail:{order.placement_round}",
        )

    def discount_changed(self, client: CorporateClient, old: object, new: object) -> bool:
        supervisors = [c.email for c in client.contacts.values() if c.is_supervisor and c.active]
        return self.send(
            supervisors,
            self._t("Your discount is now {new}%", new=new),
            self._t(
                "The discount of {client} changed from {old}% to {new}% with your purchase volume.",
                client=client.name,
                old=old,
                new=new,
            ),
            key=f"discount:{client.id}:{new}:{self._s.clock.now():%Y-%m-%d}",
        )


def order_recipients(client: CorporateClient, order: Order) -> list[str]:
    """The buyer who placed the order and the supervisors of the client."""
    emails = [c.email for c in client.contacts.values() if c.is_supervisor and c.active]
    placed_by = client.contacts.get(order.contact_id)
    if placed_by is not None and placed_by.active:
        emails.append(placed_by.email)
    return emails
