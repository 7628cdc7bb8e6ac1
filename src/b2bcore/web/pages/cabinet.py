"""The cabinet: home (discount, the next tier, the manager), companies, users, addresses.

Companies, users and addresses are changed by supervisors only: an employee gets
a 403 page (and sees no links to them); the use cases refuse it as well.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from b2bcore.application import B2B, NewContact, RegistrationRefused
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import CorporateClient, Role
from b2bcore.domain.errors import DomainError
from b2bcore.i18n import translate
from b2bcore.web.deps import App
from b2bcore.web.pages.accounts import accounts_of, reset_url
from b2bcore.web.pages.base import PageController, Viewing, flash, render, see_other
from b2bcore.web.pages.forms import Form, FormData, field_errors, required

Req = Request[Any, Any, Any]
COMPANY_FIELDS = ("inn", "kpp", "short_name", "bik", "settlement_account")
USER_FIELDS = ("full_name", "email", "phone", "role", "company_ids")
ADDRESS_FIELDS = ("label", "address", "recipient", "phone")


def _visible_companies(client: CorporateClient, viewer: Viewing) -> list[Any]:
    if viewer.is_supervisor:
        return list(client.companies.values())
    return client.companies_for(viewer.actor.id)


class HomeController(PageController):
    path = "/"

    @get(sync_to_thread=True)
    def home(self, b2b: App, viewer: Viewing) -> Template:
        return render(viewer, "cabinet/home.html", summary=b2b.cabinet.summary(viewer.actor))


class CompaniesController(PageController):
    path = "/companies"

    @get(sync_to_thread=True)
    def companies(self, b2b: App, viewer: Viewing) -> Template:
        client = b2b.cabinet.client(viewer.actor)
        return render(
            viewer, "cabinet/companies.html", companies=_visible_companies(client, viewer)
        )

    @get("/add")
    async def add_form(self, supervisor: Viewing) -> Template:
        return render(supervisor, "cabinet/company_add.html", form={})

    @post("/add", sync_to_thread=True)
    def add(self, request: Req, b2b: App, supervisor: Viewing, data: FormData) -> Response[Any]:
        """Without ``confirm``: look the INN up and show it; with it: add the company."""
        form, locale = Form(data), supervisor.locale
        errors = required(form, locale, "inn")
        entries: list[Any] = []
        if not errors:
            try:
                entries = list(b2b.registration.lookup(form.get("inn"), form.optional("kpp")))
                if form.get("confirm"):
                    company = b2b.cabinet.add_company(
                        supervisor.actor, inn=form.get("inn"), kpp=form.optional("kpp")
                    )
                    flash(
                        request,
                        translate("Company {name} added", locale, name=company.name),
                        "success",
                    )
                    return see_other("/companies")
            except RegistrationRefused as exc:
                errors = field_errors(exc, locale, ("kpp",) if exc.params.get("kpps") else ("inn",))
            except DomainError as exc:
                errors = field_errors(exc, locale, COMPANY_FIELDS)
            if not entries and not errors:
                errors = {"inn": translate("error:not_found:company", locale, inn=form.get("inn"))}
        status = 400 if errors else 200
        return render(
            supervisor,
            "cabinet/company_add.html",
            status=status,
            errors=errors,
            entries=entries,
            form=form.values(),
        )

    @get("/{company_id:str}/edit", sync_to_thread=True)
    def edit_form(self, b2b: App, supervisor: Viewing, company_id: FromPath[str]) -> Template:
        company = b2b.cabinet.client(supervisor.actor).company(company_id)
        account = company.bank_account
        form = {
            "short_name": company.requisites.short_name,
            "bik": "" if account is None else str(account.bik),
            "settlement_account": "" if account is None else str(account.settlement_account),
            "enabled": company.enabled,
        }
        return render(supervisor, "cabinet/company_edit.html", company=company, form=form)

    @post("/{company_id:str}/edit", sync_to_thread=True)
    def edit(
        self, request: Req, b2b: App, supervisor: Viewing, company_id: FromPath[str], data: FormData
    ) -> Response[Any]:
        form, locale = Form(data), supervisor.locale
        company = b2b.cabinet.client(supervisor.actor).company(company_id)
        bank = form.get("bik") or form.get("settlement_account")
        try:
            b2b.cabinet.edit_company(
                supervisor.actor,
                company_id,
                short_name=form.get("short_name") or None,
                bik=form.get("bik") if bank else None,
                settlement_account=form.get("settlement_account") if bank else None,
                enabled=bool(form.get("enabled")),
            )
        except DomainError as exc:
            errors = field_errors(exc, locale, COMPANY_FIELDS)
            return render(
                supervisor,
                "cabinet/company_edit.html",
                status=400,
                errors=errors,
                company=company,
                form={**form.values(), "enabled": bool(form.get("enabled"))},
            )
        flash(request, translate("Changes saved", locale), "success")
        return see_other("/companies")


class UsersController(PageController):
    path = "/users"

    @get(sync_to_thread=True)
    def users(self, b2b: App, supervisor: Viewing) -> Template:
        client = b2b.cabinet.client(supervisor.actor)
        return render(supervisor, "cabinet/users.html", client=client)

    @get("/add", sync_to_thread=True)
    def add_form(self, b2b: App, supervisor: Viewing) -> Template:
        client = b2b.cabinet.client(supervisor.actor)
        return render(
            supervisor, "cabinet/user_add.html", client=client, form={"role": "employee"}, chosen=[]
        )

    @post("/add", sync_to_thread=True)
    def add(self, request: Req, b2b: App, supervisor: Viewing, data: FormData) -> Response[Any]:
        form, locale = Form(data), supervisor.locale
        role = Role.SUPERVISOR if form.get("role") == "supervisor" else Role.EMPLOYEE
        chosen = form.getall("company_ids")
        errors = required(form, locale, "full_name", "email")
        if not errors:
            try:
                user = b2b.cabinet.add_user(
                    supervisor.actor,
                    NewContact(
                        full_name=form.get("full_name"),
                        email=form.get("email"),
                        phone=form.get("phone"),
                    ),
                    role=role,
                    company_ids=chosen if role is Role.EMPLOYEE else (),
                )
            except DomainError as exc:
                errors = field_errors(exc, locale, USER_FIELDS)
            else:
                subject = Actor.buyer(user.id, supervisor.actor.client_id or "")
                accounts_of(request).invite(supervisor.actor, subject, reset_url(request))
                flash(
                    request,
                    translate(
                        "User {name} added; we have emailed them a link to set a password",
                        locale,
                        name=user.full_name,
                    ),
                    "success",
                )
                return see_other("/users")
        client = b2b.cabinet.client(supervisor.actor)
        return render(
            supervisor,
            "cabinet/user_add.html",
            status=400,
            errors=errors,
            client=client,
            form=form.values(),
            chosen=chosen,
        )

    @get("/{contact_id:str}/companies", sync_to_thread=True)
    def grants_form(self, b2b: App, supervisor: Viewing, contact_id: FromPath[str]) -> Template:
        client = b2b.cabinet.client(supervisor.actor)
        user = client.contact(contact_id)
        return render(
            supervisor,
            "cabinet/user_companies.html",
            client=client,
            user=user,
            chosen=list(user.company_ids),
        )

    @post("/{contact_id:str}/companies", sync_to_thread=True)
    def grant(
        self, request: Req, b2b: App, supervisor: Viewing, contact_id: FromPath[str], data: FormData
    ) -> Response[Any]:
        form, locale = Form(data), supervisor.locale
        chosen = form.getall("company_ids")
        try:
            b2b.cabinet.grant_companies(supervisor.actor, contact_id, chosen)
        except DomainError as exc:
            client = b2b.cabinet.client(supervisor.actor)
            return render(
                supervisor,
                "cabinet/user_companies.html",
                status=400,
                errors=field_errors(exc, locale, ("company_ids",)),
                client=client,
                user=client.contact(contact_id),
                chosen=chosen,
            )
        flash(request, translate("Changes saved", locale), "success")
        return see_other("/users")


class AddressesController(PageController):
    path = "/addresses"

    @get(sync_to_thread=True)
    def addresses(self, b2b: App, viewer: Viewing) -> Template:
        return self._page(b2b, viewer, form={})

    @post(sync_to_thread=True)
    def add(self, request: Req, b2b: App, supervisor: Viewing, data: FormData) -> Response[Any]:
        form, locale = Form(data), supervisor.locale
        errors = required(form, locale, "label", "address")
        if not errors:
            try:
                b2b.cabinet.add_address(
                    supervisor.actor,
                    label=form.get("label"),
                    address=form.get("address"),
                    recipient=form.get("recipient"),
                    phone=form.get("phone"),
                )
            except DomainError as exc:
                errors = field_errors(exc, locale, ADDRESS_FIELDS)
        if errors:
            return self._page(b2b, supervisor, status=400, errors=errors, form=form.values())
        flash(request, translate("Address added", locale), "success")
        return see_other("/addresses")

    @post("/{address_id:str}/remove", sync_to_thread=True)
    def remove(
        self, request: Req, b2b: App, supervisor: Viewing, address_id: FromPath[str]
    ) -> Response[Any]:
        b2b.cabinet.remove_address(supervisor.actor, address_id)
        flash(request, translate("Address removed", supervisor.locale), "success")
        return see_other("/addresses")

    @staticmethod
    def _page(b2b: B2B, viewer: Viewing, status: int = 200, **context: Any) -> Template:
        client = b2b.cabinet.client(viewer.actor)
        return render(
            viewer,
            "cabinet/addresses.html",
            status=status,
            addresses=list(client.addresses.values()),
            **context,
        )
