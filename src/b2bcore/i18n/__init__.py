"""Interface texts: English message ids, translated through per-locale catalogs.

The code writes English (``_("Invoice {number}")``); a catalog file
``<locale>.toml`` maps each id to its translation. Russian is the default
interface language; another language is one more catalog file. An id missing
from a catalog falls back to the English text, never to an error.
"""

from __future__ import annotations

import functools
import tomllib
from datetime import timedelta, timezone, tzinfo
from importlib import resources
from typing import Any

from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.reasons import Reason

DEFAULT_LOCALE = "ru"


@functools.cache
def _catalog(locale: str) -> dict[str, str]:
    if locale == "en":
        return {}
    source = resources.files(__package__).joinpath(f"{locale}.toml")
    if not source.is_file():
        raise LookupError(f"no message catalog for locale {locale!r}")
    return {str(k): str(v) for k, v in tomllib.loads(source.read_text("utf-8")).items()}


def translate(message_id: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
    """The text for ``message_id`` in ``locale`` with ``params`` filled in."""
    template = _catalog(locale).get(message_id, message_id)
    return template.format(**params) if params else template


def render_reason(reason: Reason, locale: str = DEFAULT_LOCALE) -> str:
    """A reason in ``locale``: its ``reason:<code>`` template, else its English text."""
    message_id = f"reason:{reason.code}"
    if locale == "en" or message_id not in _catalog(locale):
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


__all__ = [
    "DEFAULT_LOCALE",
    "describe_error",
    "has_translation",
    "render_reason",
    "timeline",
    "translate",
]
