"""The Accounting port over 1C:Enterprise's standard OData interface.

* **register_invoice** -- a ``Document_СчетНаОплатуКлиенту`` with the invoice's
  number, date, amount, counterparty (found by INN and KPP, created when
  missing and allowed) and a one-line payment schedule carrying the due date;
  then posted. Idempotent by the invoice number: the number is looked up first,
  so a retry finds the document an earlier attempt wrote (and posts it if that
  attempt stopped short). A number already taken with another amount is refused.
* **payments_since** -- ``Document_ПоступлениеБезналичныхДенежныхСредств``
  booked by the bank (``ПроведеноБанком``) at or after the moment, not marked
  for deletion, oldest first; each matched to an invoice number by a payment
  field or by a regular expression over ``НазначениеПлатежа``. Payments that
  name no invoice are not ours and are skipped.
* **annul_invoice** -- sets ``Аннулирован`` (or the configured field and value);
  an invoice already annulled is left alone.

Entity and field names are :class:`OnecSettings`, because 1C configurations
differ; rows are therefore read by those names (:class:`_Row`) rather than into
classes with fixed attribute names. 1C dates carry no zone: they are read and
written in the infobase's ``utc_offset``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from b2bcore.adapters.onec.odata_http import SYSTEM, OnecHttp, literal
from b2bcore.adapters.onec.odata_settings import OnecSettings
from b2bcore.domain.errors import ExternalSystemError, InvalidValue, Rejected
from b2bcore.domain.money import to_money
from b2bcore.ports.accounting import IncomingPayment, InvoiceRecord
from b2bcore.ports.probe import ProbeResult, ProbeStatus

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMPTY_DATE = "0001-01-01T00:00:00"


class OnecOdataAccounting:
    """Accounting over 1C's ``standard.odata``; build it with :meth:`from_settings`."""

    def __init__(self, settings: OnecSettings, http: OnecHttp) -> None:
        self.settings = settings
        self._http = http
        self._annulled = _json_value(settings.annulled_value)

    @classmethod
    def from_settings(
        cls,
        settings: OnecSettings,
        secrets: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> OnecOdataAccounting:
        """The adapter for ``settings``; the password is ``B2B_ONEC_PASSWORD`` in ``secrets``."""
        password = secrets.get("B2B_ONEC_PASSWORD", "")
        if not password.strip():
            raise InvalidValue("B2B_ONEC_PASSWORD", "must be set in the environment")
        if not password.isprintable():
            raise InvalidValue("B2B_ONEC_PASSWORD", "must be printable")
        client = httpx.Client(
            # 1C users and passwords are often Cyrillic: the platform reads Basic as UTF-8.
            auth=httpx.BasicAuth(settings.username.encode(), password.encode()),
            transport=transport,
            timeout=settings.timeout,
            follow_redirects=False,
            headers={"User-Agent": "b2bcore"},
        )
        http = OnecHttp(
            client,
            base_url=settings.base_url,
            max_bytes=settings.max_response_bytes,
            read_attempts=settings.read_attempts,
        )
        return cls(settings, http)

    def close(self) -> None:
        self._http.close()

    def probe(self) -> ProbeResult:
        """Log on and read one invoice and one payment: both must be published."""
        s = self.settings
        try:
            for entity in (s.invoice_entity, s.payment_entity):
                self._http.get(entity, {"$top": "1", "$select": "Ref_Key"})
        except ExternalSystemError as exc:
            return ProbeResult.from_error(exc)
        return ProbeResult(ProbeStatus.OK, f"1C at {s.base_url} answered")

    # -- Accounting ------------------------------------------------------------------

    def register_invoice(self, *, key: str, invoice: InvoiceRecord) -> str:
        s = self.settings
        if invoice.amount <= 0:
            raise Rejected(SYSTEM, f"invoice {invoice.number} amount must be positive")
        row = self._find_invoice(invoice.number)
        if row is None:
            body = self._invoice_body(key, invoice, self._counterparty(invoice))
            row = _Row(self._http.write("POST", s.invoice_entity, body), f"POST {s.invoice_entity}")
        reference = row.guid("Ref_Key")
        if to_money(row.decimal(s.amount_field)) != to_money(invoice.amount):
            raise Rejected(
                SYSTEM, f"invoice number {invoice.number} is already taken by other data"
            )
        if s.post_invoice and not row.flag("Posted"):
            self._http.write(
                "POST",
                f"{s.invoice_entity}(guid'{reference}')/Post",
                params={"PostingModeOperational": "false"},
            )
        return reference

    def payments_since(self, since: datetime) -> Sequence[IncomingPayment]:
        s = self.settings
        if since.tzinfo is None or since.utcoffset() is None:
            raise InvalidValue("since", "must be timezone-aware", since.isoformat())
        local = since.astimezone(s.timezone)
        fields = ["Ref_Key", s.payment_amount_field, s.payment_booked_at_field, s.date_field]
        fields.append(s.payment_invoice_field or s.payment_purpose_field)
        rows = self._http.get_all(
            s.payment_entity,
            {
                "$filter": f"{s.payment_booked_flag} eq true and {s.payment_booked_at_field} ge "
                f"datetime'{local:%Y-%m-%dT%H:%M:%S}' and DeletionMark eq false",
                "$orderby": f"{s.payment_booked_at_field} asc",
                "$select": ",".join(fields),
            },
            s.page_size,
        )
        payments = []
        for raw in rows:
            row = _Row(raw, f"GET {s.payment_entity}")
            number = self._invoice_number(row)
            received = row.moment(s.payment_booked_at_field, s) or row.moment(s.date_field, s)
            if number is None or received is None or received < since:
                continue
            payments.append(
                IncomingPayment(
                    payment_id=row.guid("Ref_Key"),
                    invoice_number=number,
                    amount=to_money(row.decimal(s.payment_amount_field)),
                    received_at=received.astimezone(UTC),
                )
            )
        return sorted(payments, key=lambda p: p.received_at)

    def annul_invoice(self, *, key: str, invoice_number: str) -> None:
        del key  # idempotent by the invoice's state: an annulled invoice is left alone
        s = self.settings
        row = self._find_invoice(invoice_number)
        if row is None:
            raise Rejected(SYSTEM, f"unknown invoice {invoice_number}")
        if row.value(s.annulled_field) == self._annulled:
            return
        reference = row.guid("Ref_Key")
        self._http.write(
            "PATCH", f"{s.invoice_entity}(guid'{reference}')", {s.annulled_field: self._annulled}
        )

    # -- internals ---------------------------------------------------------------------

    def _find_invoice(self, number: str) -> _Row | None:
        s = self.settings
        rows = self._http.get_all(
            s.invoice_entity,
            {
                "$filter": f"{s.number_field} eq {literal(number)} and DeletionMark eq false",
                "$select": f"Ref_Key,{s.amount_field},Posted,{s.annulled_field}",
            },
            s.page_size,
        )
        return _Row(rows[0], f"GET {s.invoice_entity}") if rows else None

    def _counterparty(self, invoice: InvoiceRecord) -> str:
        s = self.settings
        what = f"GET {s.counterparty_entity}"
        rows = self._http.get_all(
            s.counterparty_entity,
            {
                "$filter": f"{s.counterparty_inn_field} eq {literal(invoice.customer_inn)} and "
                f"{s.counterparty_kpp_field} eq {literal(invoice.customer_kpp)} and "
                "DeletionMark eq false",
                "$select": "Ref_Key",
            },
            s.page_size,
        )
        if rows:
            return _Row(rows[0], what).guid("Ref_Key")
        if not s.create_counterparty:
            raise Rejected(
                SYSTEM,
                f"no counterparty with INN {invoice.customer_inn} and KPP "
                f"{invoice.customer_kpp or '(none)'} in 1C",
            )
        body = {
            **s.counterparty_constants,
            s.counterparty_name_field: invoice.customer_name[:100],
            s.counterparty_full_name_field: invoice.customer_name,
            s.counterparty_inn_field: invoice.customer_inn,
            s.counterparty_kpp_field: invoice.customer_kpp,
        }
        created = self._http.write("POST", s.counterparty_entity, body)
        return _Row(created, f"POST {s.counterparty_entity}").guid("Ref_Key")

    def _invoice_body(self, key: str, invoice: InvoiceRecord, counterparty: str) -> dict[str, Any]:
        s = self.settings
        body: dict[str, Any] = {
            **s.invoice_constants,
            s.number_field: invoice.number,
            s.date_field: f"{invoice.issued_on.isoformat()}T00:00:00",
            s.amount_field: invoice.amount,
            s.counterparty_field: counterparty,
        }
        if s.comment_field:
            body[s.comment_field] = f"b2bcore: {key}"
        if s.schedule_table:
            body[s.schedule_table] = [
                {
                    "LineNumber": "1",
                    s.schedule_date_field: f"{invoice.due_date.isoformat()}T00:00:00",
                    s.schedule_percent_field: Decimal(100),
                    s.schedule_amount_field: invoice.amount,
                }
            ]
        return body

    def _invoice_number(self, row: _Row) -> str | None:
        s = self.settings
        if s.payment_invoice_field:
            return row.text(s.payment_invoice_field).strip() or None
        match = s.number_pattern.search(row.text(s.payment_purpose_field))
        if match is None:
            return None
        return match["number"] if "number" in match.re.groupindex else match[0]


class _Row:
    """One 1C object read by configured field names; a wrong field names itself."""

    def __init__(self, raw: Any, what: str) -> None:
        if not isinstance(raw, dict):
            raise Rejected(SYSTEM, f"{what}: expected an object, got {type(raw).__name__}")
        self._raw = raw
        self._what = what

    def value(self, field: str) -> Any:
        if field not in self._raw:
            raise Rejected(SYSTEM, f"{self._what}: {field} is missing")
        return self._raw[field]

    def text(self, field: str) -> str:
        value = self.value(field)
        if not isinstance(value, str):
            raise self._wrong(field, "a string", value)
        return value

    def guid(self, field: str) -> str:
        value = self.text(field)
        if not _GUID.match(value):
            raise self._wrong(field, "a GUID", value)
        return value.lower()

    def flag(self, field: str) -> bool:
        value = self.value(field)
        if not isinstance(value, bool):
            raise self._wrong(field, "true or false", value)
        return value

    def decimal(self, field: str) -> Decimal:
        value = self.value(field)
        if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
            raise self._wrong(field, "a number", value)
        try:
            number = Decimal(value)
        except ArithmeticError:
            raise self._wrong(field, "a number", value) from None
        if not number.is_finite():
            raise self._wrong(field, "a finite number", value)
        return number

    def moment(self, field: str, settings: OnecSettings) -> datetime | None:
        """A 1C date as an aware datetime in the infobase's zone; the empty date is None."""
        value = self.text(field)
        if value == _EMPTY_DATE:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self._wrong(field, "a date like 2026-11-26T09:00:00", value) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=settings.timezone)
        return parsed

    def _wrong(self, field: str, expected: str, value: Any) -> Rejected:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        return Rejected(
            SYSTEM,
            f"{self._what}: {field}: expected {expected}, got {type(value).__name__} {shown}",
        )


def _json_value(text: str) -> Any:
    """``true`` → True, ``"Аннулирован"`` → the string; bare text is taken as a string."""
    try:
        return json.loads(text)
    except ValueError:
        return text
