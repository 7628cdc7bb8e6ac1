"""Pages of a list: ``?page=N`` in the query, one more row read than shown to know
whether a next page exists (the use cases page by limit/offset and do not count)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar
from urllib.parse import urlencode

import attrs

T = TypeVar("T")
MAX_PAGE = 10_000


@attrs.frozen
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def link(self, number: int, query: dict[str, str | list[str]] | None = None) -> str:
        """``?…&page=N`` keeping the other query parameters (the filters)."""
        params = {k: v for k, v in (query or {}).items() if k != "page" and v}
        return "?" + urlencode({**params, "page": number}, doseq=True)


def paginate(fetch: Callable[[int, int], Sequence[T]], number: int, size: int) -> Page[T]:
    """``fetch(limit, offset)`` for page ``number`` (1-based) of ``size`` rows."""
    number = min(max(number, 1), MAX_PAGE)
    rows = fetch(size + 1, (number - 1) * size)
    return Page(items=rows[:size], number=number, size=size, has_next=len(rows) > size)
