"""The logins contract: what every store of logins, tokens and failed sign-ins must do.

:class:`LoginRepositoryContract` is written against the ports only; it is run on
the in-memory store, SQLite and PostgreSQL (subclasses at the end).
"""

from __future__ import annotations

import abc
from datetime import timedelta

import pytest

from b2bcore.domain.accounts import Login, LoginToken, TokenPurpose, token_digest
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import Conflict, NotFound
from b2bcore.ports.repositories import UnitOfWork, UnitOfWorkFactory
from tests.builders import NOW
from tests.contracts.storage import InMemory, OnPostgres, OnSqlite

BUYER = Actor.buyer("contact-1", "client-1")
MANAGER = Actor.manager("manager-1")


def login_for(actor: Actor = BUYER, email: str = "p.ivanov@example.ru") -> Login:
    return Login.create(actor, email, now=NOW, password_hash="hash-1")


def stored(uows: UnitOfWorkFactory, *logins: Login, tokens: tuple[LoginToken, ...] = ()) -> None:
    with uows() as uow:
        for login in logins:
            uow.logins.add(login)
        for token in tokens:
            uow.logins.add_token(token)
        uow.commit()


def add_and_commit(uow: UnitOfWork, login: Login) -> None:
    """Adapters may refuse a taken key on ``add`` or on ``commit``."""
    uow.logins.add(login)
    uow.commit()


def a_token(token: str = "token-1", login_id: str = "buyer:contact-1") -> LoginToken:
    return LoginToken.issue(token, login_id=login_id, purpose=TokenPurpose.RESET, now=NOW)


