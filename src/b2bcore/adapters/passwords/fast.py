"""A fast salted hasher for tests and integrators' own tests: PBKDF2 with few rounds.

It keeps the port's promises -- a salted one-way hash, wrong passwords refused,
``needs_rehash`` for other parameters -- but is cheap to brute-force: never use
it for real passwords (bootstrap uses :class:`.Argon2PasswordHasher`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCHEME = "pbkdf2-fast"


class FastPasswordHasher:
    """Hashes ``pbkdf2-fast$<rounds>$<salt>$<digest>``; ``rounds`` is the "parameter"."""

    def __init__(self, rounds: int = 1) -> None:
        self._rounds = rounds

    def hash(self, password: str) -> str:
        salt = secrets.token_hex(16)
        return f"{SCHEME}${self._rounds}${salt}${self._digest(password, salt, self._rounds)}"

    def verify(self, password_hash: str, password: str) -> bool:
        parsed = _parse(password_hash)
        if parsed is None:
            return False
        rounds, salt, digest = parsed
        return hmac.compare_digest(digest, self._digest(password, salt, rounds))

    def needs_rehash(self, password_hash: str) -> bool:
        parsed = _parse(password_hash)
        return parsed is None or parsed[0] != self._rounds

    @staticmethod
    def _digest(password: str, salt: str, rounds: int) -> str:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds).hex()


def _parse(password_hash: str) -> tuple[int, str, str] | None:
    parts = password_hash.split("$")
    if len(parts) != 4 or parts[0] != SCHEME or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[3]
