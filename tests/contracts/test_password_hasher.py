"""The PasswordHasher contract, on Argon2id (default and cheap parameters) and the fast hasher."""

from __future__ import annotations

import abc

import argon2

from b2bcore.adapters.passwords import Argon2PasswordHasher, FastPasswordHasher
from b2bcore.ports import PasswordHasher

PASSWORD = "correct horse battery staple"


class PasswordHasherContract(abc.ABC):
    @abc.abstractmethod
    def make(self) -> PasswordHasher:
        """The hasher under test."""

    @abc.abstractmethod
    def make_with_other_parameters(self) -> PasswordHasher:
        """The same scheme with other parameters, whose hashes need a rehash."""

    def test_the_right_password_verifies(self) -> None:
        """A password verifies against its own hash."""
        hasher = self.make()
        assert hasher.verify(hasher.hash(PASSWORD), PASSWORD)

    def test_a_wrong_password_is_refused(self) -> None:
        """Another password, a case change or a prefix does not verify."""
        hasher = self.make()
        hashed = hasher.hash(PASSWORD)
        for wrong in ("wrong password", PASSWORD.upper(), PASSWORD[:-1], ""):
            assert not hasher.verify(hashed, wrong)

    def test_the_hash_hides_the_password_and_is_salted(self) -> None:
        """The password is not in its hash, and hashing twice gives two hashes."""
        hasher = self.make()
        first, second = hasher.hash(PASSWORD), hasher.hash(PASSWORD)
        assert PASSWORD not in first
        assert first != second

    def test_a_hash_it_cannot_read_does_not_verify(self) -> None:
        """Garbage, or a hash of another scheme, is a refusal, not an exception."""
        hasher = self.make()
        for garbage in ("", "not a hash", "$argon2id$broken", "pbkdf2-fast$x$y$z"):
            assert not hasher.verify(garbage, PASSWORD)
            assert hasher.needs_rehash(garbage)

    def test_own_hashes_need_no_rehash_and_others_do(self) -> None:
        """A hash made with other parameters needs a rehash; one made with these does not."""
        hasher, other = self.make(), self.make_with_other_parameters()
        assert not hasher.needs_rehash(hasher.hash(PASSWORD))
        older = other.hash(PASSWORD)
        assert hasher.needs_rehash(older)
        assert hasher.verify(older, PASSWORD)


class TestArgon2Defaults(PasswordHasherContract):
    def make(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    def make_with_other_parameters(self) -> PasswordHasher:
        return Argon2PasswordHasher.cheap()

    def test_hashes_are_argon2id_with_the_library_defaults(self) -> None:
        """Stored hashes say Argon2id and argon2-cffi's default cost parameters."""
        hashed = self.make().hash(PASSWORD)
        defaults = argon2.PasswordHasher()
        assert hashed.startswith("$argon2id$")
        assert f"m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}" in hashed


class TestArgon2Cheap(PasswordHasherContract):
    def make(self) -> PasswordHasher:
        return Argon2PasswordHasher.cheap()

    def make_with_other_parameters(self) -> PasswordHasher:
        return Argon2PasswordHasher(
            argon2.PasswordHasher(time_cost=2, memory_cost=8, parallelism=1)
        )


class TestFastHasher(PasswordHasherContract):
    def make(self) -> PasswordHasher:
        return FastPasswordHasher()

    def make_with_other_parameters(self) -> PasswordHasher:
        return FastPasswordHasher(rounds=2)
