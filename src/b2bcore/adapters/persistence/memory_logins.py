"""The logins repository in memory: logins, one-time tokens, failed sign-ins.

Part of :class:`~.memory.InMemoryUnitOfWork`; its :class:`LoginStore` lives in the
:class:`~.memory.InMemoryDatabase`. Like the SQL store it refuses a taken id or
e-mail and a token used by someone else since it was read (``Conflict``).
"""

from __future__ import annotations

import threading
from datetime import datetime

import attrs

from b2bcore.adapters.persistence.pending_logins import (
    PendingLogins,
    email_taken,
    id_taken,
    token_used,
)
from b2bcore.domain.accounts import Login, LoginToken


@attrs.define(eq=False)
class LoginStore:
    """The committed state; values are frozen, so they are shared, not copied."""

    logins: dict[str, Login] = attrs.Factory(dict)
    tokens: dict[str, LoginToken] = attrs.Factory(dict)  # by digest
    failures: dict[str, list[datetime]] = attrs.Factory(dict)  # by e-mail


class InMemoryLoginRepository(PendingLogins):
    def __init__(self, store: LoginStore, lock: threading.RLock) -> None:
        self._store = store
        self._lock = lock
        super().__init__()

    def _stored_login(self, login_id: str) -> Login | None:
        with self._lock:
            return self._store.logins.get(login_id)

    def _stored_by_email(self, email: str) -> Login | None:
        with self._lock:
            logins = list(self._store.logins.values())
        return next((login for login in logins if login.email == email), None)

    def _stored_token(self, digest: str) -> LoginToken | None:
        with self._lock:
            return self._store.tokens.get(digest)

    def _stored_failures(self, email: str, since: datetime) -> list[datetime]:
        with self._lock:
            return [at for at in self._store.failures.get(email, []) if at > since]

    # -- the commit --------------------------------------------------------------------

    def prepare(self) -> None:
        store = self._store
        for login in self._added.values():
            if login.id in store.logins:
                raise id_taken(login.id)
        taken = {login.email: login.id for login in store.logins.values()}
        for login in [*self._updated.values(), *self._added.values()]:
            if taken.setdefault(login.email, login.id) != login.id:
                raise email_taken(login.email)
        for digest in self._used:
            stored = store.tokens.get(digest) or self._tokens.get(digest)
            if stored is None or stored.used_at is not None:
                raise token_used()

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
