"""One-click registration requests: the list, one request with its requisites file,
and what the manager does with it (create the client, or decline the request)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote as url_quote

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from b2bcore.domain.errors import DomainError
from b2bcore.i18n import translate
from b2bcore.web.deps import App
from b2bcore.web.errors import status_of
from b2bcore.web.pages.base import flash, see_other
from b2bcore.web.pages.forms import field_errors
from b2bcore.web.pages.manager.desk import PREFIX, DeskController, ManagerViewing, render_desk

Req = Request[Any, Any, Any]
TaskId = FromPath[str]
# The storage keeps only the bytes of an upload; its kind is told by its first bytes.
_SIGNATURES = ((b"%PDF", "pdf"), (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpg"))


def extension_of(data: bytes) -> str:
    return next((ext for magic, ext in _SIGNATURES if data.startswith(magic)), "txt")


class RegistrationsController(DeskController):
    path = "/registrations"

    @get(sync_to_thread=True)
    def requests(self, b2b: App, manager: ManagerViewing) -> Template:
        tasks = b2b.registration.open_requests(manager.actor)
        return render_desk(manager, "manager/registrations.html", tasks=tasks)

    @get("/{task_id:str}", sync_to_thread=True)
    def request(self, b2b: App, manager: ManagerViewing, task_id: TaskId) -> Template:
        task = b2b.registration.registration_request(manager.actor, task_id)
        return render_desk(manager, "manager/registration.html", task=task)

    @get("/{task_id:str}/attachment", sync_to_thread=True)
    def attachment(self, b2b: App, manager: ManagerViewing, task_id: TaskId) -> Response[bytes]:
        """The uploaded file, always as a download: it is the buyer's, not the shop's."""
        data = b2b.registration.request_attachment(manager.actor, task_id)
        name = f"{translate('Requisites', manager.locale)}-{task_id[:8]}.{extension_of(data)}"
        return Response(
            data,
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{url_quote(name)}",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @post("/{task_id:str}/decline", sync_to_thread=True)
    def decline(
        self, request: Req, b2b: App, manager: ManagerViewing, task_id: TaskId
    ) -> Response[Any]:
        try:
            b2b.registration.decline_request(manager.actor, task_id)
        except DomainError as exc:
            if status_of(exc) in {403, 404}:
                raise
            task = b2b.registration.registration_request(manager.actor, task_id)
            errors = field_errors(exc, manager.locale)
            return render_desk(
                manager,
                "manager/registration.html",
                status=status_of(exc),
                task=task,
                errors=errors,
            )
        flash(request, translate("Request declined", manager.locale), "success")
        return see_other(f"{PREFIX}/registrations")
