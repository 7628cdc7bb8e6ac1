"""What every page handler builds on: the signed-in viewer, rendering, redirects, flash.

A page controller subclasses :class:`PageController` (signed-in users only) and
takes ``viewer: Viewer`` (any signed-in buyer) or ``supervisor: Viewer`` (a
supervisor; others get a 403 page) as a parameter::

    class ThingsController(PageController):
        path = "/things"

        @get(sync_to_thread=True)
        def things(self, b2b: App, viewer: Viewing) -> Template:
            return render(viewer, "things.html", things=b2b.cabinet.things(viewer.actor))

Every lookup goes through the use cases with ``viewer.actor``; they refuse
other clients' objects (``NotFound`` → 404 page, ``PermissionDenied`` → 403).

Building the viewer also ends a session that is no longer valid: opened with a
password changed since (:func:`require_current_session`, one lookup of the login),
or of a user deactivated or a client blocked since.
"""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Controller, Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from b2bcore.application import B2B
from b2bcore.domain.accounts import buyer_may_sign_in
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import PermissionDenied
from b2bcore.i18n import translate
from b2bcore.web.pages.locale import locale_of
from b2bcore.web.pages.session import actor_of, end_session, sign_out, stamp_of

Connection = ASGIConnection[Any, Any, Any, Any]
Req = Request[Any, Any, Any]


class SignInRequired(HTTPException):
    """No one is signed in: the error handler sends the browser to the login page."""

    status_code = 401
    detail = "sign in required"


@attrs.frozen(kw_only=True)
class Viewer:
    """The signed-in buyer as the pages show them."""

    actor: Actor
    name: str
    client_name: str
    is_supervisor: bool
    locale: str


Viewing = NamedDependency[Viewer]
"""A handler parameter: ``viewer: Viewing`` (any signed-in buyer) or ``supervisor: Viewing``."""


def signed_in(connection: Connection, _: BaseRouteHandler) -> None:
    """A guard: without a session the page is never reached, whatever its ids."""
    if actor_of(connection) is None:
        raise SignInRequired


MANAGER_HOME = "/manager/"


def require_current_session(request: Req, b2b: B2B, actor: Actor) -> None:
    """Sign out a session opened with a password that has been changed or reset since:
    the browser goes to the login page, which says why."""
    stamp = stamp_of(request)
    if stamp is None or not b2b.accounts.session_is_current(actor, stamp):
        end_session(request)
        flash(request, translate("Your password was changed: sign in again", locale_of(request)))
        raise SignInRequired


def _viewer(request: Req) -> Viewer:
    actor = actor_of(request)
    if actor is not None and actor.is_manager:
        # The error handler keeps the status and headers: a 303 to the manager's pages.
        raise HTTPException(status_code=HTTP_303_SEE_OTHER, headers={"Location": MANAGER_HOME})
    if actor is None or not actor.is_buyer:
        raise SignInRequired if actor is None else PermissionDenied("buyers' cabinet")
    b2b: B2B = request.app.state["b2b"]
    require_current_session(request, b2b, actor)
    try:
        client = b2b.cabinet.client(actor)
    except PermissionDenied:  # the user was deactivated since they signed in
        sign_out(request)
        raise SignInRequired from None
    if not buyer_may_sign_in(client, actor.id):  # the client was blocked since
        sign_out(request)
        raise SignInRequired
    contact = client.contact(actor.id)
    return Viewer(
        actor=actor,
        name=contact.full_name,
        client_name=client.name,
        is_supervisor=contact.is_supervisor,
        locale=locale_of(request),
    )


def _supervisor(viewer: Viewing) -> Viewer:
    if not viewer.is_supervisor:
        raise PermissionDenied("only a supervisor of the client may do this")
    return viewer


PAGE_DEPENDENCIES = {
    "viewer": Provide(_viewer, sync_to_thread=True),
    "supervisor": Provide(_supervisor, sync_to_thread=False),
}


class PageController(Controller):
    """Pages for signed-in users: the guard sends anyone else to the login page."""

    guards = [signed_in]  # noqa: RUF012 — Litestar reads these as plain class attributes
    include_in_schema = False


def render(viewer: Viewer | None, template: str, *, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=template,
        context={"viewer": viewer, **context},
        status_code=status,
    )


def see_other(path: str) -> Redirect:
    """After a POST: the browser GETs ``path`` (303), so a reload does not post again."""
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def flash(request: Connection, message: str, category: str = "info") -> None:
    """A message shown once, on the next page rendered (``success``, ``info``, ``error``)."""
    request.session.setdefault("_messages", []).append({"message": message, "category": category})


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site, never ``//evil.example`` or an absolute URL."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
