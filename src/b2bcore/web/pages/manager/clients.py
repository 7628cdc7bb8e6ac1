"""Clients: the list (search by name, company name or INN, paged with the number
found), a client's card, and a new client with its cabinet. The new client's
supervisor gets one letter: their login and a link to set a password.

Creating works as the buyer's registration does: the INN is looked up and its
requisites shown to confirm (a company with branches: the manager picks the KPP),
then :meth:`Registration.create_client` with the invitation link. The client's
manager is chosen on the form, the manager creating it by default.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from b2bcore.application import B2B, NewContact, RegistrationRefused
from b2bcore.domain.errors import DomainError
from b2bcore.i18n import translate
from b2bcore.web.deps import App
from b2bcore.web.errors import status_of
from b2bcore.web.pages.accounts import reset_url
from b2bcore.web.pages.base import flash, see_other
from b2bcore.web.pages.config import PageSettings
from b2bcore.web.pages.forms import Form, FormData, field_errors, required
from b2bcore.web.pages.manager.desk import PREFIX, DeskController, ManagerViewing, render_desk
from b2bcore.web.pages.pagination import MAX_PAGE, Page, paginate

Req = Request[Any, Any, Any]
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=10_000)]
Search = Annotated[str, QueryParameter(name="q", max_length=64)]
Show = Annotated[str, QueryParameter(max_length=8)]
TaskId = Annotated[str, QueryParameter(name="task", max_length=64)]
NEW = "manager/client_new.html"
CLIENT_FIELDS = ("inn", "kpp", "full_name", "email", "phone", "manager_id")


def client_path(client_id: str) -> str:
    return f"{PREFIX}/clients/{client_id}"


class ClientsController(DeskController):
    path = "/clients"

    @get(sync_to_thread=True)
    def clients(
        self,
        *,
        request: Req,
        b2b: App,
        manager: ManagerViewing,
        q: Search = "",
        show: Show = "all",
        page: PageNumber = 1,
    ) -> Template:
        owner = manager.actor.id if show == "mine" else None
        size, number = _settings(request).page_size, min(page, MAX_PAGE)
        found = b2b.cabinet.clients(
            manager.actor, search=q, manager_id=owner, limit=size, offset=(number - 1) * size
        )
        managers = {m.id: m.full_name for m in b2b.catalogue.managers()}
        return render_desk(
            manager,
            "manager/clients.html",
            page=Page(
                items=found.rows, number=number, size=size, has_next=number * size < found.total
            ),
            total=found.total,
            managers=managers,
            query={"q": q, "show": "mine" if owner else ""},
        )

    @get("/new", sync_to_thread=True)
    def new_form(self, b2b: App, manager: ManagerViewing, task: TaskId = "") -> Template:
        """The form, filled in from a one-click request when ``?task=`` names one."""
        form: dict[str, str] = {"manager_id": manager.actor.id}
        if task:
            request_ = b2b.registration.registration_request(manager.actor, task)
            form |= {
                "inn": request_.inn,
                "full_name": request_.contact_name,
                "email": request_.email,
                "phone": request_.phone,
                "task_id": request_.id,
            }
        return render_desk(manager, NEW, form=form, entries=[], managers=_managers(b2b))

    @post("/new", sync_to_thread=True)
    def create(
        self, request: Req, b2b: App, manager: ManagerViewing, data: FormData
    ) -> Response[Any]:
        """Without ``confirm``: look the INN up and show it; with it: create and invite."""
        form, locale = Form(data), manager.locale
        errors = required(form, locale, "inn", "full_name", "email")
        entries: list[Any] = []
        status = 400
        if not errors:
            try:
                entries = list(b2b.registration.lookup(form.get("inn")))
                if entries and form.get("confirm"):
                    return self._create(request, b2b, manager, form)
            except RegistrationRefused as exc:
                fields = ("kpp",) if exc.params.get("kpps") else CLIENT_FIELDS
                errors = field_errors(exc, locale, fields)
            except DomainError as exc:
                status = status_of(exc)
                if status == 404 and form.get("task_id"):
                    raise  # the request named is gone: the 404 page
                errors = field_errors(exc, locale, CLIENT_FIELDS)
            if not entries and not errors:
                errors = {"inn": translate("error:not_found:company", locale, inn=form.get("inn"))}
        return render_desk(
            manager,
            NEW,
            status=status if errors else 200,
            errors=errors,
            entries=entries,
            form=form.values(),
            managers=_managers(b2b),
        )

    def _create(self, request: Req, b2b: B2B, manager: ManagerViewing, form: Form) -> Response[Any]:
        registered = b2b.registration.create_client(
            manager.actor,
            inn=form.get("inn"),
            kpp=form.optional("kpp"),
            contact=NewContact(
                full_name=form.get("full_name"), email=form.get("email"), phone=form.get("phone")
            ),
            manager_id=form.optional("manager_id"),
            task_id=form.optional("task_id"),
            invite_url=reset_url(request),
        )
        text = translate(
            "Client created; we have emailed {email} a link to set a password",
            manager.locale,
            email=form.get("email"),
        )
        flash(request, text, "success")
        return see_other(client_path(registered.client_id))

    @get("/{client_id:str}", sync_to_thread=True)
    def card(
        self,
        *,
        request: Req,
        b2b: App,
        manager: ManagerViewing,
        client_id: FromPath[str],
        page: PageNumber = 1,
    ) -> Template:
        client = b2b.cabinet.client(manager.actor, client_id)
        summary = b2b.cabinet.summary(manager.actor, client_id)
        orders = paginate(
            lambda limit, offset: b2b.cabinet.order_summaries(
                manager.actor, client_id=client_id, limit=limit, offset=offset
            ),
            page,
            _settings(request).page_size,
        )
        return render_desk(
            manager,
            "manager/client.html",
            client=client,
            summary=summary,
            page=orders,
            names={c.id: c.name for c in client.companies.values()},
        )


def _managers(b2b: B2B) -> list[tuple[str, str]]:
    """The choice of the new client's manager: ``(id, name)``."""
    return [(m.id, m.full_name) for m in b2b.catalogue.managers()]


def _settings(request: Req) -> PageSettings:
    settings: PageSettings = request.app.state["pages"]
    return settings
