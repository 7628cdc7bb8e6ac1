"""Logins, their one-time tokens and failed sign-ins: plain rows, no versions.

A changed login (a password set or rehashed) is written by the last writer. A
token is marked used with ``UPDATE ... WHERE used_at IS NULL``: if another unit
of work used it first, no row changes and the commit fails with ``Conflict``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from b2bcore.adapters.persistence.pending_logins import PendingLogins, token_used
from b2bcore.adapters.persistence.sql.integrity import execute
from b2bcore.adapters.persistence.sql.prepared import RowData
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import login_tokens, logins, sign_in_failures
from b2bcore.adapters.persistence.sql.writes import Writes
from b2bcore.domain.accounts import Login, LoginToken, TokenPurpose
from b2bcore.domain.actors import Actor, ActorKind


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


def _login_from_row(row: RowData) -> Login:
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


def _token_from_row(row: RowData) -> LoginToken:
    return LoginToken(
        digest=row["digest"],
        login_id=row["login_id"],
        purpose=TokenPurpose(row["purpose"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )


class SqlLoginRepository(PendingLogins):
    def __init__(self, link: Link) -> None:
        self._link = link
        super().__init__()

    def _stored_login(self, login_id: str) -> Login | None:
        return next(iter(self._stored(logins.c.id == login_id)), None)

    def _stored_by_email(self, email: str) -> Login | None:
        return next(iter(self._stored(logins.c.email == email)), None)

    def _stored(self, *criteria: Any) -> list[Login]:
        rows = self._link.rows(select(logins).where(*criteria))
        return [_login_from_row(row) for row in rows]

    def _stored_token(self, digest: str) -> LoginToken | None:
        rows = self._link.rows(select(login_tokens).where(login_tokens.c.digest == digest))
        return _token_from_row(rows[0]) if rows else None

    def _stored_failures(self, email: str, since: datetime) -> list[datetime]:
        statement = (
            select(sign_in_failures.c.failed_at)
            .where(sign_in_failures.c.email == email, sign_in_failures.c.failed_at > since)
            .order_by(sign_in_failures.c.failed_at)
        )
        return list(self._link.scalars(statement))

    # -- the commit --------------------------------------------------------------------

    def write(self, writes: Writes) -> None:
        if not self.has_changes():
            return
        connection = writes.connection
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
                raise token_used()
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
