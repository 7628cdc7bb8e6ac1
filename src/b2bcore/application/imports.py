"""Batch import of products and clients from tabular rows (the CLI reads the CSV).

Every row is validated with the domain's own rules; a bad row is reported with
its line number, field and reason and skipped; good rows are committed in
batches. Importing the same rows again changes nothing: products are compared
with what is stored, clients already registered by INN+KPP are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import attrs

from b2bcore.application.access import require_manager
from b2bcore.application.context import Services
from b2bcore.application.registration import NewContact, Registration
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Contact, Manager
from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.domain.identifiers import Inn, Kpp
from b2bcore.domain.money import VatRate
from b2bcore.domain.pricing import Product

Row = Mapping[str, str]
PRODUCT_COLUMNS = ("sku", "name", "list_price", "vat_rate")
CLIENT_COLUMNS = ("inn", "contact", "email", "manager")


@attrs.frozen(kw_only=True)
class RowError:
    line: int
    field: str
    reason: str
    row: Row


@attrs.define
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


Reject = Callable[[RowError], None]
Progress = Callable[[int], None]


def _cell(row: Row, column: str) -> str:
    return (row.get(column) or "").strip()


def _error(line: int, row: Row, exc: DomainError) -> RowError:
    field = str(getattr(exc, "field", "row"))
    reason = exc.rule if isinstance(exc, InvalidValue) else exc.message
    return RowError(line=line, field=field, reason=reason, row=row)


def parse_product(row: Row) -> Product:
    """A product from a row with sku, name, list_price, vat_rate and optional unit, active."""
    active = _cell(row, "active").lower() not in {"0", "false", "no", "нет"}
    price = _cell(row, "list_price").replace(" ", "").replace(",", ".")
    return Product(
        sku=_cell(row, "sku"),
        name=_cell(row, "name"),
        list_price=Decimal(price) if _is_number(price) else _bad_price(price),
        vat_rate=VatRate.parse(_cell(row, "vat_rate")),
        unit=_cell(row, "unit") or "шт",
        active=active,
    )


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return bool(text)


def _bad_price(text: str) -> Decimal:
    raise InvalidValue("list_price", "must be a number of roubles such as 1990.00", text)


class Importer:
    def __init__(self, services: Services) -> None:
        self._s = services

    def products(
        self,
        rows: Iterable[tuple[int, Row]],
        *,
        reject: Reject,
        batch_size: int = 1000,
        progress: Progress | None = None,
    ) -> ImportReport:
        report = ImportReport()
        batch: dict[str, Product] = {}
        for line, row in rows:
            report.read += 1
            try:
                product = parse_product(row)
            except DomainError as exc:
                report.rejected += 1
                reject(_error(line, row, exc))
                continue
            batch[product.sku] = product
            if len(batch) >= batch_size:
                self._store_products(batch, report, progress)
        self._store_products(batch, report, progress)
        return report

    def _store_products(
        self, batch: dict[str, Product], report: ImportReport, progress: Progress | None
    ) -> None:
        if not batch:
            return
        with self._s.uow() as uow:
            stored = uow.products.get_many(batch)
            for sku, product in batch.items():
                if sku not in stored:
                    report.created += 1
                elif stored[sku] != product:
                    report.updated += 1
                else:
                    report.unchanged += 1
                    continue
                uow.products.upsert(product)
            uow.commit()
        if progress is not None:
            progress(len(batch))
        batch.clear()

    def clients(
        self,
        actor: Actor,
        rows: Iterable[tuple[int, Row]],
        *,
        reject: Reject,
        notify: bool = False,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Register each row's company (lookup, EDMS) under the named manager; one
        transaction per client, since each one also calls the external systems."""
        require_manager(actor)
        registration = Registration(self._s)
        with self._s.uow() as uow:
            managers = _managers_by_id_and_email(uow.managers.list())
        report = ImportReport()
        for line, row in rows:
            report.read += 1
            try:
                created = self._client_row(registration, row, managers, notify)
            except DomainError as exc:
                report.rejected += 1
                reject(_error(line, row, exc))
            else:
                if created:
                    report.created += 1
                else:
                    report.unchanged += 1
            if progress is not None:
                progress(1)
        return report

    def _client_row(
        self, registration: Registration, row: Row, managers: Mapping[str, Manager], notify: bool
    ) -> bool:
        inn = Inn.parse(_cell(row, "inn"))
        kpp = Kpp.parse(_cell(row, "kpp")) if _cell(row, "kpp") else None
        contact = NewContact(
            full_name=_cell(row, "contact"), email=_cell(row, "email"), phone=_cell(row, "phone")
        )
        Contact(id="-", full_name=contact.full_name, email=contact.email)  # validates both
        manager = managers.get(_cell(row, "manager").lower())
        if manager is None:
            raise InvalidValue(
                "manager", "is not a known manager id or email", _cell(row, "manager")
            )
        with self._s.uow() as uow:
            if uow.clients.find_by_company(str(inn), "" if kpp is None else str(kpp)):
                return False
        registration.register_client(
            inn=str(inn),
            kpp=None if kpp is None else str(kpp),
            contact=contact,
            manager_id=manager.id,
            notify=notify,
        )
        return True


def _managers_by_id_and_email(managers: Iterable[Manager]) -> dict[str, Manager]:
    found: dict[str, Manager] = {}
    for manager in managers:
        found[manager.id.lower()] = manager
        found[manager.email.lower()] = manager
    return found
