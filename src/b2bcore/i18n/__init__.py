"""Interface texts: English message ids, translated through per-locale catalogs.

The code writes English (``_("Invoice {number}")``); a catalog file
``<locale>.toml`` maps each id to its translation. Russian is the default
interface language; another language is one more catalog file. An id missing
from a catalog falls back to the English text, never to an error.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

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


def has_translation(message_id: str, locale: str = DEFAULT_LOCALE) -> bool:
    return locale == "en" or message_id in _catalog(locale)


__all__ = ["DEFAULT_LOCALE", "has_translation", "translate"]
