"""Logins, their one-time tokens and failed sign-ins: plain rows, no versions.

A changed login (a password set or rehashed) is written by the last writer. A
token is marked used with ``UPDATE ... WHERE used_at IS NULL``: if another unit
of work used it first, no row changes and the commit fails with ``Conflict``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from b2bcore.adapters.persistence.sql.integrity import execute
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import login_tokens, logins, sign_in_failures
from b2bcore.domain.accounts import Login, LoginToken, TokenPurpose
from b2bcore.domain.actors import Actor, ActorKind
from b2bcore.domain.errors import Conflict, NotFound


def _login_row(login: Login) -> dict[str, Any]:
    return {
        "id": login.id,
        "email": login.email,
        "actor_kind": login.actor.kind.value,
        "actor_id": login.actor.id,
        "client_id": login.actor.client_id,
        "password_hash": login.password_hash,
        "created_at": login.created_at,
        "password_changed_at": login.password_changed_at,
    }


def _login_from_row(row: RowMapping) -> Login:
    return Login(
        id=row["id"],
        email=row["email"],
        actor=Actor(ActorKind(row["actor_kind"]), row["actor_id"], row["client_id"]),
        created_at=row["created_at"],
        password_hash=row["password_hash"],
        password_changed_at=row["password_changed_at"],
    )


def _token_row(token: LoginToken) -> dict[str, Any]:
    return {
        "digest": token.digest,
        "login_id": token.login_id,
        "purpose": token.purpose.value,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "used_at": token.used_at,
    }


def _token_from_row(row: RowMapping) -> LoginToken:
    return LoginToken(
        digest=row["digest"],
        login_id=row["login_id"],
        purpose=TokenPurpose(row["purpose"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )


class SqlLoginRepository:
    def __init__(self, link: Link) -> None:
        self._link = link
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
        if login.id in self._added or self._stored(logins.c.id == login.id):
            raise Conflict(f"login {login.id} already exists", id=login.id)
        if self.find_by_email(login.email) is not None:
            raise Conflict(
                f"a login with email {login.email} already exists",
                reason="email_taken",
                email=login.email,
            )
        self._added[login.id] = login

    def update(self, login: Login) -> None:
        if login.id in self._added:
            self._added[login.id] = login
        else:
            self._updated[login.id] = login

    def get(self, login_id: str) -> Login:
        held = self._added.get(login_id) or self._updated.get(login_id)
        if held is not None:
            return held
        stored = self._stored(logins.c.id == login_id)
        if not stored:
            raise NotFound(f"login {login_id} not found", id=login_id)
        return stored[0]

    def find_by_email(self, email: str) -> Login | None:
        held = [*self._added.values(), *self._updated.values()]
        found = next((login for login in held if login.email == email), None)
        if found is not None:
            return found
        stored = self._stored(logins.c.email == email)
        # A login this unit of work changed is seen as changed (its e-mail may differ).
        return next((self.get(login.id) for login in stored), None)

    def _stored(self, *criteria: Any) -> list[Login]:
        rows = self._link.rows(select(logins).where(*criteria))
        return [_login_from_row(row) for row in rows]

    # -- tokens ------------------------------------------------------------------------

    def add_token(self, token: LoginToken) -> None:
        self._tokens[token.digest] = token

    def find_token(self, digest: str) -> LoginToken | None:
        found = self._tokens.get(digest)
        if found is None:
            rows = self._link.rows(select(login_tokens).where(login_tokens.c.digest == digest))
            found = _token_from_row(rows[0]) if rows else None
        if found is not None and digest in self._used:
            return attrs.evolve(found, used_at=self._used[digest])
        return found

    def use_token(self, digest: str, *, at: datetime) -> None:
        self._used[digest] = at

    # -- failures ----------------------------------------------------------------------

    def record_failure(self, email: str, *, at: datetime, forget_before: datetime) -> None:
        self._failures.append((email, at, forget_before))

    def failures_since(self, email: str, since: datetime) -> Sequence[datetime]:
        stored: list[datetime] = []
        if email not in self._cleared:
            statement = (
                select(sign_in_failures.c.failed_at)
                .where(sign_in_failures.c.email == email, sign_in_failures.c.failed_at > since)
                .order_by(sign_in_failures.c.failed_at)
            )
            stored = list(self._link.scalars(statement))
        pending = [at for owner, at, _ in self._failures if owner == email and at > since]
        return sorted([*stored, *pending])

    def clear_failures(self, email: str) -> None:
        self._cleared.add(email)
        self._failures = [failure for failure in self._failures if failure[0] != email]

    # -- the commit --------------------------------------------------------------------

    def has_changes(self) -> bool:
        return bool(
            self._added
            or self._updated
            or self._tokens
            or self._used
            or self._failures
            or self._cleared
        )

    def write(self, connection: Connection) -> None:
        for _id, login in sorted(self._added.items()):
            row = _login_row(login)
            execute(connection, insert(logins), logins, row, row)
        for login_id, login in sorted(self._updated.items()):
            row = _login_row(login)
            changed = {k: v for k, v in row.items() if k != "id"}
            statement = update(logins).where(logins.c.id == login_id).values(**changed)
            execute(connection, statement, logins, row)
        for _digest, token in sorted(self._tokens.items()):
            row = _token_row(token)
            execute(connection, insert(login_tokens), login_tokens, row, row)
        for digest, at in sorted(self._used.items()):
            statement = (
                update(login_tokens)
                .where(login_tokens.c.digest == digest, login_tokens.c.used_at.is_(None))
                .values(used_at=at)
            )
            if connection.execute(statement).rowcount != 1:
                raise Conflict("the token was used meanwhile", reason="token_used")
        if self._cleared:
            connection.execute(
                delete(sign_in_failures).where(sign_in_failures.c.email.in_(sorted(self._cleared)))
            )
        for email, at, forget_before in self._failures:
            connection.execute(
                delete(sign_in_failures).where(
                    sign_in_failures.c.email == email, sign_in_failures.c.failed_at < forget_before
                )
            )
            row = {"id": uuid.uuid4().hex, "email": email, "failed_at": at}
            execute(connection, insert(sign_in_failures), sign_in_failures, row, row)

    def committed(self) -> None:
        self._forget_pending()
