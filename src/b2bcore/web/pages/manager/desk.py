"""What every manager page builds on: the signed-in manager, the guard, rendering.

A manager page subclasses :class:`DeskController` (managers only: no session sends
the browser to the login page, a buyer gets the 403 page before any id is read)
and takes ``manager: ManagerViewing``, which also ends the session of a manager
removed, or whose password was changed or reset, since they signed in. Every call
goes to the use cases with ``manager.actor``; they hold the rules.
"""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Controller
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler
from litestar.response import Template

from b2bcore.application import B2B
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import PermissionDenied
from b2bcore.web.pages.base import Connection, Req, SignInRequired, require_current_session
from b2bcore.web.pages.locale import locale_of
from b2bcore.web.pages.session import actor_of, sign_out

PREFIX = "/manager"


@attrs.frozen(kw_only=True)
class ManagerViewer:
    """The signed-in B2B manager as the pages show them."""

    actor: Actor
    name: str
    email: str
    locale: str


ManagerViewing = NamedDependency[ManagerViewer]
"""A handler parameter: ``manager: ManagerViewing``."""


def managers_only(connection: Connection, _: BaseRouteHandler) -> None:
    """A guard: signed-in managers only, checked before any id in the path is read."""
    actor = actor_of(connection)
    if actor is None:
        raise SignInRequired
    if not actor.is_manager:
        raise PermissionDenied("only a B2B manager may open the manager's pages")


def _manager(request: Req) -> ManagerViewer:
    actor = actor_of(request)
    if actor is None or not actor.is_manager:
        raise SignInRequired if actor is None else PermissionDenied("managers' pages")
    b2b: B2B = request.app.state["b2b"]
    require_current_session(request, b2b, actor)
    found = next((m for m in b2b.catalogue.managers() if m.id == actor.id), None)
    if found is None:  # removed since they signed in
        sign_out(request)
        raise SignInRequired
    return ManagerViewer(
        actor=actor, name=found.full_name, email=found.email, locale=locale_of(request)
    )


DESK_DEPENDENCIES = {"manager": Provide(_manager, sync_to_thread=True)}


class DeskController(Controller):
    """Manager pages: the guard refuses anyone but a signed-in manager."""

    guards = [managers_only]  # noqa: RUF012 — Litestar reads these as plain class attributes
    include_in_schema = False


def render_desk(
    manager: ManagerViewer, template: str, *, status: int = 200, **context: Any
) -> Template:
    return Template(
        template_name=template,
        context={"viewer": None, "manager": manager, **context},
        status_code=status,
    )
