"""Aggregates to rows and back: explicit row mapping through a private cattrs converter.

An aggregate becomes the values of its main table's columns (those the queries
filter, sort, sum or constrain on) plus a JSON ``doc`` holding every other field,
nested value objects included. Loading merges the two and lets the converter
call the domain's own constructors, so every validator and converter of the
domain runs again. A field added to an aggregate lands in ``doc`` without a
migration, and a doc written before it existed loads with the field's default
(an order's history notes, for one: older transitions load with none). Derived
columns (an order's totals, amount paid, paid date, invoice number and due date; a
client's ``search_text``) are written for queries, constraints, order summaries and
the client search, and never read back into an aggregate: the domain computes them.

In JSON, identifiers and Decimals are strings (no float ever holds money),
instants are ISO 8601 in UTC, enums are their values, sets are sorted lists.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from b2bcore.domain.client import CorporateClient, Manager
from b2bcore.domain.identifiers import (
    Bik,
    CorrespondentAccount,
    Inn,
    Kpp,
    Ogrn,
    SettlementAccount,
)
from b2bcore.domain.order import Order
from b2bcore.domain.pricing import OrderLine, Product
from b2bcore.domain.tasks import ManagerTask

T = TypeVar("T")


class Row(Protocol):
    """A row as the repositories read it (a ``RowMapping``) or as :func:`_split` made it."""

    def __getitem__(self, key: str, /) -> Any: ...


CLIENT_COLUMNS = (
    "id",
    "name",
    "manager_id",
    "status",
    "discount_percent",
    "registered_at",
    "version",
)
ORDER_COLUMNS = (
    "id",
    "number",
    "client_id",
    "company_id",
    "contact_id",
    "status",
    "route",
    "placed_at",
    "discount_percent",
    "version",
)
TASK_COLUMNS = ("id", "kind", "status", "created_at", "version")
LINE_COLUMNS = tuple(field.name for field in attrs.fields(OrderLine))
PRODUCT_COLUMNS = tuple(field.name for field in attrs.fields(Product))
MANAGER_COLUMNS = tuple(field.name for field in attrs.fields(Manager))

_IDENTIFIERS = (Inn, Kpp, Ogrn, Bik, SettlementAccount, CorrespondentAccount)


def _decimal(value: object, _type: object = Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str | int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"expected a Decimal or a string of digits, got {value!r}")


def _instant_text(value: datetime) -> str:
    if value.utcoffset() is None:
        raise ValueError(f"a naive datetime cannot be stored, got {value!r}")
    return value.astimezone(UTC).isoformat()


def _instant(value: object, _type: object = datetime) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.utcoffset() is None:
        raise ValueError(f"stored instant {value!r} has no time zone")
    return parsed.astimezone(UTC)


def _is_set(kind: Any) -> bool:
    return get_origin(kind) in (frozenset, set) or kind in (frozenset, set)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_unstructure_hook(datetime, _instant_text)
    converter.register_structure_hook(datetime, _instant)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(
        date, lambda value, _: value if isinstance(value, date) else date.fromisoformat(value)
    )
    for identifier in _IDENTIFIERS:
        converter.register_unstructure_hook(identifier, str)
        converter.register_structure_hook(identifier, lambda value, kind: kind(value))
    converter.register_unstructure_hook_func(_is_set, sorted)
    # Events belong to the unit of work that collects them, never to storage.
    for root in (CorporateClient, Order):
        converter.register_unstructure_hook(
            root, make_dict_unstructure_fn(root, converter, events=override(omit=True))
        )
        converter.register_structure_hook(
            root, make_dict_structure_fn(root, converter, events=override(omit=True))
        )
    return converter


_converter = _make_converter()


def _column(value: object) -> object:
    return value.value if isinstance(value, enum.Enum) else value


_order_without_lines = make_dict_unstructure_fn(
    Order, _converter, events=override(omit=True), lines=override(omit=True)
)
"""An order's fields but its lines (rows of their own) and events, unstructured."""


def _split(
    aggregate: object,
    columns: Sequence[str],
    unstructure: Callable[[Any], dict[str, Any]] = _converter.unstructure,
) -> dict[str, Any]:
    """The columns' values and ``doc``: every other field, unstructured."""
    doc = unstructure(aggregate)
    row = {name: _column(getattr(aggregate, name)) for name in columns}
    for name in columns:
        del doc[name]
    return {**row, "doc": doc}


