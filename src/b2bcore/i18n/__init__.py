"""Interface texts: English message ids, translated through gettext catalogs.

The code writes English (``_("Invoice {number}")``); each locale has a catalog
``locales/<locale>/LC_MESSAGES/messages.po`` mapping the id to its text, read at
import time with Babel (no compile step). Russian is the default interface
language; English is the second (its catalog gives readable texts for keyed ids
such as ``status:placed``; a plain English id needs no entry). An id missing from
a catalog falls back to the English id, never to an error. Jinja templates use the
same catalogs through ``jinja2.ext.i18n`` (:mod:`b2bcore.web.pages.templating`).
Placeholders are ``{name}`` (``str.format``), not ``%(name)s``.
"""

from __future__ import annotations

import functools
import io
from datetime import timedelta, timezone, tzinfo
from importlib import resources
from typing import Any

import attrs
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.reasons import Reason

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
    return template.format(**params) if params else template


def render_reason(reason: Reason, locale: str = DEFAULT_LOCALE) -> str:
    """A reason in ``locale``: its ``reason:<code>`` template, else its English text."""
    message_id = f"reason:{reason.code}"
    if locale == "en" or message_id not in _catalog(locale):  # English: the reason's own text
        return reason.text
    return translate(message_id, locale, **reason.params_dict)


def describe_error(error: DomainError, locale: str = DEFAULT_LOCALE) -> str:
    """A domain error as an interface shows it: field and rule, or the error's template."""
    if isinstance(error, InvalidValue):
        field = translate(f"field:{error.field}", locale)
        if field.startswith("field:"):
            field = error.field
        shown = "" if error.value in (None, "") else f" ({error.value})"
        return f"{field}: {translate(error.rule, locale)}{shown}"
    params = {
        key: ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
        for key, value in error.params.items()
    }
    for message_id in (f"error:{error.code}:{params.get('reason', '')}", f"error:{error.code}"):
        if has_translation(message_id, locale) and locale != "en":
            try:
                return translate(message_id, locale, **params)
            except KeyError:
                break
    return error.message


MOSCOW = timezone(timedelta(hours=3), "MSK")
"""Times are shown in Moscow time (no daylight saving since 2014)."""


def timeline(order: Order, locale: str = DEFAULT_LOCALE, tz: tzinfo = MOSCOW) -> list[str]:
    """The order's history, one readable line per transition, then its documents."""

    def status(value: OrderStatus | None) -> str:
        return "—" if value is None else translate(f"status:{value.value}", locale)

    lines = [f"{order.number}  {order.gross_total} ₽  → {status(order.status)}"]
    for t in order.history:
        why = f"  ({t.reason})" if t.reason else ""
        actor = translate(f"actor:{t.actor.kind.value}", locale)
        move = f"{status(t.from_status)} → {status(t.to_status)}"
        lines.append(f"  {t.at.astimezone(tz):%d.%m.%Y %H:%M}  {actor:<10} {move}{why}")
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
    "Catalog",
    "catalog",
    "describe_error",
    "has_translation",
    "message_ids",
    "render_reason",
    "timeline",
    "translate",
]
