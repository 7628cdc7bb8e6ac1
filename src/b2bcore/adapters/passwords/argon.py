"""The PasswordHasher port on argon2-cffi (Argon2id, the library's default parameters)."""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """Argon2id hashes such as ``$argon2id$v=19$m=65536,t=3,p=4$...``.

    The default parameters are argon2-cffi's (RFC 9106's low-memory profile); when
    they change, :meth:`needs_rehash` says so for every older hash.
    """

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher()

    @classmethod
    def cheap(cls) -> Argon2PasswordHasher:
        """Minimal parameters: fast, for tests only, never for stored passwords."""
        return cls(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True
