"""Numbers, amounts, percents and times as an interface shows them, in one place.

Amounts and percents follow the locale through Babel (CLDR): Russian
``942 370,00 ₽`` and ``2,5 %``, English ``942,370.00 ₽`` and ``2.5%``. Russian
thousands are separated by a narrow no-break space (U+202F), as Russian
typography sets them, where CLDR has a wide one; the rouble sign follows a
no-break space, so an amount never breaks across lines. Times are Moscow time.

Catalog texts ask for a style in the placeholder, ``{amount:money}``,
``{percent:percent}``, ``{due_date:day}``, ``{at:when}``, ``{window:window}``
(see :class:`LocaleFormatter`); params may then be strings, as a
:class:`~b2bcore.domain.reasons.Reason`'s are. Legal documents (PDF invoices,
UPD) format their amounts themselves and do not use this module.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal, get_group_symbol
from babel.numbers import format_percent as _babel_percent

MOSCOW = timezone(timedelta(hours=3), "MSK")
"""Times are shown in Moscow time (no daylight saving since 2014)."""

NO_BREAK_SPACE = "\u00a0"
_THOUSANDS = {"ru": "\u202f"}  # where the locale's CLDR group symbol is overridden


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _grouped(text: str, locale: str) -> str:
    group = _THOUSANDS.get(locale)
    return text if group is None else text.replace(get_group_symbol(locale), group)


def format_number(value: Decimal | int | str, locale: str) -> str:
    """A number with the locale's separators and only the digits it has: ``2,5``."""
    return _grouped(
        format_decimal(_decimal(value), locale=locale, decimal_quantization=False), locale
    )


def format_money(amount: Decimal | int | str, locale: str) -> str:
    """Roubles and kopecks: ``942 370,00 ₽`` (ru), ``942,370.00 ₽`` (en)."""
    digits = format_decimal(_decimal(amount), format="#,##0.00", locale=locale)
    return _grouped(digits, locale) + NO_BREAK_SPACE + "₽"


def format_percent(percent: Decimal | int | str, locale: str) -> str:
    """A percent given in percent (``3.00`` is 3 %), without needless zeros: ``3 %``, ``2,5 %``."""
    fraction = _decimal(percent).normalize() / 100
    return _babel_percent(fraction, locale=locale, decimal_quantization=False)


def format_day(value: date | str) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{day:%d.%m.%Y}"


def _moscow(value: datetime | str) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(MOSCOW)


def format_when(value: datetime | str) -> str:
    return f"{_moscow(value):%d.%m.%Y %H:%M}"


def format_window(value: str) -> str:
    """An ISO 8601 interval ``<start>/<end>`` in Moscow time: ``27.11.2026 09:00–13:00``."""
    start_text, end_text = str(value).split("/", 1)
    start, end = _moscow(start_text), _moscow(end_text)
    if start.date() == end.date():
        return f"{start:%d.%m.%Y %H:%M}–{end:%H:%M}"
    return f"{start:%d.%m.%Y %H:%M} – {end:%d.%m.%Y %H:%M}"


STYLES: dict[str, Callable[[Any, str], str]] = {
    "money": format_money,
    "percent": format_percent,
    "number": format_number,
    # Dates and times read the same in both interface languages.
    "day": lambda value, _locale: format_day(value),
    "when": lambda value, _locale: format_when(value),
    "window": lambda value, _locale: format_window(value),
}


class LocaleFormatter(string.Formatter):
    """``str.format`` whose format spec may name a style of :data:`STYLES`."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def format_field(self, value: Any, format_spec: str) -> str:
        style = STYLES.get(format_spec)
        if style is None:
            return str(super().format_field(value, format_spec))
        return style(value, self.locale)


__all__ = [
    "MOSCOW",
    "STYLES",
    "LocaleFormatter",
    "format_day",
    "format_money",
    "format_number",
    "format_percent",
    "format_when",
    "format_window",
]
