"""Money and VAT.

Amounts are :class:`decimal.Decimal` roubles. Prices include VAT, as in Russian
B2B retail. One rounding rule everywhere: half-up to whole kopecks, applied per
line. Floats are refused: they cannot hold kopecks exactly.
"""

from __future__ import annotations

import enum
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from b2bcore.domain.errors import InvalidValue

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str, *, field: str = "amount") -> Decimal:
    """Return ``value`` as roubles rounded half-up to kopecks; refuse floats and junk."""
    if isinstance(value, bool | float):
        raise InvalidValue(field, "must be a Decimal, int or str, never a float", value)
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValue(field, "must be a number of roubles", value) from None
    if not amount.is_finite():
        raise InvalidValue(field, "must be a finite number", value)
    return amount.quantize(KOPECK, rounding=ROUND_HALF_UP)


def non_negative_money(value: Decimal | int | str, *, field: str = "amount") -> Decimal:
    """Like :func:`to_money`, and refuses amounts below zero."""
    amount = to_money(value, field=field)
    if amount < 0:
        raise InvalidValue(field, "must not be negative", value)
    return amount


def percent(value: Decimal | int | str, *, field: str = "percent") -> Decimal:
    """A percentage between 0 and 100 with at most two decimals."""
    if isinstance(value, bool | float):
        raise InvalidValue(field, "must be a Decimal, int or str, never a float", value)
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValue(field, "must be a number", value) from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise InvalidValue(field, "must be between 0 and 100", value)
    if number != number.quantize(KOPECK):
        raise InvalidValue(field, "must have at most two decimal places", value)
    return number.quantize(KOPECK)


class VatRate(enum.Enum):
    """VAT rates a line may carry (general rate 22 % from 1 January 2026)."""

    VAT22 = "22"
    VAT10 = "10"
    VAT0 = "0"
    NO_VAT = "none"

    @property
    def percent(self) -> Decimal | None:
        """The rate in percent, or ``None`` for "без НДС"."""
        return None if self is VatRate.NO_VAT else Decimal(self.value)

    @classmethod
    def parse(cls, text: str, *, field: str = "vat_rate") -> VatRate:
        """Read "22", "22%", "10", "0", "none" or "без НДС"."""
        cleaned = text.strip().lower().rstrip("%").strip()
        if cleaned in {"none", "без ндс", "без налога", "no_vat", "-"}:
            return cls.NO_VAT
        for rate in cls:
            if rate.value == cleaned:
                return rate
        raise InvalidValue(field, "must be one of 22, 10, 0 or 'без НДС'", text)

    def vat_included(self, gross: Decimal) -> Decimal:
        """VAT contained in a VAT-inclusive ``gross``: gross x rate / (100 + rate), half-up."""
        rate = self.percent
        if rate is None or rate == 0:
            return ZERO
        return to_money(gross * rate / (100 + rate))
