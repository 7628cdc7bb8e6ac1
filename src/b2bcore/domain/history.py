"""What a line of an order's history says besides the move: its notes.

A note is a :class:`~b2bcore.domain.reasons.Reason`: a stable code, the English
text the history has always stored (logs, the JSON API, events), and string
params, so an interface renders it in its own language through the catalog id
``reason:<code>``. Codes and params are the stored contract; change a text, not
a code. Text a person typed (a cancellation reason, a manager's note) is a param
and is shown as typed; what the system decides gets a code of its own.

Params are strings (a reason stays hashable and serializable): amounts as
Decimal text, days as ISO dates, a delivery window as an ISO 8601 interval
``<start>/<end>`` of UTC instants; the catalog says how to show each
(``{amount:money}``, ``{due_date:day}``, ``{window:window}``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from b2bcore.domain.actors import ActorKind
from b2bcore.domain.reasons import Reason


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def invoice_issued(number: str, amount: Decimal, due_date: date) -> Reason:
    params = {"number": number, "amount": str(amount), "due_date": due_date.isoformat()}
    return Reason("invoice_issued", f"invoice {number}", params)


def paid_in_full(amount: Decimal) -> Reason:
    return Reason("paid_in_full", "paid in full", {"amount": str(amount)})


def approved(note: str = "") -> Reason:
    """Approved by a manager, with the manager's note as typed, if any."""
    if not note:
        return Reason("approved", "approved by manager")
    return Reason("approved_with_note", note, {"text": note})


def adjusted() -> Reason:
    return Reason("adjusted", "lines, prices or discount adjusted")


def rejected(reason: str = "") -> Reason:
    """Rejected by a manager, with the reason as typed, if any."""
    if not reason:
        return Reason("rejected", "rejected by manager")
    return Reason("rejected_because", reason, {"text": reason})


def cancelled(kind: ActorKind, reason: str = "") -> Reason:
    """Cancelled by a buyer or a manager, with the reason as typed, if any."""
    if not reason:
        return Reason(f"cancelled_by_{kind.value}", f"cancelled by {kind.value}")
    return Reason("cancelled_because", reason, {"text": reason})


def invoice_expired(number: str, due_date: date) -> Reason:
    params = {"number": number, "due_date": due_date.isoformat()}
    return Reason("invoice_expired", f"invoice {number} expired unpaid", params)


def delivery_interval(interval_id: str, starts_at: datetime, ends_at: datetime) -> Reason:
    params = {"interval_id": interval_id, "window": f"{_instant(starts_at)}/{_instant(ends_at)}"}
    return Reason("delivery_interval", interval_id, params)


def transport_requested(reference: str) -> Reason:
    return Reason("transport_requested", reference, {"reference": reference})


def shipped(reference: str) -> Reason:
    return Reason("shipped", reference, {"reference": reference})


__all__ = [
    "adjusted",
    "approved",
    "cancelled",
    "delivery_interval",
    "invoice_expired",
    "invoice_issued",
    "paid_in_full",
    "rejected",
    "shipped",
    "transport_requested",
]
