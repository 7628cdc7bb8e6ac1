"""Orders: one ``orders`` row each (columns for the hot queries, a JSON doc for the
rest) and their lines in ``order_lines``.

One order (:meth:`~SqlOrderRepository.get`, ``get_by_number``, ``find_by_invoice``)
is one statement (:func:`_order_with_lines`, built once per key): the order's row
UNION ALL its lines' rows, the order's first, then the lines in position order. The
order worker loads an order about a dozen times on its way from placed to shipped,
and a second statement for its lines was a tenth of all the pipeline sent. Not a
LEFT JOIN: that repeats the order's row on every line, and its JSON document is
parsed once a row (by psycopg, or by SQLAlchemy on SQLite, which also parses its
timestamps from text), so at 10 lines the join was already slower than two
statements and at 200 four times slower. The union sends every value once: faster
than two statements up to some 50 lines, some 15 % slower at 200 (SQLite, and
PostgreSQL on the same host, where a round trip is cheapest).

A page of orders (:meth:`~SqlOrderRepository.list`) keeps two statements: the page's
rows, then the lines of all of them at once (``WHERE order_id IN (…)``, or ``=`` for
a page of one). One statement would have to select the page (filters, order, LIMIT
and OFFSET, held orders left out) twice, or join, repeating each order's row once a
line with a LIMIT that counts lines; pages of whole orders are rare (the web's lists
read summaries, below), so they keep the simpler statements.

Lists read :class:`~b2bcore.ports.repositories.OrderSummary` rows, columns only:
no document, no lines. Listing and lookups see this unit of work's own changes, as
the in-memory store does; the paid volumes are one SQL aggregate each over the
committed orders.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Connection,
    Row,
    Select,
    Table,
    bindparam,
    cast,
    func,
    null,
    select,
    type_coerce,
    union_all,
)

from b2bcore.adapters.persistence.sql import codec
from b2bcore.adapters.persistence.sql.engine import AUTOCOMMIT
from b2bcore.adapters.persistence.sql.prepared import Prepared, RowData
from b2bcore.adapters.persistence.sql.repositories.aggregates import (
    AggregateRepository,
    ChildRows,
)
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import order_lines, orders
from b2bcore.adapters.persistence.sql.types import Money
from b2bcore.domain.errors import NotFound
from b2bcore.domain.money import ZERO, VatRate
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.ports.repositories import OrderFilter, OrderSummary, ReportFilter, ReportRow

_NEWEST_FIRST = (orders.c.placed_at.desc(), orders.c.id.desc())
_LINES_OF = (
    select(order_lines)
    .where(order_lines.c.order_id.in_(bindparam("b_ids", expanding=True)))
    .order_by(order_lines.c.order_id, order_lines.c.position)
)
# One order's (``get``): no expanding IN to render anew on every execution.
_LINES_OF_ONE = Prepared(
    select(order_lines)
    .where(order_lines.c.order_id == bindparam("b_id"))
    .order_by(order_lines.c.position)
)
# One order and its lines (see the module's docstring). A line's columns are labelled
# ``line_<name>`` (its ``discount_percent`` would clash with the order's); the order's
# part is what ``codec`` reads (the derived columns never are).
_LINE_LABELS = tuple((name, f"line_{name}") for name in codec.LINE_COLUMNS)
_ORDER_PART = (*codec.ORDER_COLUMNS, "doc")
_OneOrder = CompoundSelect[*tuple[Any, ...]]


def _order_with_lines(condition: ColumnElement[bool]) -> _OneOrder:
    """The order matching ``condition`` (on a unique key, so one at most) and its lines:
    its row with NULL line columns, UNION ALL its lines' rows with NULL order columns,
    the order's first (NULLS FIRST), then the lines by position. An order without
    lines (the domain makes none) is still its one row. The first part's types are
    the result's: its NULLs carry the line columns' types, for their values below."""
    position = order_lines.c.position
    order = select(
        *(orders.c[name] for name in _ORDER_PART),
        type_coerce(null(), position.type).label("line_position"),
        *(
            type_coerce(null(), order_lines.c[name].type).label(label)
            for name, label in _LINE_LABELS
        ),
    ).where(condition)
    lines = (
        select(
            *(null().label(name) for name in _ORDER_PART),
            position.label("line_position"),
            *(order_lines.c[name].label(label) for name, label in _LINE_LABELS),
        )
        .select_from(orders.join(order_lines, order_lines.c.order_id == orders.c.id))
        .where(condition)
    )
    both = union_all(order, lines)
    return both.order_by(both.selected_columns.line_position.nulls_first())


_ORDER_BY_ID = Prepared(_order_with_lines(orders.c.id == bindparam("b_id")))
_ORDER_BY_NUMBER = Prepared(_order_with_lines(orders.c.number == bindparam("b_number")))
_ORDER_BY_INVOICE = Prepared(_order_with_lines(orders.c.invoice_number == bindparam("b_invoice")))
_OVERDUE = select(orders.c.placed_at, orders.c.id).where(
    orders.c.status == OrderStatus.INVOICED.value,
    orders.c.invoice_due_date < bindparam("b_today"),
)
_SUMMARY = select(
    orders.c.id,
    orders.c.number,
    orders.c.client_id,
    orders.c.company_id,
    orders.c.status,
    orders.c.placed_at,
    orders.c.needs_manager,
    orders.c.goods_gross,
    orders.c.gross_total,
    orders.c.amount_paid,
    orders.c.invoice_number,
    orders.c.invoice_due_date,
)
_STATUSES = {status.value: status for status in OrderStatus}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _conditions(criteria: OrderFilter) -> list[ColumnElement[bool]]:
    conditions = []
    if criteria.client_id is not None:
        conditions.append(orders.c.client_id == criteria.client_id)
    if criteria.company_ids is not None:
        conditions.append(orders.c.company_id.in_(sorted(criteria.company_ids)))
    if criteria.statuses is not None:
        conditions.append(orders.c.status.in_(sorted(s.value for s in criteria.statuses)))
    if criteria.placed_from is not None:
        conditions.append(orders.c.placed_at >= _midnight(criteria.placed_from))
    if criteria.placed_to is not None:
        conditions.append(orders.c.placed_at < _midnight(criteria.placed_to + timedelta(days=1)))
    return conditions


def _matches(order: Order, criteria: OrderFilter) -> bool:
    """:func:`_conditions` for an order held in memory."""
    placed_on = order.placed_at.astimezone(UTC).date()
    return (
        criteria.client_id in (None, order.client_id)
        and (criteria.company_ids is None or order.company_id in criteria.company_ids)
        and (criteria.statuses is None or order.status in criteria.statuses)
        and (criteria.placed_from is None or placed_on >= criteria.placed_from)
        and (criteria.placed_to is None or placed_on <= criteria.placed_to)
    )


_Listed = TypeVar("_Listed", Order, OrderSummary)
_REPORT_BATCH = 2000  # rows fetched at a time: the report's memory, whatever its length


def _report_conditions(criteria: ReportFilter) -> list[ColumnElement[bool]]:
    return _conditions(
        OrderFilter(
            client_id=criteria.client_id,
            company_ids=criteria.company_ids,
            statuses=criteria.statuses,
            placed_from=criteria.placed_from,
            placed_to=criteria.placed_to,
        )
    )


@contextmanager
def _read_transaction(connection: Connection) -> Iterator[Connection]:
    """A transaction around a streamed read: PostgreSQL keeps a server-side cursor only
    inside one, so a connection that reads in autocommit leaves it for the block."""
    autocommit = connection.get_execution_options().get("isolation_level") == AUTOCOMMIT
    if autocommit:
        connection.execution_options(isolation_level=connection.default_isolation_level)
    try:
        with connection.begin() as transaction:
            yield connection
            transaction.rollback()  # it only read
    finally:
        if autocommit:
            connection.execution_options(isolation_level=AUTOCOMMIT)


def paid_between(start: Any, end: Any) -> tuple[ColumnElement[bool], ...]:
    """Counts towards the volume: paid on a day of ``start..end`` and not cancelled since."""
    return (
        orders.c.paid_on.between(start, end),
        orders.c.status != OrderStatus.CANCELLED.value,
    )


# The sum of BIGINT kopecks is a NUMERIC; cast back (an overflow is an error, not a
# wrap), it arrives as an int, and Money makes the Decimal from that: once, cheaply.
_PAID_VOLUMES = (
    select(
        orders.c.client_id,
        type_coerce(cast(func.sum(orders.c.goods_gross), BigInteger), Money).label("volume"),
    )
    .where(*paid_between(bindparam("b_start"), bindparam("b_end")))
    .group_by(orders.c.client_id)
)


def _lines_of(rows: Sequence[RowData]) -> list[codec.Row]:
    """The lines among the rows of :func:`_order_with_lines`, under their column names,
    as :func:`codec.order_from_rows` reads them (the order's row has NULL line columns)."""
    return [
        {name: row[label] for name, label in _LINE_LABELS}
        for row in rows
        if row["line_sku"] is not None
    ]


def _newest_first(found: Iterable[_Listed]) -> list[_Listed]:
    return sorted(found, key=lambda order: (order.placed_at, order.id), reverse=True)


def _summary_page(
    conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
) -> Select[Any]:
    """The summaries of a page, newest first. Past the first, the page's ids are chosen
    first, by a subquery that the index ``(client_id, placed_at, id, company_id, status)``
    answers alone: the rows skipped are then never read from the table (PostgreSQL's
    index scan would fetch each one to return it to the OFFSET that drops it)."""
    if not offset:
        return _SUMMARY.where(*conditions).order_by(*_NEWEST_FIRST).limit(limit)
    chosen = (
        select(orders.c.id)
        .where(*conditions)
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
        .offset(offset)
        .scalar_subquery()
    )
    return _SUMMARY.where(orders.c.id.in_(chosen)).order_by(*_NEWEST_FIRST)


# The criteria of a stored page, as bound parameters: which ones a filter names picks
# one of a few statements, each built once, so a request builds no SQL expression.
_Criterion = tuple[str, Callable[[OrderFilter], Any], Callable[[], ColumnElement[bool]]]
_CRITERIA: tuple[_Criterion, ...] = (
    ("b_client", lambda c: c.client_id, lambda: orders.c.client_id == bindparam("b_client")),
    (
        "b_companies",
        lambda c: None if c.company_ids is None else sorted(c.company_ids),
        lambda: orders.c.company_id.in_(bindparam("b_companies", expanding=True)),
    ),
    (
        "b_statuses",
        lambda c: None if c.statuses is None else sorted(s.value for s in c.statuses),
        lambda: orders.c.status.in_(bindparam("b_statuses", expanding=True)),
    ),
    (
        "b_from",
        lambda c: None if c.placed_from is None else _midnight(c.placed_from),
        lambda: orders.c.placed_at >= bindparam("b_from"),
    ),
    (
        "b_to",
        lambda c: None if c.placed_to is None else _midnight(c.placed_to + timedelta(days=1)),
        lambda: orders.c.placed_at < bindparam("b_to"),
    ),
)


@functools.cache
def _stored_page(named: tuple[str, ...], paged: bool) -> Select[Any]:
    """:func:`_summary_page` with the conditions ``named`` (keys of :data:`_CRITERIA`),
    the limit and (if ``paged``) the offset as bound parameters."""
    conditions = [condition() for key, _value, condition in _CRITERIA if key in named]
    if not paged:
        return _SUMMARY.where(*conditions).order_by(*_NEWEST_FIRST).limit(bindparam("b_limit"))
    chosen = (
        select(orders.c.id)
        .where(*conditions)
        .order_by(*_NEWEST_FIRST)
        .limit(bindparam("b_limit"))
        .offset(bindparam("b_offset"))
        .scalar_subquery()
    )
    return _SUMMARY.where(orders.c.id.in_(chosen)).order_by(*_NEWEST_FIRST)


def _stored_page_of(criteria: OrderFilter) -> tuple[Select[Any], dict[str, Any]]:
    """The statement and parameters of the page ``criteria`` ask for."""
    parameters: dict[str, Any] = {"b_limit": criteria.limit}
    for key, value_of, _condition in _CRITERIA:
        value = value_of(criteria)
        if value is not None:
            parameters[key] = value
    if criteria.offset:
        parameters["b_offset"] = criteria.offset
    return _stored_page(tuple(parameters), bool(criteria.offset)), parameters


def _summary(row: Row[*tuple[Any, ...]]) -> OrderSummary:
    # Unpacked by position (the order of ``_SUMMARY``'s columns): a Row's attributes are
    # looked up by name, a cost that adds up to a third of a page's time at 12 x 50.
    (
        order_id,
        number,
        client_id,
        company_id,
        status,
        placed_at,
        needs_manager,
        goods_gross,
        gross_total,
        amount_paid,
        invoice_number,
        invoice_due_date,
    ) = row
    return OrderSummary(
        id=order_id,
        number=number,
        client_id=client_id,
        company_id=company_id,
        status=_STATUSES[status],
        placed_at=placed_at,
        needs_manager=needs_manager,
        goods_gross=goods_gross,
        gross_total=gross_total,
        amount_paid=amount_paid,
        invoice_number=invoice_number,
        invoice_due_date=invoice_due_date,
    )


class SqlOrderRepository(AggregateRepository[Order]):
    kind = "order"
    table = orders
    children: ClassVar[dict[str, tuple[Table, str]]] = {"lines": (order_lines, "order_id")}

    def __init__(self, link: Link) -> None:
        super().__init__(link)
        self._lines: dict[str, list[codec.Row]] = {}  # by order id, while _decode runs

    def _row(self, aggregate: Order) -> dict[str, Any]:
        return codec.order_row(aggregate)

    def _child_rows(self, aggregate: Order) -> ChildRows:
        return {"lines": codec.line_rows(aggregate)}

    def _load(self, rows: Sequence[RowData]) -> list[Order]:
        """The orders of a page's ``orders`` rows, with the lines of those not held yet
        read in one go (a second statement; one order alone is read by :meth:`_stored`)."""
        fresh = [row["id"] for row in rows if row["id"] not in self._seen]
        self._lines = {order_id: [] for order_id in fresh}
        if len(fresh) == 1:
            self._lines[fresh[0]] = list(self._link.rows(_LINES_OF_ONE, {"b_id": fresh[0]}))
        elif fresh:
            for line in self._link.rows(_LINES_OF, {"b_ids": fresh}):
                self._lines[line["order_id"]].append(line)
        try:
            return super()._load(rows)
        finally:
            self._lines = {}

    def _stored(self, statement: Prepared, parameters: Mapping[str, Any]) -> Order | None:
        """The order one of the ``_ORDER_BY_*`` statements finds, with its lines, in one
        round trip; ``None`` when none is stored, or when this unit of work holds the one
        found (its caller looked at the held orders first: as held, it does not match)."""
        rows = self._link.rows(statement, parameters)
        if not rows or rows[0]["id"] in self._seen:
            return None
        self._lines = {rows[0]["id"]: _lines_of(rows)}
        try:
            return self._remember(rows[:1])
        finally:
            self._lines = {}

    def _find_one(
        self,
        matches: Callable[[Order], bool],
        statement: Prepared,
        parameters: Mapping[str, Any],
    ) -> Order | None:
        """:meth:`_find` by a unique key, in one statement: the order ``matches`` as held
        here, else the one stored under the key (unless held and no longer matching)."""
        held = next((order for order in self._seen.values() if matches(order)), None)
        return held if held is not None else self._stored(statement, parameters)

    def _decode(self, rows: Sequence[RowData]) -> Order:
        (row,) = rows
        return codec.order_from_rows(row, self._lines[row["id"]])

    def _describe(self, aggregate: Order) -> str:
        return f"order {aggregate.number}"

    def get(self, aggregate_id: str) -> Order:
        """As held, else its row and lines in one statement (:data:`_ORDER_BY_ID`)."""
        held = self._seen.get(aggregate_id)
        if held is not None:
            return held
        found = self._stored(_ORDER_BY_ID, {"b_id": aggregate_id})
        if found is None:
            raise NotFound(f"{self.kind} {aggregate_id} not found", id=aggregate_id)
        return found

    def get_by_number(self, number: str) -> Order:
        found = self._find_one(
            lambda order: order.number == number, _ORDER_BY_NUMBER, {"b_number": number}
        )
        if found is None:
            raise NotFound(f"order {number} not found", number=number)
        return found

    def find_by_invoice(self, invoice_number: str) -> Order | None:
        return self._find_one(
            lambda order: order.invoice is not None and order.invoice.number == invoice_number,
            _ORDER_BY_INVOICE,
            {"b_invoice": invoice_number},
        )

    def list(self, criteria: OrderFilter) -> Sequence[Order]:
        """Newest first; orders this unit of work holds are judged as they are now."""
        conditions = _conditions(criteria)
        if not self._seen:
            return self._fetch(
                *conditions, order_by=_NEWEST_FIRST, limit=criteria.limit, offset=criteria.offset
            )
        held = [order for order in self._seen.values() if _matches(order, criteria)]
        stored = self._fetch(
            *conditions,
            *self._unseen(),
            order_by=_NEWEST_FIRST,
            limit=criteria.offset + criteria.limit,
        )
        return _newest_first([*held, *stored])[criteria.offset : criteria.offset + criteria.limit]

    def summaries(self, criteria: OrderFilter) -> Sequence[OrderSummary]:
        """As :meth:`list`, reading only the summary's columns of the page's rows."""
        if not self._seen:
            statement, parameters = _stored_page_of(criteria)
            return [_summary(row) for row in self._link.tuples(statement, parameters)]
        conditions = _conditions(criteria)
        held = [
            OrderSummary.of(order) for order in self._seen.values() if _matches(order, criteria)
        ]
        page = _summary_page([*conditions, *self._unseen()], criteria.offset + criteria.limit, 0)
        stored = self._link.tuples(page)
        found = _newest_first([*held, *map(_summary, stored)])
        return found[criteria.offset : criteria.offset + criteria.limit]

    def ids_in_status(self, statuses: Iterable[OrderStatus]) -> Sequence[str]:
        """Oldest first, so a worker serves orders in the order they came."""
        wanted = frozenset(statuses)
        if not wanted:
            return []
        statement = select(orders.c.placed_at, orders.c.id).where(
            orders.c.status.in_(sorted(s.value for s in wanted))
        )
        return self._oldest_first(self._link.rows(statement), lambda o: o.status in wanted)

    def overdue_invoices(self, today: date) -> Sequence[str]:
        """From the ``status`` and ``invoice_due_date`` columns, no order loaded."""
        stored = self._link.rows(_OVERDUE, {"b_today": today})
        return self._oldest_first(stored, lambda order: order.is_invoice_expired(today))

    def _oldest_first(
        self, stored: Sequence[RowData], matches: Callable[[Order], bool]
    ) -> Sequence[str]:
        """Ids of the ``stored`` (placed_at, id) rows of orders this unit of work does not
        hold, and of the held orders that match as they are now, oldest first."""
        found = [(row["placed_at"], row["id"]) for row in stored if row["id"] not in self._seen]
        found += [(o.placed_at, o.id) for o in self._seen.values() if matches(o)]
        return [order_id for _placed_at, order_id in sorted(found)]

    def paid_volume(self, client_id: str, start: date, end: date) -> Decimal:
        statement = select(func.sum(orders.c.goods_gross)).where(
            orders.c.client_id == client_id, *paid_between(start, end)
        )
        total = self._link.scalars(statement)[0]
        return ZERO if total is None else Decimal(total)

    def paid_volumes(self, start: date, end: date) -> Mapping[str, Decimal]:
        window = {"b_start": start, "b_end": end}
        # Named tuples, not mappings: a row per client, so the cheaper rows count here.
        return {row.client_id: row.volume for row in self._link.tuples(_PAID_VOLUMES, window)}

    def report_rows(self, criteria: ReportFilter) -> Iterator[ReportRow]:
        """One query, fetched in batches (a server-side cursor on PostgreSQL), so memory
        stays flat however many lines match. Committed orders only."""
        statement = (
            select(
                orders.c.id,
                orders.c.number,
                orders.c.placed_at,
                orders.c.status,
                orders.c.company_id,
                order_lines.c.position,
                order_lines.c.sku,
                order_lines.c.name,
                order_lines.c.unit,
                order_lines.c.quantity,
                order_lines.c.unit_price,
                order_lines.c.gross,
                order_lines.c.vat_rate,
                order_lines.c.vat,
            )
            .join(order_lines, order_lines.c.order_id == orders.c.id)
            .where(*_report_conditions(criteria))
            .order_by(orders.c.placed_at, orders.c.number, order_lines.c.position)
            .execution_options(stream_results=True, yield_per=_REPORT_BATCH)
        )
        statuses = {status.value: status for status in OrderStatus}
        rates = {rate.value: rate for rate in VatRate}
        with _read_transaction(self._link.connection()) as connection:
            for row in connection.execute(statement):
                yield ReportRow(
                    order_id=row.id,
                    order_number=row.number,
                    placed_at=row.placed_at,
                    status=statuses[row.status],
                    company_id=row.company_id,
                    position=row.position,
                    sku=row.sku,
                    name=row.name,
                    unit=row.unit,
                    quantity=row.quantity,
                    unit_price=row.unit_price,
                    gross=row.gross,
                    vat_rate=rates[row.vat_rate],
                    vat=row.vat,
                )

    def report_size(self, criteria: ReportFilter) -> int:
        statement = (
            select(func.count())
            .select_from(orders.join(order_lines, order_lines.c.order_id == orders.c.id))
            .where(*_report_conditions(criteria))
        )
        return int(self._link.scalars(statement)[0])
