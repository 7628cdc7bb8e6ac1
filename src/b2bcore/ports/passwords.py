"""Password hashing: slow, salted, one-way. The core never sees a password stored."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A new salted hash of ``password``, self-describing (scheme and parameters)."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; ``False`` for a mismatch and for a hash this
        hasher cannot read, never an exception."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than this hasher's current ones
        (then hash the password again after a successful sign-in)."""
        ...