def _join(row: Row, columns: Sequence[str], kind: type[T], **extra: Any) -> T:
    data = {**row["doc"], **{name: row[name] for name in columns}, **extra}
    try:
        return _converter.structure(data, kind)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc))
        raise ValueError(f"stored {kind.__name__} {row['id']} cannot be read: {problems}") from exc


# -- clients -------------------------------------------------------------------

SEARCH_SEPARATOR = "\n"
"""Between the fields of ``search_text``; the search never looks for a text holding it,
so no match spans two fields."""


def client_row(client: CorporateClient) -> dict[str, Any]:
    row = _split(client, CLIENT_COLUMNS)
    return {**row, "search_text": client_search_text(client.name, row["doc"])}


def client_search_text(name: str, doc: Mapping[str, Any]) -> str:
    """What the client search looks in: the client's name, then each company's name and
    INN, each lower-cased by Python's ``str.lower`` (Cyrillic included, as the in-memory
    store folds them), joined by :data:`SEARCH_SEPARATOR`.

    Read from the client's stored document, so migration 0005 fills the column of the
    clients stored before it with this very function. A company's name is its short
    name, or its full name when it has none (``Company.name``)."""
    fields = [name]
    for company in doc["companies"].values():
        requisites = company["requisites"]
        fields += (requisites["short_name"] or requisites["full_name"], requisites["inn"])
    return SEARCH_SEPARATOR.join(field.lower() for field in fields)


def client_from_row(row: Row) -> CorporateClient:
    return _join(row, CLIENT_COLUMNS, CorporateClient)


def company_rows(client: CorporateClient) -> list[dict[str, Any]]:
    """One row per company: INN+KPP, unique among all clients."""
    rows = []
    for company in client.companies.values():
        inn, kpp = company.requisites.tax_key
        rows.append({"company_id": company.id, "client_id": client.id, "inn": inn, "kpp": kpp})
    return sorted(rows, key=lambda row: row["company_id"])


def contact_rows(client: CorporateClient) -> list[dict[str, Any]]:
    """One row per contact: the e-mail a user signs in with, unique among all clients."""
    rows = [
        {"contact_id": contact.id, "client_id": client.id, "email": contact.email}
        for contact in client.contacts.values()
    ]
    return sorted(rows, key=lambda row: row["contact_id"])


# -- orders --------------------------------------------------------------------


def order_row(order: Order) -> dict[str, Any]:
    row = _split(order, ORDER_COLUMNS, _order_without_lines)
    paid_at = order.paid_at
    totals = order.totals
    return {
        **row,
        "needs_manager": order.needs_manager,
        "paid_at": paid_at,
        "paid_on": None if paid_at is None else paid_at.astimezone(UTC).date(),
        "goods_gross": totals.goods_gross,
        "gross_total": totals.gross,
        "invoice_number": None if order.invoice is None else order.invoice.number,
        "amount_paid": order.amount_paid,
        "invoice_due_date": None if order.invoice is None else order.invoice.due_date,
    }


def line_rows(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order.id,
            "position": position,
            **{name: _column(getattr(line, name)) for name in LINE_COLUMNS},
        }
        for position, line in enumerate(order.lines)
    ]


def order_from_rows(row: Row, lines: Iterable[Row]) -> Order:
    """The order from its row and its lines' rows, in position order."""
    return _join(
        row,
        ORDER_COLUMNS,
        Order,
        lines=[{name: line[name] for name in LINE_COLUMNS} for line in lines],
    )


# -- tasks, products, managers -------------------------------------------------


def task_row(task: ManagerTask) -> dict[str, Any]:
    return _split(task, TASK_COLUMNS)


def task_from_row(row: Row) -> ManagerTask:
    return _join(row, TASK_COLUMNS, ManagerTask)


def product_row(product: Product) -> dict[str, Any]:
    return {name: _column(getattr(product, name)) for name in PRODUCT_COLUMNS}


def product_from_row(row: Row) -> Product:
    return _converter.structure({name: row[name] for name in PRODUCT_COLUMNS}, Product)


def manager_row(manager: Manager) -> dict[str, Any]:
    return {name: getattr(manager, name) for name in MANAGER_COLUMNS}


def manager_from_row(row: Row) -> Manager:
    return _converter.structure({name: row[name] for name in MANAGER_COLUMNS}, Manager)
