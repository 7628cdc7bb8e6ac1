"""Reasons shown to people: why an order went to a manager, why a step failed.

A reason keeps a stable ``code``, an English ``text`` for logs, and ``params``
(string values), so an interface can render it in its own language through the
translation catalog (message id ``reason:<code>``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs


def _as_pairs(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Params as sorted pairs, so a reason stays frozen, hashable and comparable."""
    items = params.items() if isinstance(params, Mapping) else params
    return tuple(sorted((str(key), str(value)) for key, value in items))


@attrs.frozen
class Reason:
    rule: str
    reason: str
    params: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_as_pairs)

    @property
    def code(self) -> str:
        return self.rule

    @property
    def text(self) -> str:
        return self.reason

    @property
    def params_dict(self) -> dict[str, str]:
        """The params as a dictionary, as a translation catalog expects them."""
        return dict(self.params)

    def __str__(self) -> str:
        return self.reason
