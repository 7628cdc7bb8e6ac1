"""What a unit of work holds of logins before its commit, shared by both storages.

:class:`PendingLogins` keeps the added and changed logins, new and used tokens,
recorded and cleared failures, and answers reads as the unit of work sees them:
its own changes over the committed state. A storage subclasses it and supplies
the committed state through four ``_stored_*`` reads.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime

import attrs

from b2bcore.domain.accounts import Login, LoginToken
from b2bcore.domain.errors import Conflict, NotFound


def email_taken(email: str) -> Conflict:
    return Conflict(f"a login with email {email} already exists", reason="email_taken", email=email)


def id_taken(login_id: str) -> Conflict:
    return Conflict(f"login {login_id} already exists", id=login_id)


def token_used() -> Conflict:
    return Conflict("the token was used meanwhile", reason="token_used")


class PendingLogins(abc.ABC):
    def __init__(self) -> None:
        self._forget_pending()

    def _forget_pending(self) -> None:
        self._added: dict[str, Login] = {}
        self._updated: dict[str, Login] = {}
        self._tokens: dict[str, LoginToken] = {}
        self._used: dict[str, datetime] = {}
        self._failures: list[tuple[str, datetime, datetime]] = []  # email, at, forget_before
        self._cleared: set[str] = set()

    # -- the committed state, from the storage -----------------------------------------

    @abc.abstractmethod
    def _stored_login(self, login_id: str) -> Login | None: ...

    @abc.abstractmethod
    def _stored_by_email(self, email: str) -> Login | None: ...

    @abc.abstractmethod
    def _stored_token(self, digest: str) -> LoginToken | None: ...

    @abc.abstractmethod
    def _stored_failures(self, email: str, since: datetime) -> list[datetime]: ...

    # -- logins ------------------------------------------------------------------------

    def add(self, login: Login) -> None:
        if login.id in self._added or self._stored_login(login.id) is not None:
            raise id_taken(login.id)
        if self.find_by_email(login.email) is not None:
            raise email_taken(login.email)
        self._added[login.id] = login

    def update(self, login: Login) -> None:
        if login.id in self._added:
            self._added[login.id] = login
        else:
            self._updated[login.id] = login

    def get(self, login_id: str) -> Login:
        found = self._held().get(login_id) or self._stored_login(login_id)
        if found is None:
            raise NotFound(f"login {login_id} not found", id=login_id)
        return found

    def find_by_email(self, email: str) -> Login | None:
        held = self._held()
        found = next((login for login in held.values() if login.email == email), None)
        if found is not None:
            return found
        stored = self._stored_by_email(email)
        # A login this unit of work changed is seen as changed: its e-mail may differ.
        return stored if stored is not None and stored.id not in held else None

    def _held(self) -> dict[str, Login]:
        return {**self._updated, **self._added}

    # -- tokens ------------------------------------------------------------------------

    def add_token(self, token: LoginToken) -> None:
        self._tokens[token.digest] = token

    def find_token(self, digest: str) -> LoginToken | None:
        found = self._tokens.get(digest) or self._stored_token(digest)
        if found is not None and digest in self._used:
            return attrs.evolve(found, used_at=self._used[digest])
        return found

    def use_token(self, digest: str, *, at: datetime) -> None:
        self._used[digest] = at

    # -- failures ----------------------------------------------------------------------

    def record_failure(self, email: str, *, at: datetime, forget_before: datetime) -> None:
        self._failures.append((email, at, forget_before))

    def failures_since(self, email: str, since: datetime) -> Sequence[datetime]:
        stored = [] if email in self._cleared else self._stored_failures(email, since)
        pending = [at for owner, at, _ in self._failures if owner == email and at > since]
        return sorted([*stored, *pending])

    def clear_failures(self, email: str) -> None:
        self._cleared.add(email)
        self._failures = [failure for failure in self._failures if failure[0] != email]

    def has_changes(self) -> bool:
        return bool(
            self._added
            or self._updated
            or self._tokens
            or self._used
            or self._failures
            or self._cleared
        )
