"""The SAP OData v2 entities the adapter reads, and how their JSON is checked.

Attribute names are SAP's property names, so an error names the property SAP
sent wrong: ``GET A_SalesOrder: missing RequestedQuantity @ d.to_Item.results[0]``.
Only the properties the adapter uses are declared; the rest are ignored.

OData v2 JSON writes ``Edm.Decimal`` as a string (``"5.000"``) and
``Edm.DateTime`` as ``"/Date(1764115200000)/"`` (milliseconds since the epoch,
UTC; for a date-only field, midnight UTC of that date). ``Edm.Time`` is an ISO
duration (``"PT14H30M00S"``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs

from b2bcore.domain.errors import Rejected

SYSTEM = "sap"
T = TypeVar("T")
_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_TIME = re.compile(r"^PT(?:(\d{1,2})H)?(?:(\d{1,2})M)?(?:(\d{1,2})(?:\.\d+)?S)?$")


# The classes below mirror SAP's property names on purpose (see the module docstring).


@attrs.frozen
class BusinessPartnerTaxNumber:
    BusinessPartner: str


@attrs.frozen
class SalesOrderItem:
    SalesOrderItem: str
    Material: str
    RequestedQuantity: Decimal
    ConfdDelivQtyInOrderQtyUnit: Decimal = Decimal(0)
    SalesDocumentRjcnReason: str = ""
    DeliveryStatus: str = ""


@attrs.frozen
class Items:
    results: list[SalesOrderItem]


@attrs.frozen
class SalesOrder:
    SalesOrder: str
    to_Item: Items


@attrs.frozen
class CreatedSalesOrder:
    SalesOrder: str


@attrs.frozen
class StockRow:
    Material: str
    MatlWrhsStkQtyInMatlBaseUnit: Decimal


@attrs.frozen
class OpenOrderItem:
    Material: str
    ConfdDelivQtyInOrderQtyUnit: Decimal


@attrs.frozen
class OpenDeliveryItem:
    Material: str
    ActualDeliveryQuantity: Decimal


@attrs.frozen
class DeliveryItemRef:
    DeliveryDocument: str
    GoodsMovementStatus: str = ""


@attrs.frozen
class DeliveryHeader:
    DeliveryDocument: str
    OverallGoodsMovementStatus: str
    ActualGoodsMovementDate: date | None = None
    ActualGoodsMovementTime: time | None = None
    OverallProofOfDeliveryStatus: str = ""
    ProofOfDeliveryDate: date | None = None


@attrs.frozen
class DeliverySlot:
    SlotID: str
    SlotStart: datetime
    SlotEnd: datetime


def structure(data: Any, cls: type[T], what: str, *, path: str = "d") -> T:
    """``data`` as ``cls``, or ``Rejected`` naming each wrong property."""
    try:
        return _converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        problems = map(_located, cattrs.transform_error(exc, path=path, format_exception=_describe))
        raise Rejected(SYSTEM, f"{what}: unexpected response: {'; '.join(problems)}") from None
    except (TypeError, AttributeError, ValueError) as exc:
        raise Rejected(SYSTEM, f"{what}: unexpected response: {exc}") from None


def structure_list(rows: list[Any], cls: type[T], what: str) -> list[T]:
    return structure(rows, list[cls], what, path="d.results")  # type: ignore[valid-type]


def sap_datetime(value: datetime) -> str:
    """``/Date(ms)/`` for an aware datetime."""
    return f"/Date({int(value.timestamp() * 1000)})/"


def sap_date(day: date) -> str:
    """A date-only ``Edm.DateTime``: midnight UTC of ``day``."""
    return sap_datetime(datetime.combine(day, time(), UTC))


def sap_time(at: time) -> str:
    return f"PT{at.hour:02d}H{at.minute:02d}M{at.second:02d}S"


def at_plant(day: date, at: time | None, zone: tzinfo) -> datetime:
    """A plant-local SAP date and time as an aware datetime."""
    return datetime.combine(day, at or time(), zone)


# -- hooks ---------------------------------------------------------------------------


def _located(problem: str) -> str:
    """``missing @ d.results[0].X`` → ``d.results[0].X: missing``."""
    message, separator, where = problem.rpartition(" @ ")
    return f"{where}: {message}" if separator else problem


def _describe(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "missing"
    if isinstance(exc, ValueError) and str(exc):
        return str(exc)
    name = getattr(type_, "__name__", str(type_))
    return f"expected {name}, got {type(exc).__name__}"


def _string(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__} {_short(value)}")
    return value


def _decimal(value: Any, _: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"expected a decimal string, got {type(value).__name__} {_short(value)}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"expected a decimal string, got {_short(value)}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite decimal, got {_short(value)}")
    return number


def _epoch(value: Any) -> datetime:
    if not isinstance(value, str) or (match := _DATE.match(value)) is None:
        raise ValueError(f"expected /Date(milliseconds)/, got {_short(value)}")
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match[1]))


def _date(value: Any, _: Any) -> date:
    return _epoch(value).date()


def _datetime(value: Any, _: Any) -> datetime:
    """``/Date(ms)/``, ``/Date(ms+0180)/`` (UTC milliseconds) or ISO 8601 with an offset."""
    if isinstance(value, str) and not value.startswith("/Date("):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date and time, got {_short(value)}") from None
        if parsed.utcoffset() is None:
            raise ValueError(f"expected a date and time with an offset, got {_short(value)}")
        return parsed
    return _epoch(value)


def _time(value: Any, _: Any) -> time:
    if not isinstance(value, str) or (match := _TIME.match(value)) is None:
        raise ValueError(f"expected an Edm.Time like PT14H30M00S, got {_short(value)}")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"expected a time of day, got {value}")
    return time(hours, minutes, seconds)


def _items(value: Any, _: Any) -> Items:
    """An expanded to-many navigation: ``{"results": [...]}`` (or a bare list)."""
    if isinstance(value, list):
        value = {"results": value}
    if not isinstance(value, dict) or "results" not in value:
        raise ValueError("expected expanded items {'results': [...]}")
    return Items(results=_converter.structure(value["results"], list[SalesOrderItem]))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


_converter = cattrs.Converter(detailed_validation=True)
_converter.register_structure_hook(str, _string)
_converter.register_structure_hook(Decimal, _decimal)
_converter.register_structure_hook(date, _date)
_converter.register_structure_hook(datetime, _datetime)
_converter.register_structure_hook(time, _time)
_converter.register_structure_hook(Items, _items)
