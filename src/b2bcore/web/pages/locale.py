"""The interface language of a request: the ``lang`` cookie the language switch sets,
else the browser's Accept-Language, else Russian."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from b2bcore.i18n import DEFAULT_LOCALE

LOCALES = ("ru", "en")
LANG_COOKIE = "lang"
_CACHE = "b2b.locale"


def locale_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    state: dict[str, Any] = connection.scope.setdefault("state", {})
    if _CACHE not in state:
        state[_CACHE] = _negotiate(
            connection.cookies.get(LANG_COOKIE, ""), connection.headers.get("accept-language", "")
        )
    return str(state[_CACHE])


def _negotiate(cookie: str, accept_language: str) -> str:
    if cookie in LOCALES:
        return cookie
    for tag in _preferred(accept_language):
        language = tag.split("-")[0].lower()
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE


def _preferred(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]
