"""The logins repository in memory: logins, one-time tokens, failed sign-ins.

Part of :class:`~.memory.InMemoryUnitOfWork`; its :class:`LoginStore` lives in the
:class:`~.memory.InMemoryDatabase`. Like the SQL store it refuses a taken id or
e-mail and a token used by someone else since it was read (``Conflict``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

import attrs

from b2bcore.domain.accounts import Login, LoginToken
from b2bcore.domain.errors import Conflict, NotFound


@attrs.define(eq=False)
class LoginStore:
    """The committed state; values are frozen, so they are shared, not copied."""

    logins: dict[str, Login] = attrs.Factory(dict)
    tokens: dict[str, LoginToken] = attrs.Factory(dict)  # by digest
    failures: dict[str, list[datetime]] = attrs.Factory(dict)  # by e-mail


def email_taken(email: str) -> Conflict:
    return Conflict(f"a login with email {email} already exists", reason="email_taken", email=email)


class InMemoryLoginRepository:
    def __init__(self, store: LoginStore, lock: threading.RLock) -> None:
        self._store = store
        self._lock = lock
        self._forget_pending()

    def _forget_pending(self) -> None:
        self._added: dict[str, Login] = {}
        self._updated: dict[str, Login] = {}
        self._tokens: dict[str, LoginToken] = {}
        self._used: dict[str, datetime] = {}
        self._failures: list[tuple[str, datetime, datetime]] = []  # email, at, forget_before
        self._cleared: set[str] = set()

    # -- logins ------------------------------------------------------------------------

    def add(self, login: Login) -> None:
        if login.id in self._added or self._stored(login.id) is not None:
            raise Conflict(f"login {login.id} already exists", id=login.id)
        if self.find_by_email(login.email) is not None:
            raise email_taken(login.email)
        self._added[login.id] = login

    def update(self, login: Login) -> None:
        if login.id in self._added:
            self._added[login.id] = login
        else:
            self._updated[login.id] = login

    def get(self, login_id: str) -> Login:
        found = self._visible().get(login_id)
        if found is None:
            raise NotFound(f"login {login_id} not found", id=login_id)
        return found

    def find_by_email(self, email: str) -> Login | None:
        return next((login for login in self._visible().values() if login.email == email), None)

    def _stored(self, login_id: str) -> Login | None:
        with self._lock:
            return self._store.logins.get(login_id)

    def _visible(self) -> dict[str, Login]:
        with self._lock:
            stored = dict(self._store.logins)
        return {**stored, **self._updated, **self._added}

    # -- tokens ------------------------------------------------------------------------

    def add_token(self, token: LoginToken) -> None:
        self._tokens[token.digest] = token

    def find_token(self, digest: str) -> LoginToken | None:
        with self._lock:
            found = self._tokens.get(digest) or self._store.tokens.get(digest)
        if found is not None and digest in self._used:
            return attrs.evolve(found, used_at=self._used[digest])
        return found

    def use_token(self, digest: str, *, at: datetime) -> None:
        self._used[digest] = at

    # -- failures ----------------------------------------------------------------------

    def record_failure(self, email: str, *, at: datetime, forget_before: datetime) -> None:
        self._failures.append((email, at, forget_before))

    def failures_since(self, email: str, since: datetime) -> Sequence[datetime]:
        with self._lock:
            stored = [] if email in self._cleared else list(self._store.failures.get(email, []))
        pending = [at for owner, at, _ in self._failures if owner == email]
        return sorted(at for at in [*stored, *pending] if at > since)

    def clear_failures(self, email: str) -> None:
        self._cleared.add(email)
        self._failures = [failure for failure in self._failures if failure[0] != email]

    # -- the commit --------------------------------------------------------------------

    def prepare(self) -> None:
        store = self._store
        for login in self._added.values():
            if login.id in store.logins:
                raise Conflict(f"login {login.id} already exists", id=login.id)
        taken = {login.email: login.id for login in store.logins.values()}
        for login in [*self._updated.values(), *self._added.values()]:
            if taken.setdefault(login.email, login.id) != login.id:
                raise email_taken(login.email)
        for digest in self._used:
            stored = store.tokens.get(digest) or self._tokens.get(digest)
            if stored is None or stored.used_at is not None:
                raise Conflict("the token was used meanwhile", reason="token_used")

    def apply(self) -> None:
        store = self._store
        store.logins.update(self._updated)
        store.logins.update(self._added)
        store.tokens.update(self._tokens)
        for digest, at in self._used.items():
            store.tokens[digest] = attrs.evolve(store.tokens[digest], used_at=at)
        for email in self._cleared:
            store.failures.pop(email, None)
        for email, at, forget_before in self._failures:
            kept = [t for t in store.failures.get(email, []) if t >= forget_before]
            store.failures[email] = [*kept, at]
        self._forget_pending()
