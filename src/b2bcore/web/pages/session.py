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


def sign_in(connection: Connection, actor: Actor) -> None:
    """Start a fresh session (new id, nothing carried over) for ``actor``."""
    connection.scope["state"][_ROTATE] = True
    connection.set_session(
        {_ACTOR: {"kind": actor.kind.value, "id": actor.id, "client": actor.client_id}}
    )


def sign_out(connection: Connection) -> None:
    connection.clear_session()


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
