"""What every handler receives: the application and the authenticated actor."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath

from b2bcore.application import B2B
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import PermissionDenied

App = NamedDependency[B2B]
"""The application, as a handler parameter."""
Acting = NamedDependency[Actor]
"""The actor the bearer token authenticated, as a handler parameter."""
OrderId = FromPath[str]


def _actor(request: Request[Actor, Any, Any]) -> Actor:
    return request.user


def _b2b(request: Request[Any, Any, Any]) -> B2B:
    app: B2B = request.app.state["b2b"]
    return app


DEPENDENCIES = {
    "actor": Provide(_actor, sync_to_thread=False),
    "b2b": Provide(_b2b, sync_to_thread=False),
}


MANAGERS_ONLY = "managers_only"
"""The ``opt`` key a manager-only route handler carries."""


def managers_only(connection: ASGIConnection[Any, Actor, Any, Any], _: BaseRouteHandler) -> None:
    """A guard: the route is for B2B managers; it checks the role before any id is read."""
    if not connection.user.is_manager:
        raise PermissionDenied("only a B2B manager may do this")
