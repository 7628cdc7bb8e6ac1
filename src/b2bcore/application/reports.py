"""Order reports: one row per order line of a client's orders in a period and statuses,
written as CSV or XLSX while the rows stream from storage (constant memory).

Who may see what, as everywhere (:mod:`.access`): a manager any client; a buyer
only their own client, a supervisor all its companies, an employee only the
companies granted to them. A company the actor may not see is not found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import BinaryIO

import attrs

from b2bcore.application.access import can_see_company, load_client
from b2bcore.application.context import Services
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import CorporateClient
from b2bcore.domain.errors import InvalidValue, NotFound, PermissionDenied
from b2bcore.domain.order import OrderStatus
from b2bcore.i18n import MOSCOW, translate
from b2bcore.ports import CellKind, ReportColumn, ReportFilter, ReportRow

Progress = Callable[[int], None]
"""Told how many more rows were written, every few thousand rows."""
_STEP = 5000
_RATES = {"22": "22 %", "10": "10 %", "0": "0 %", "none": "без НДС"}


def _ids(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _statuses(values: Iterable[OrderStatus]) -> frozenset[OrderStatus]:
    return frozenset(values)


@attrs.frozen(kw_only=True)
class OrderReport:
    """Which order lines a report shows: a client (a buyer's own by default), some of
    its companies (none named: every one the actor may see), a period of days the
    orders were placed on (UTC, inclusive) and statuses (none named: any)."""

    client_id: str | None = None
    company_ids: frozenset[str] = attrs.field(default=frozenset(), converter=_ids)
    placed_from: date | None = None
    placed_to: date | None = None
    statuses: frozenset[OrderStatus] = attrs.field(default=frozenset(), converter=_statuses)

    def __attrs_post_init__(self) -> None:
        if self.placed_from and self.placed_to and self.placed_from > self.placed_to:
            raise InvalidValue("period", "must not end before it starts", str(self.placed_to))


@attrs.frozen(kw_only=True)
class ReportResult:
    rows: int
    extension: str


class Reports:
    def __init__(self, services: Services) -> None:
        self._s = services

    def orders(
        self,
        actor: Actor,
        request: OrderReport,
        *,
        fmt: str,
        out: BinaryIO,
        progress: Progress | None = None,
    ) -> ReportResult:
        """Write the order lines ``request`` names into ``out`` as ``fmt`` (``csv`` or
        ``xlsx``); ``progress`` learns how many rows were written as they go."""
        writer = self._s.report_writers.get(fmt)
        if writer is None:
            raise InvalidValue("format", "is not a report format this shop writes", fmt)
        with self._s.uow() as uow:
            client = load_client(uow, actor, request.client_id)
            rows = uow.orders.report_rows(self._criteria(client, actor, request))
            count = writer.write(
                self._columns(),
                self._cells(client, rows, progress),
                out,
                title=self._t("Orders"),
                totals_label=self._t("Total"),
            )
        return ReportResult(rows=count, extension=writer.extension)

    def size(self, actor: Actor, request: OrderReport) -> int:
        """How many rows :meth:`orders` would write, for a progress bar."""
        with self._s.uow() as uow:
            client = load_client(uow, actor, request.client_id)
            return uow.orders.report_size(self._criteria(client, actor, request))

    def _criteria(
        self, client: CorporateClient, actor: Actor, request: OrderReport
    ) -> ReportFilter:
        return ReportFilter(
            client_id=client.id,
            company_ids=self._companies(client, actor, request.company_ids),
            statuses=request.statuses or None,
            placed_from=request.placed_from,
            placed_to=request.placed_to,
        )

    def _companies(
        self, client: CorporateClient, actor: Actor, named: frozenset[str]
    ) -> frozenset[str] | None:
        """The companies the report covers: those named (each must be visible), else
        every company the actor may see (``None``: all of the client's)."""
        if actor.is_system:
            raise PermissionDenied("reports are for people")
        visible = {c for c in client.companies if can_see_company(client, actor, c)}
        for company_id in named:
            if company_id not in visible:
                raise NotFound(f"company {company_id} not found", company_id=company_id)
        if named:
            return named
        if visible == set(client.companies):
            return None
        return frozenset(visible)

    def _columns(self) -> Sequence[ReportColumn]:
        t, k = self._t, CellKind
        return (
            ReportColumn(title=t("Order"), width=18),
            ReportColumn(title=t("Placed"), kind=k.DATETIME, width=17),
            ReportColumn(title=t("Status"), width=16),
            ReportColumn(title=t("Company"), width=30),
            ReportColumn(title=t("INN"), width=13),
            ReportColumn(title=t("SKU"), width=16),
            ReportColumn(title=t("Product"), width=40),
            ReportColumn(title=t("Unit"), width=6),
            ReportColumn(title=t("Quantity"), kind=k.INTEGER, width=10, total=True),
            ReportColumn(title=t("Price"), kind=k.MONEY, width=14),
            ReportColumn(title=t("Amount"), kind=k.MONEY, width=16, total=True),
            ReportColumn(title=t("VAT rate"), width=9),
            ReportColumn(title=t("VAT"), kind=k.MONEY, width=14, total=True),
        )

    def _cells(
        self, client: CorporateClient, rows: Iterator[ReportRow], progress: Progress | None
    ) -> Iterator[list[object]]:
        companies = {c.id: (c.name, str(c.requisites.inn)) for c in client.companies.values()}
        statuses = {s: self._t(f"status:{s.value}") for s in OrderStatus}
        since_report = 0
        for row in rows:
            name, inn = companies.get(row.company_id, (row.company_id, ""))
            yield [
                row.order_number,
                row.placed_at.astimezone(MOSCOW).replace(tzinfo=None),
                statuses[row.status],
                name,
                inn,
                row.sku,
                row.name,
                row.unit,
                row.quantity,
                row.unit_price,
                row.gross,
                _RATES[row.vat_rate.value],
                row.vat,
            ]
            since_report += 1
            if progress is not None and since_report == _STEP:
                progress(since_report)
                since_report = 0
        if progress is not None and since_report:
            progress(since_report)

    def _t(self, message_id: str) -> str:
        return translate(message_id, self._s.settings.locale)
