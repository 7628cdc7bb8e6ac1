"""Becoming a client: registration by INN in two steps, and the one-click request.

Step 1 looks the INN up and shows the registry's requisites to confirm (a company
with branches: the buyer picks the KPP). Step 2 takes the contact and a password,
registers the client, sets the password and signs the new supervisor in.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from b2bcore.application import B2B, NewContact, UploadedFile
from b2bcore.domain.accounts import check_password
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import DomainError
from b2bcore.i18n import translate
from b2bcore.web.deps import App
from b2bcore.web.pages.accounts import accounts_of
from b2bcore.web.pages.base import flash, render, see_other
from b2bcore.web.pages.forms import FORM, Form, FormData, UploadData, field_errors, required
from b2bcore.web.pages.locale import locale_of
from b2bcore.web.pages.session import sign_in

Req = Request[Any, Any, Any]
STEP_INN = "register/inn.html"
STEP_CONTACT = "register/confirm.html"
ONE_CLICK = "register/request.html"
CONTACT_FIELDS = ("full_name", "email", "phone", "password", "password_repeat", "kpp")
UPLOAD_LIMIT = 64 * 1024 * 1024
"""A hard cap on the upload's body; the use case applies the shop's (smaller) limit."""


def _entries(b2b: B2B, inn: str, kpp: str | None = None) -> list[Any]:
    return list(b2b.registration.lookup(inn, kpp))


class RegistrationController(Controller):
    path = "/register"
    include_in_schema = False

    @get()
    async def start(self) -> Template:
        return render(None, STEP_INN, form={})

    @post(sync_to_thread=True)
    def look_up(self, request: Req, b2b: App, data: FormData) -> Template:
        """Step 1: the registry's requisites of the INN, to confirm."""
        form, locale = Form(data), locale_of(request)
        errors = required(form, locale, "inn")
        entries = []
        if not errors:
            try:
                entries = _entries(b2b, form.get("inn"))
            except DomainError as exc:
                errors = field_errors(exc, locale, ("inn",))
            if not entries and not errors:
                errors = {"inn": translate("error:not_found:company", locale, inn=form.get("inn"))}
        if errors:
            return render(None, STEP_INN, status=400, errors=errors, form=form.values())
        return render(None, STEP_CONTACT, entries=entries, form={"inn": form.get("inn")})

    @post("/confirm", sync_to_thread=True)
    def register(self, request: Req, b2b: App, data: FormData) -> Response[Any]:
        """Step 2: the client, its supervisor and their password; then signed in."""
        form, locale = Form(data), locale_of(request)
        errors = required(form, locale, "full_name", "email", "password")
        if form.get("password") != form.get("password_repeat"):
            errors.setdefault("password_repeat", translate("the passwords do not match", locale))
        if errors:
            return self._again(b2b, form, errors, locale)
        try:
            # The password policy first, so a refused password leaves nothing created.
            check_password(form.secret("password"), email=form.get("email"))
            registered = b2b.registration.register_client(
                inn=form.get("inn"),
                kpp=form.optional("kpp"),
                contact=NewContact(
                    full_name=form.get("full_name"),
                    email=form.get("email"),
                    phone=form.get("phone"),
                ),
            )
        except DomainError as exc:
            return self._again(b2b, form, field_errors(exc, locale, CONTACT_FIELDS), locale)
        actor = Actor.buyer(registered.contact_id, registered.client_id)
        try:
            stamp = accounts_of(request).set_initial_password(actor, form.secret("password"))
        except DomainError as exc:
            # The client exists now; the buyer sets a password through the emailed link.
            flash(request, describe(exc, locale), "error")
            return see_other("/password/forgot")
        sign_in(request, actor, stamp=stamp)
        flash(request, translate("Welcome! Your cabinet is ready.", locale), "success")
        return see_other("/")

    def _again(self, b2b: B2B, form: Form, errors: dict[str, str], locale: str) -> Template:
        try:
            entries = _entries(b2b, form.get("inn"))
        except DomainError as exc:
            return render(
                None,
                STEP_INN,
                status=400,
                errors=field_errors(exc, locale, ("inn",)),
                form=form.values(),
            )
        return render(
            None, STEP_CONTACT, status=400, errors=errors, entries=entries, form=form.values()
        )

    @get("/request", sync_to_thread=False)
    def one_click_form(self, b2b: App) -> Template:
        return render(None, ONE_CLICK, form={}, limits=_limits(b2b))

    @post("/request", sync_to_thread=True, request_max_body_size=UPLOAD_LIMIT)
    def one_click(self, request: Req, b2b: App, data: UploadData) -> Template:
        """Contact data and a requisites file become a task for a manager."""
        form, locale = Form(data), locale_of(request)
        errors = required(form, locale, "full_name", "email")
        upload = form.upload("attachment")
        attachment = None
        if isinstance(upload, UploadFile) and upload.filename:
            attachment = UploadedFile(
                filename=upload.filename,
                content_type=upload.content_type,
                data=upload.file.read(b2b.services.settings.max_attachment_bytes + 1),
            )
        if not errors:
            try:
                b2b.registration.request_registration(
                    contact=NewContact(
                        full_name=form.get("full_name"),
                        email=form.get("email"),
                        phone=form.get("phone"),
                    ),
                    inn=form.get("inn"),
                    attachment=attachment,
                    comment=form.get("comment"),
                )
            except DomainError as exc:
                fields = ("full_name", "email", "phone", "inn", "attachment", "comment")
                errors = field_errors(exc, locale, fields)
        if errors:
            return render(
                None, ONE_CLICK, status=400, errors=errors, form=form.values(), limits=_limits(b2b)
            )
        return render(None, ONE_CLICK, sent=True, form={}, limits=_limits(b2b))


def describe(error: DomainError, locale: str) -> str:
    return field_errors(error, locale).get(FORM, "")


def _limits(b2b: B2B) -> dict[str, Any]:
    settings = b2b.services.settings
    return {
        "megabytes": settings.max_attachment_bytes // (1024 * 1024),
        "types": ", ".join(sorted(settings.attachment_types)),
        "accept": ",".join(sorted(settings.attachment_types)),
    }
