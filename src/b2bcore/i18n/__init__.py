"""Interface texts: English message ids, translated through gettext catalogs.

The code writes English (``_("Invoice {number}")``); each locale has a catalog
``locales/<locale>/LC_MESSAGES/messages.po`` mapping the id to its text, read at
import time with Babel (no compile step). Russian is the default interface
language; English is the second (its catalog gives readable texts for keyed ids
such as ``status:placed``; a plain English id needs no entry). An id missing from
a catalog falls back to the English id, never to an error. Jinja templates use the
same catalogs through ``jinja2.ext.i18n`` (:mod:`b2bcore.web.pages.templating`).
Placeholders are ``{name}`` (``str.format``), not ``%(name)s``; a placeholder may
name how its value is shown, ``{amount:money}`` (:mod:`.formatting`).

An order's history is rendered here, once, for the CLI and the web pages alike
(:func:`render_transition`): each line's notes through the catalog ids
``reason:<code>``, or, for history stored before notes existed, its stored text.
"""

from __future__ import annotations

import functools
import io
from datetime import tzinfo
from decimal import Decimal
from importlib import resources
from typing import Any

import attrs
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.domain.order import Order, OrderStatus, Transition
from b2bcore.domain.reasons import Reason
from b2bcore.i18n.formatting import (
    MOSCOW,
    LocaleFormatter,
    format_day,
    format_money,
    format_number,
    format_percent,
    format_when,
)

DEFAULT_LOCALE = "ru"
LOCALES = ("ru", "en")
DOMAIN = "messages"


@attrs.frozen
class Catalog:
    """One locale's texts: as a dict for lookups, as gettext ``Translations`` for Jinja."""

    messages: dict[str, str]
    translations: Translations


def catalog_path(locale: str) -> Any:
    """The ``.po`` file of ``locale`` inside the package."""
    return resources.files(__package__).joinpath("locales", locale, "LC_MESSAGES", f"{DOMAIN}.po")


@functools.cache
def catalog(locale: str) -> Catalog:
    source = catalog_path(locale)
    if not source.is_file():
        raise LookupError(f"no message catalog for locale {locale!r}")
    with source.open("rb") as po:
        parsed = read_po(po, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    messages = {
        str(message.id): str(message.string)
        for message in parsed
        if message.id and isinstance(message.id, str) and message.string
    }
    return Catalog(messages=messages, translations=Translations(compiled, domain=DOMAIN))


def _catalog(locale: str) -> dict[str, str]:
    return catalog(locale).messages


def translate(message_id: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
    """The text for ``message_id`` in ``locale`` with ``params`` filled in."""
    template = _catalog(locale).get(message_id, message_id)
    return _formatter(locale).vformat(template, (), params) if params else template


@functools.cache
def _formatter(locale: str) -> LocaleFormatter:
    return LocaleFormatter(locale)


def render_reason(reason: Reason, locale: str = DEFAULT_LOCALE) -> str:
    """A reason in ``locale``: its ``reason:<code>`` template, else its English text.

    The text is also the answer when the template wants a param the reason lacks
    or cannot format one (a reason stored by an older version): never an error.
    """
    template = _catalog(locale).get(f"reason:{reason.code}")
    if template is None:
        return reason.text
    try:
        return _formatter(locale).vformat(template, (), reason.params_dict)
    except (KeyError, IndexError, ValueError, ArithmeticError):
        return reason.text


def describe_error(error: DomainError, locale: str = DEFAULT_LOCALE) -> str:
    """A domain error as an interface shows it: field and rule, or the error's template."""
    if isinstance(error, InvalidValue):
        field = translate(f"field:{error.field}", locale)
        if field.startswith("field:"):
            field = error.field
        shown = "" if error.value in (None, "") else f" ({_shown(error.value, locale)})"
        return f"{field}: {translate(error.rule, locale)}{shown}"
    params = {
        key: ", ".join(map(str, value))
        if isinstance(value, list | tuple)
        else _shown(value, locale)
        for key, value in error.params.items()
    }
    for message_id in (f"error:{error.code}:{params.get('reason', '')}", f"error:{error.code}"):
        if has_translation(message_id, locale) and locale != "en":
            try:
                return translate(message_id, locale, **params)
            except KeyError:
                break
    return error.message


def _shown(value: Any, locale: str) -> Any:
    """An error's value or param as the locale writes it: numbers get its separators."""
    return format_number(value, locale) if isinstance(value, Decimal) else value


@attrs.frozen(kw_only=True)
class HistoryLine:
    """One transition in an interface language: when, who, the move, and what it noted."""

    when: str
    actor: str
    move: str
    note: str

    def __str__(self) -> str:
        why = f"  ({self.note})" if self.note else ""
        return f"{self.when}  {self.actor:<10} {self.move}{why}"


def _status(value: OrderStatus | None, locale: str) -> str:
    return "—" if value is None else translate(f"status:{value.value}", locale)


def render_transition(
    transition: Transition, locale: str = DEFAULT_LOCALE, tz: tzinfo = MOSCOW
) -> HistoryLine:
    """A history line in ``locale``: its notes through the catalog, else its stored text."""
    t = transition
    stored = t.reason  # all that history written before notes existed has: English text
    note = "; ".join(render_reason(r, locale) for r in t.notes) if t.notes else stored
    return HistoryLine(
        when=f"{t.at.astimezone(tz):%d.%m.%Y %H:%M}",
        actor=translate(f"actor:{t.actor.kind.value}", locale),
        move=f"{_status(t.from_status, locale)} → {_status(t.to_status, locale)}",
        note=note,
    )


def timeline(order: Order, locale: str = DEFAULT_LOCALE, tz: tzinfo = MOSCOW) -> list[str]:
    """The order's history, one readable line per transition, then its documents."""
    total = format_money(order.gross_total, locale)
    lines = [f"{order.number}  {total}  → {_status(order.status, locale)}"]
    lines += [f"  {render_transition(t, locale, tz)}" for t in order.history]
    for doc in order.documents:
        lines.append(
            "  "
            + translate(
                "document {kind} {number}",
                locale,
                kind=translate(f"document:{doc.kind}", locale),
                number=doc.number,
            )
        )
    return lines


def has_translation(message_id: str, locale: str = DEFAULT_LOCALE) -> bool:
    return locale == "en" or message_id in _catalog(locale)


def message_ids(locale: str) -> set[str]:
    """Every id the catalog of ``locale`` lists, translated or not."""
    with catalog_path(locale).open("rb") as po:
        return {str(m.id) for m in read_po(po, locale=locale) if m.id}


__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "MOSCOW",
    "Catalog",
    "HistoryLine",
    "catalog",
    "describe_error",
    "format_day",
    "format_money",
    "format_number",
    "format_percent",
    "format_when",
    "has_translation",
    "message_ids",
    "render_reason",
    "render_transition",
    "timeline",
    "translate",
]
