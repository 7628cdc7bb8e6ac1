"""Column types that keep the domain's values exact on every backend.

* :class:`Money` -- roubles as a whole number of kopecks in a BIGINT. SQLite has
  no exact decimal type (``Numeric`` there is a float), so an integer is the only
  way a sum of a million amounts stays right to the kopeck on both backends.
* :class:`Percent` -- a percentage as whole hundredths of a percent (12.50 % is 1250).
* :class:`UtcDateTime` -- an instant, stored in UTC; refuses naive datetimes and
  returns aware ones (PostgreSQL ``timestamptz``; SQLite text in UTC).
* :data:`Document` -- JSON for an aggregate's nested values: ``json``, not ``jsonb``, on
  PostgreSQL, because ``jsonb`` reorders keys and a client's companies, contacts
  and addresses keep the order they were added in; nothing queries inside a document.

Anything inexact is refused with ``ValueError`` rather than rounded: rounding is
the domain's job (:func:`b2bcore.domain.money.to_money`), never the database's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer, TypeDecorator

__all__ = ["Document", "Money", "Percent", "UtcDateTime"]


def _scaled_int(value: Decimal, places: int, what: str) -> int:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{what} must be a finite Decimal, got {value!r}")
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {value} has more than {places} decimal places")
    return int(scaled)


def _from_scaled(value: int | Decimal, places: int) -> Decimal:
    # PostgreSQL returns SUM(bigint) as numeric; either way the value is whole.
    return Decimal(int(value)).scaleb(-places)


class Money(TypeDecorator[Decimal]):
    """Roubles as integer kopecks: ``Decimal("12.34")`` is stored as ``1234``."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, _dialect: Dialect) -> int | None:
        return None if value is None else _scaled_int(value, 2, "an amount")

    def process_result_value(self, value: Any, _dialect: Dialect) -> Decimal | None:
        return None if value is None else _from_scaled(value, 2)


class Percent(TypeDecorator[Decimal]):
    """A percentage as integer hundredths: ``Decimal("12.50")`` is stored as ``1250``."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, _dialect: Dialect) -> int | None:
        return None if value is None else _scaled_int(value, 2, "a percentage")

    def process_result_value(self, value: Any, _dialect: Dialect) -> Decimal | None:
        return None if value is None else _from_scaled(value, 2)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware instant in UTC; a naive datetime is refused, its zone would be a guess."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValueError(f"a naive datetime cannot be stored, got {value!r}")
        utc = value.astimezone(UTC)
        # SQLite's DATETIME is text without an offset: store the UTC wall time.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Document = JSON()
"""JSON documents, kept as written. Decimals inside are strings (see ``codec``)."""
