"""Who acts: a corporate buyer, a B2B manager, or the system (the worker).

A buyer's role (supervisor or employee) lives on the client aggregate, because
it can change; the actor only says who is asking.
"""

from __future__ import annotations

import enum

import attrs


class ActorKind(enum.Enum):
    BUYER = "buyer"
    MANAGER = "manager"
    SYSTEM = "system"


@attrs.frozen
class Actor:
    """The identity behind a request, as the shells authenticated it."""

    kind: ActorKind
    id: str
    client_id: str | None = None

    @classmethod
    def buyer(cls, contact_id: str, client_id: str) -> Actor:
        return cls(ActorKind.BUYER, contact_id, client_id)

    @classmethod
    def manager(cls, manager_id: str) -> Actor:
        return cls(ActorKind.MANAGER, manager_id)

    @classmethod
    def system(cls, name: str = "worker") -> Actor:
        return cls(ActorKind.SYSTEM, name)

    @property
    def is_buyer(self) -> bool:
        return self.kind is ActorKind.BUYER

    @property
    def is_manager(self) -> bool:
        return self.kind is ActorKind.MANAGER

    @property
    def is_system(self) -> bool:
        return self.kind is ActorKind.SYSTEM

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"
