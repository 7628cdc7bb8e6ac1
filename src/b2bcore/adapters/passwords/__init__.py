"""Password hashers: Argon2id for real use, a fast salted one for tests."""

from b2bcore.adapters.passwords.argon import Argon2PasswordHasher
from b2bcore.adapters.passwords.fast import FastPasswordHasher

__all__ = ["Argon2PasswordHasher", "FastPasswordHasher"]