class LoginRepositoryContract(abc.ABC):
    @abc.abstractmethod
    def make_uow_factory(self) -> UnitOfWorkFactory:
        """A factory of units of work over a fresh, empty store."""

    @pytest.fixture
    def uows(self) -> UnitOfWorkFactory:
        return self.make_uow_factory()

    # -- logins ------------------------------------------------------------------------

    def test_a_committed_login_reads_back_by_id_and_email(self, uows: UnitOfWorkFactory) -> None:
        """A login comes back unchanged, by its id and by its (normalized) e-mail."""
        login = Login.create(BUYER, " P.Ivanov@Example.RU ", now=NOW, password_hash="h")
        stored(uows, login)
        with uows() as uow:
            assert uow.logins.get("buyer:contact-1") == login
            assert uow.logins.find_by_email("p.ivanov@example.ru") == login
            assert uow.logins.find_by_email("nobody@example.ru") is None

    def test_a_login_without_password_reads_back(self, uows: UnitOfWorkFactory) -> None:
        """An invited login has no password hash, and keeps having none."""
        login = Login.create(MANAGER, "anna@shop.example.ru", now=NOW)
        stored(uows, login)
        with uows() as uow:
            found = uow.logins.get("manager:manager-1")
        assert found == login
        assert not found.has_password

    def test_nothing_is_stored_without_commit(self, uows: UnitOfWorkFactory) -> None:
        """Logins, tokens and failures added but not committed are gone."""
        with uows() as uow:
            uow.logins.add(login_for())
            uow.logins.add_token(a_token())
            uow.logins.record_failure("x@example.ru", at=NOW, forget_before=NOW)
            assert uow.logins.find_by_email("p.ivanov@example.ru") is not None
        with uows() as uow:
            assert uow.logins.find_by_email("p.ivanov@example.ru") is None
            assert uow.logins.find_token(a_token().digest) is None
            assert list(uow.logins.failures_since("x@example.ru", NOW - timedelta(1))) == []

    def test_an_unknown_login_is_not_found(self, uows: UnitOfWorkFactory) -> None:
        """``get`` of an id nobody has raises NotFound."""
        with uows() as uow, pytest.raises(NotFound):
            uow.logins.get("buyer:nobody")

    def test_a_taken_email_is_a_conflict(self, uows: UnitOfWorkFactory) -> None:
        """Two logins cannot share an e-mail."""
        stored(uows, login_for())
        with uows() as uow, pytest.raises(Conflict):
            add_and_commit(uow, login_for(MANAGER, "P.IVANOV@example.ru"))

    def test_a_taken_id_is_a_conflict(self, uows: UnitOfWorkFactory) -> None:
        """One actor has one login."""
        stored(uows, login_for())
        with uows() as uow, pytest.raises(Conflict):
            add_and_commit(uow, login_for(email="other@example.ru"))

    def test_concurrent_logins_with_one_email_conflict(self, uows: UnitOfWorkFactory) -> None:
        """Two units of work adding the same e-mail: the second commit fails, storing nothing."""
        with uows() as first, uows() as second:
            first.logins.add(login_for())
            second.logins.add(login_for(MANAGER))
            second.logins.record_failure("x@example.ru", at=NOW, forget_before=NOW)
            first.commit()
            with pytest.raises(Conflict):
                second.commit()
        with uows() as uow:
            assert uow.logins.get("buyer:contact-1").actor == BUYER
            assert list(uow.logins.failures_since("x@example.ru", NOW - timedelta(1))) == []
            with pytest.raises(NotFound):
                uow.logins.get("manager:manager-1")

    def test_an_updated_login_keeps_its_new_password(self, uows: UnitOfWorkFactory) -> None:
        """``update`` stores the new hash and the time it was set."""
        stored(uows, login_for())
        later = NOW + timedelta(days=1)
        with uows() as uow:
            changed = uow.logins.get("buyer:contact-1").with_password("hash-2", now=later)
            uow.logins.update(changed)
            assert uow.logins.find_by_email("p.ivanov@example.ru") == changed
            uow.commit()
        with uows() as uow:
            assert uow.logins.get("buyer:contact-1") == changed

    # -- tokens ------------------------------------------------------------------------

    def test_a_token_is_found_by_its_digest(self, uows: UnitOfWorkFactory) -> None:
        """A stored token comes back unchanged by the SHA-256 of the token."""
        token = a_token()
        stored(uows, login_for(), tokens=(token,))
        with uows() as uow:
            assert uow.logins.find_token(token_digest("token-1")) == token
            assert uow.logins.find_token(token_digest("token-2")) is None

    def test_a_used_token_is_marked_used(self, uows: UnitOfWorkFactory) -> None:
        """``use_token`` stores when it was used; the unit of work sees it at once."""
        stored(uows, login_for(), tokens=(a_token(),))
        used_at = NOW + timedelta(minutes=5)
        with uows() as uow:
            uow.logins.use_token(a_token().digest, at=used_at)
            found = uow.logins.find_token(a_token().digest)
            assert found is not None
            assert found.used_at == used_at
            uow.commit()
        with uows() as uow:
            found = uow.logins.find_token(a_token().digest)
        assert found is not None
        assert found.used_at == used_at
        assert not found.is_usable(used_at)

    def test_a_token_is_used_once_under_a_race(self, uows: UnitOfWorkFactory) -> None:
        """Of two units of work using one token, the second commit fails and stores nothing."""
        stored(uows, login_for(), tokens=(a_token(),))
        with uows() as first, uows() as second:
            for uow, new_hash in ((first, "hash-first"), (second, "hash-second")):
                login = uow.logins.get("buyer:contact-1")
                uow.logins.update(login.with_password(new_hash, now=NOW))
                uow.logins.use_token(a_token().digest, at=NOW)
            first.commit()
            with pytest.raises(Conflict):
                second.commit()
        with uows() as uow:
            assert uow.logins.get("buyer:contact-1").password_hash == "hash-first"

    def test_a_token_added_in_the_same_unit_of_work_is_seen(self, uows: UnitOfWorkFactory) -> None:
        """A pending token is found before the commit."""
        stored(uows, login_for())
        with uows() as uow:
            uow.logins.add_token(a_token())
            assert uow.logins.find_token(a_token().digest) == a_token()

    # -- failed sign-ins ---------------------------------------------------------------

    def test_failures_are_counted_per_email_since_a_time(self, uows: UnitOfWorkFactory) -> None:
        """``failures_since`` gives one e-mail's failures after ``since``, oldest first."""
        times = [NOW + timedelta(minutes=m) for m in (3, 1, 2)]
        with uows() as uow:
            for at in times:
                uow.logins.record_failure("a@example.ru", at=at, forget_before=NOW)
            uow.logins.record_failure("b@example.ru", at=NOW, forget_before=NOW)
            uow.commit()
        with uows() as uow:
            since = NOW + timedelta(minutes=1)
            assert list(uow.logins.failures_since("a@example.ru", since)) == sorted(times)[1:]
            assert len(uow.logins.failures_since("b@example.ru", NOW - timedelta(1))) == 1

    def test_pending_failures_are_seen(self, uows: UnitOfWorkFactory) -> None:
        """A failure recorded in this unit of work counts before the commit."""
        with uows() as uow:
            uow.logins.record_failure("a@example.ru", at=NOW, forget_before=NOW)
            assert list(uow.logins.failures_since("a@example.ru", NOW - timedelta(1))) == [NOW]

    def test_cleared_failures_are_forgotten(self, uows: UnitOfWorkFactory) -> None:
        """``clear_failures`` forgets one e-mail's failures, stored and pending, only."""
        with uows() as uow:
            uow.logins.record_failure("a@example.ru", at=NOW, forget_before=NOW)
            uow.logins.record_failure("b@example.ru", at=NOW, forget_before=NOW)
            uow.commit()
        with uows() as uow:
            uow.logins.record_failure("a@example.ru", at=NOW, forget_before=NOW)
            uow.logins.clear_failures("a@example.ru")
            assert list(uow.logins.failures_since("a@example.ru", NOW - timedelta(1))) == []
            uow.commit()
        with uows() as uow:
            assert list(uow.logins.failures_since("a@example.ru", NOW - timedelta(1))) == []
            assert list(uow.logins.failures_since("b@example.ru", NOW - timedelta(1))) == [NOW]

    def test_old_failures_may_be_forgotten(self, uows: UnitOfWorkFactory) -> None:
        """A failure recorded with ``forget_before`` drops that e-mail's older ones."""
        long_ago = NOW - timedelta(hours=2)
        with uows() as uow:
            uow.logins.record_failure("a@example.ru", at=long_ago, forget_before=long_ago)
            uow.commit()
        with uows() as uow:
            uow.logins.record_failure("a@example.ru", at=NOW, forget_before=NOW - timedelta(1))
            uow.commit()
        with uows() as uow:
            kept = uow.logins.failures_since("a@example.ru", long_ago - timedelta(1))
            assert list(kept) == [long_ago, NOW]
        with uows() as uow:
            uow.logins.record_failure("a@example.ru", at=NOW, forget_before=NOW)
            uow.commit()
        with uows() as uow:
            kept = uow.logins.failures_since("a@example.ru", long_ago - timedelta(1))
            assert list(kept) == [NOW, NOW]


class TestInMemoryLogins(InMemory, LoginRepositoryContract):
    pass


class TestSqliteLogins(OnSqlite, LoginRepositoryContract):
    pass


class TestPostgresLogins(OnPostgres, LoginRepositoryContract):
    pass
