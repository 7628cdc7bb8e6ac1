"""Settings of the 1C accounting adapter over the standard OData interface.

1C configurations name their objects and attributes differently, and an
installation may have renamed or extended them, so every entity and field name
is configuration (``INTEGRATIONS.md``: *field names vary*). The defaults are
those of 1C:ERP and 1C:Комплексная автоматизация 2.x.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta, timezone
from typing import Any

import attrs

from b2bcore.adapters.settings import between, http_url, not_blank, positive

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_name = [not_blank]


def _offset(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    match = _OFFSET.match(value)
    if match is None or int(match[2]) > 14 or int(match[3]) > 59:
        raise ValueError(f"{attribute.name}: must look like +03:00 (got {value!r})")


def _pattern(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{attribute.name}: not a regular expression ({exc})") from None


def _odata_root(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    http_url(_, attribute, value)
    if not value.rstrip("/").endswith("/odata/standard.odata"):
        raise ValueError(f"{attribute.name}: must end with /odata/standard.odata (got {value!r})")


@attrs.frozen(kw_only=True)
class OnecSettings:
    """The ``[onec]`` section; the password is ``B2B_ONEC_PASSWORD`` in the environment."""

    base_url: str = attrs.field(validator=_odata_root)
    """``https://host/<base>/odata/standard.odata``."""
    username: str = attrs.field(validator=not_blank)

    invoice_entity: str = attrs.field(default="Document_СчетНаОплатуКлиенту", validator=_name)
    payment_entity: str = attrs.field(
        default="Document_ПоступлениеБезналичныхДенежныхСредств", validator=_name
    )
    counterparty_entity: str = attrs.field(default="Catalog_Контрагенты", validator=_name)

    number_field: str = attrs.field(default="Number", validator=_name)
    date_field: str = attrs.field(default="Date", validator=_name)
    amount_field: str = attrs.field(default="СуммаДокумента", validator=_name)
    counterparty_field: str = attrs.field(default="Контрагент_Key", validator=_name)
    annulled_field: str = attrs.field(default="Аннулирован", validator=_name)
    annulled_value: str = "true"
    """The value that marks an invoice annulled, as JSON (``true``, ``"Аннулирован"``)."""
    comment_field: str = "Комментарий"
    """Where the invoice says it came from b2bcore; empty: not written."""
    schedule_table: str = "ЭтапыГрафикаОплаты"
    """The invoice's payment schedule (its due date); empty: not written."""
    schedule_date_field: str = attrs.field(default="ДатаПлатежа", validator=_name)
    schedule_amount_field: str = attrs.field(default="СуммаПлатежа", validator=_name)
    schedule_percent_field: str = attrs.field(default="ПроцентПлатежа", validator=_name)
    invoice_constants: Mapping[str, str] = attrs.field(factory=dict)
    """Fixed fields of every invoice, e.g. ``Организация_Key``, ``Валюта_Key``."""
    post_invoice: bool = True

    counterparty_inn_field: str = attrs.field(default="ИНН", validator=_name)
    counterparty_kpp_field: str = attrs.field(default="КПП", validator=_name)
    counterparty_name_field: str = attrs.field(default="Description", validator=_name)
    counterparty_full_name_field: str = attrs.field(default="НаименованиеПолное", validator=_name)
    create_counterparty: bool = True
    """Create a missing counterparty by INN and KPP; false: refuse the invoice."""
    counterparty_constants: Mapping[str, str] = attrs.field(factory=dict)
    """Fixed fields of a new counterparty, e.g. ``ЮрФизЛицо``: ``ЮрЛицо``."""

    payment_amount_field: str = attrs.field(default="СуммаДокумента", validator=_name)
    payment_purpose_field: str = attrs.field(default="НазначениеПлатежа", validator=_name)
    payment_booked_flag: str = attrs.field(default="ПроведеноБанком", validator=_name)
    payment_booked_at_field: str = attrs.field(default="ДатаПроведенияБанком", validator=_name)
    payment_invoice_field: str = ""
    """A payment field holding the invoice number; empty: search the purpose instead."""
    invoice_number_pattern: str = attrs.field(default=r"СЧ-\d+(?:-\d+)*", validator=_pattern)
    """Finds the invoice number in the payment purpose (group ``number`` if present)."""

    utc_offset: str = attrs.field(default="+03:00", validator=_offset)
    """The offset of the infobase's clock: 1C dates carry no zone."""
    timeout: float = attrs.field(default=10.0, validator=positive)
    max_response_bytes: int = attrs.field(
        default=4 * 1024 * 1024, validator=between(1024, 256 * 1024 * 1024)
    )
    read_attempts: int = attrs.field(default=2, validator=between(1, 5))
    page_size: int = attrs.field(default=500, validator=between(1, 10_000))

    @property
    def timezone(self) -> timezone:
        match = _OFFSET.match(self.utc_offset)
        assert match is not None
        sign = -1 if match[1] == "-" else 1
        return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))

    @property
    def number_pattern(self) -> re.Pattern[str]:
        return re.compile(self.invoice_number_pattern)
