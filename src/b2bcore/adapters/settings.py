"""Validators shared by the real adapters' settings classes.

Settings are read from the configuration file by cattrs; a validator's
``ValueError`` names the key and the rule, and :mod:`b2bcore.config` reports it
with the section's path (``dadata: timeout: must be a positive number``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs
import httpx

from b2bcore.domain.errors import InvalidValue


def positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name}: must be a positive number (got {value!r})")


def between(low: int, high: int) -> Callable[[object, attrs.Attribute[Any], int], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
        if not low <= value <= high:
            raise ValueError(f"{attribute.name}: must be between {low} and {high} (got {value!r})")

    return check


def one_of(choices: Collection[str]) -> Callable[[object, attrs.Attribute[Any], str], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
        if value not in choices:
            shown = ", ".join(sorted(choices))
            raise ValueError(f"{attribute.name}: must be one of {shown} (got {value!r})")

    return check


def http_url(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """An absolute ``http://`` or ``https://`` URL with a host."""
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ValueError(f"{attribute.name}: not a URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{attribute.name}: must be an http:// or https:// URL (got {value!r})")


def not_blank(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name}: must not be empty")


def secret(secrets: Mapping[str, str], name: str) -> str:
    """The secret ``name`` from the environment: required, printable ASCII.

    Raises ``InvalidValue`` naming the variable (never its value).
    """
    value = secrets.get(name, "").strip()
    if not value:
        raise InvalidValue(name, "must be set in the environment")
    if not (value.isascii() and value.isprintable()):
        raise InvalidValue(name, "must be printable ASCII")
    return value
