"""How documents write amounts, dates and VAT rates (pure, shared by every renderer)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from b2bcore.domain.money import VatRate

_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
NBSP = "\u00a0"


def money(amount: Decimal) -> str:
    """1234567.8 -> "1 234 567,80" (a no-break space between thousands, so a cell never
    wraps inside an amount)."""
    return f"{amount:,.2f}".replace(",", NBSP).replace(".", ",")


def quantity(value: int) -> str:
    return f"{value:,d}".replace(",", NBSP)


def long_date(day: date) -> str:
    """26 ноября 2026 г."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year} г."


def short_date(day: date) -> str:
    """26.11.2026"""
    return f"{day:%d.%m.%Y}"


def rate(vat_rate: VatRate) -> str:
    """The rate as a document's VAT column writes it: "22 %" or "без НДС"."""
    percent = vat_rate.percent
    return "без НДС" if percent is None else f"{percent}{NBSP}%"


def vat_label(vat_rate: VatRate) -> str:
    """The totals line for one rate: "В том числе НДС 22 %" or "Без НДС"."""
    percent = vat_rate.percent
    return "Без НДС" if percent is None else f"В том числе НДС {percent}{NBSP}%"
