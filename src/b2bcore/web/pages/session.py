"""Who is signed in: a server-side session keyed by an opaque cookie.

Why server-side (Litestar ``ServerSideSessionConfig``) and not signed cookie
sessions: signing out must end a session for real, which a cookie the browser
keeps cannot guarantee; the cookie carries only a random id
(32 bytes), the data (the actor and the cart) stays in a Litestar ``Store``.
The default store is the app's in-memory one: fine for one process; a shop
running several passes ``stores={"sessions": RedisStore(...)}`` (or a
``FileStore``) to :func:`b2bcore.web.create_app`.

The cookie is HttpOnly and SameSite=Lax; Secure when
:attr:`PageSettings.secure_cookies` is set (always behind TLS). The session id
is rotated at sign-in (:func:`sign_in`), so an id planted before sign-in is
worthless after it.

Next to the actor the session keeps the login's credentials stamp
(``Accounts.open_session``); the pages compare it with the current one on every
request (``Accounts.session_is_current``), so a password change or reset ends the
user's other sessions. The session that changed the password gets the new stamp
and a new id (:func:`restamp`), so even a copy of its own cookie dies with it.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Message, ScopeSession

from b2bcore.domain.actors import Actor, ActorKind

SESSION_COOKIE = "b2b_session"
_ROTATE = "b2b.rotate_session"
_NEW_ID = "b2b.new_session_id"
_ACTOR = "actor"
_STAMP = "stamp"

Connection = ASGIConnection[Any, Any, Any, Any]


class RotatingSessionBackend(ServerSideSessionBackend):
    """The server-side backend, plus: a session marked by :func:`sign_in` gets a new id
    and its old id is deleted from the store."""

    def get_session_id(self, connection: Connection) -> str:
        new_id = _state(connection).get(_NEW_ID)
        return str(new_id) if new_id else super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: Connection
    ) -> None:
        state = _state(connection)
        if state.pop(_ROTATE, False):
            old_id = connection.cookies.get(self.config.key)
            if old_id:
                await self.delete(old_id, self.config.get_store_from_app(connection.scope["app"]))
            state[_NEW_ID] = self.generate_session_id()
        await super().store_in_message(scope_session, message, connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def _state(connection: Connection) -> dict[str, Any]:
    state: dict[str, Any] = connection.scope.setdefault("state", {})
    return state


def session_config(*, secure: bool, max_age: int) -> RotatingSessionConfig:
    return RotatingSessionConfig(
        key=SESSION_COOKIE,
        secure=secure,
        httponly=True,
        samesite="lax",
        max_age=max_age,
        exclude=["^/api/"],  # the JSON API is bearer-only and keeps no session
    )


def sign_in(connection: Connection, actor: Actor, *, stamp: str) -> None:
    """Start a fresh session (new id, nothing carried over) for ``actor``, opened with
    the password whose credentials ``stamp`` is given."""
    connection.scope["state"][_ROTATE] = True
    connection.set_session(
        {
            _ACTOR: {"kind": actor.kind.value, "id": actor.id, "client": actor.client_id},
            _STAMP: stamp,
        }
    )


def restamp(connection: Connection, stamp: str) -> None:
    """The signed-in user set a new password here: the session keeps its data (the
    cart) with the new stamp, under a new id."""
    connection.scope["state"][_ROTATE] = True
    connection.session[_STAMP] = stamp


def stamp_of(connection: Connection) -> str | None:
    """The credentials stamp the session was opened with, or None."""
    if not connection.scope.get("session"):
        return None
    stamp = connection.session.get(_STAMP)
    return stamp if isinstance(stamp, str) else None


def sign_out(connection: Connection) -> None:
    connection.clear_session()


def end_session(connection: Connection) -> None:
    """Sign out, keeping an empty session under a new id: room for a message (a flash)
    to the login page the browser is sent to."""
    connection.scope["state"][_ROTATE] = True
    connection.set_session({})


def actor_of(connection: Connection) -> Actor | None:
    """The signed-in actor, or None."""
    if not connection.scope.get("session"):
        return None
    saved = connection.session.get(_ACTOR)
    if not isinstance(saved, dict):
        return None
    try:
        kind = ActorKind(saved["kind"])
    except (KeyError, ValueError):
        return None
    if kind is ActorKind.BUYER and saved.get("client"):
        return Actor.buyer(str(saved["id"]), str(saved["client"]))
    if kind is ActorKind.MANAGER:
        return Actor.manager(str(saved["id"]))
    return None
