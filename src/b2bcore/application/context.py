"""What every use case needs: storage, the external systems, policies, settings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import attrs

from b2bcore.domain.autoprocessing import AutoProcessingPolicy
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.pricing import DeliveryTariff
from b2bcore.ports import (
    Accounting,
    Clock,
    CompanyLookup,
    DocumentManagement,
    DocumentRenderer,
    DocumentStorage,
    Erp,
    Mailer,
    NumberSequence,
    OutboxQueue,
    PasswordHasher,
    ReportWriter,
    UnitOfWorkFactory,
)


@attrs.frozen(kw_only=True)
class SellerRequisites:
    """The shop's own legal entity: it issues the invoices."""

    name: str = 'ООО "Б2Б Магазин"'
    inn: str = "7707083893"
    kpp: str = "773601001"
    address: str = "г Москва, ул Примерная, д 1"
    bank_name: str = "ПАО Сбербанк"
    bik: str = "044525225"
    correspondent_account: str = "30101810400000000225"
    settlement_account: str = "40702810938000000001"
    director: str = ""
    """Printed under the signature lines of invoices and shipping documents."""
    accountant: str = ""


@attrs.frozen(kw_only=True)
class Settings:
    invoice_due_days: int = 5
    payment_lookback_days: int = 45
    order_number_prefix: str = "B2B"
    invoice_number_prefix: str = "СЧ"
    locale: str = "ru"
    max_attachment_bytes: int = 10 * 1024 * 1024
    attachment_types: frozenset[str] = frozenset(
        {"application/pdf", "image/jpeg", "image/png", "text/plain"}
    )
    seller: SellerRequisites = attrs.field(factory=SellerRequisites)
    primary_documents: str = attrs.field(
        default="upd", validator=attrs.validators.in_(("upd", "separate"))
    )
    """At shipment: one УПД (status 1), or ТОРГ-12 + счёт-фактура + act ("separate")."""
    report_csv_delimiter: str = ";"
    report_csv_bom: bool = True
    """CSV reports as Russian Excel opens them: UTF-8 with a BOM, ';' between fields."""


@attrs.frozen(kw_only=True)
class Services:
    """Everything wired by :func:`b2bcore.bootstrap.bootstrap`; use cases only read it."""

    uow: UnitOfWorkFactory
    clock: Clock
    company_lookup: CompanyLookup
    erp: Erp
    accounting: Accounting
    edms: DocumentManagement
    mailer: Mailer
    documents: DocumentStorage
    numbers: NumberSequence
    queue: OutboxQueue
    renderer: DocumentRenderer
    report_writers: Mapping[str, ReportWriter]
    """By format name: ``csv``, ``xlsx``."""
    passwords: PasswordHasher
    discounts: DiscountPolicy = attrs.field(factory=DiscountPolicy.default)
    autoprocessing: AutoProcessingPolicy = attrs.field(factory=AutoProcessingPolicy.default)
    tariff: DeliveryTariff = attrs.field(factory=DeliveryTariff)
    settings: Settings = attrs.field(factory=Settings)

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def number(self, prefix: str, series: str) -> str:
        """A number people read: ``B2B-2026-000123``."""
        year = self.clock.now().year
        return f"{prefix}-{year}-{self.numbers.next_value(series, year):06d}"
