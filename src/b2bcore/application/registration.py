"""Becoming a client: registration by INN, one-click requests, manager-created clients.

Nothing is half-created: every check and every external call that can refuse
runs before the single commit that stores the client.
"""

from __future__ import annotations

import attrs

from b2bcore.application.access import require_manager
from b2bcore.application.accounts import Accounts
from b2bcore.application.context import Services
from b2bcore.application.notify import Notifier
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Company, Contact, CorporateClient, Requisites, Role
from b2bcore.domain.errors import Conflict, DomainError, InvalidValue, NotFound
from b2bcore.domain.identifiers import Inn, Kpp
from b2bcore.domain.tasks import ManagerTask, TaskKind
from b2bcore.ports import UnitOfWork


class RegistrationRefused(DomainError):
    """The company cannot become a client (unknown, liquidated, needs a KPP choice)."""

    code = "registration_refused"
    field = "inn"


@attrs.frozen(kw_only=True)
class NewContact:
    full_name: str
    email: str
    phone: str = ""


@attrs.frozen(kw_only=True)
class Registered:
    client_id: str
    company_id: str
    contact_id: str


@attrs.frozen(kw_only=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


class Registration:
    def __init__(self, services: Services) -> None:
        self._s = services
        self._notify = Notifier(services)

    def lookup(self, inn: str, kpp: str | None = None) -> list[Requisites]:
        """What the registry says of an INN: every branch, for the buyer to confirm."""
        parsed_kpp = Kpp.parse(kpp) if kpp else None
        return self._s.company_lookup.find_party(Inn.parse(inn), parsed_kpp)

    def register_client(
        self,
        *,
        inn: str,
        contact: NewContact,
        kpp: str | None = None,
        manager_id: str | None = None,
        notify: bool = True,
    ) -> Registered:
        """A buyer registers their company by INN and becomes its supervisor."""
        requisites = self.resolve_company(inn, kpp)
        now = self._s.clock.now()
        supervisor = Contact(
            id=self._s.new_id(),
            full_name=contact.full_name,
            email=contact.email,
            phone=contact.phone,
            role=Role.SUPERVISOR,
        )
        with self._s.uow() as uow:
            self._refuse_taken(uow, requisites, supervisor.email)
            if manager_id is None:
                manager_id = self._pick_manager(uow)
            else:
                self._require_manager(uow, manager_id)
            company = Company(id=self._s.new_id(), requisites=requisites)
            client = CorporateClient.register(
                client_id=self._s.new_id(),
                company=company,
                supervisor=supervisor,
                manager_id=manager_id,
                now=now,
            )
            company.counterparty_id = self._s.edms.register_counterparty(
                key=f"counterparty:{requisites.inn}:{requisites.kpp or ''}", requisites=requisites
            )
            uow.clients.add(client)
            uow.commit()
        if notify:
            self._notify.welcome(client, supervisor)
        return Registered(client_id=client.id, company_id=company.id, contact_id=supervisor.id)

    def resolve_company(self, inn: str, kpp: str | None) -> Requisites:
        """The one registry entry to register, or a refusal saying why."""
        parsed_inn = Inn.parse(inn)
        parsed_kpp = Kpp.parse(kpp) if kpp else None
        entries = self._s.company_lookup.find_party(parsed_inn, parsed_kpp)
        if not entries:
            raise RegistrationRefused(
                f"no company with INN {parsed_inn}"
                + (f" and KPP {parsed_kpp}" if parsed_kpp else ""),
                reason="unknown",
                inn=str(parsed_inn),
            )
        if len(entries) > 1:
            kpps = ", ".join(str(e.kpp) for e in entries)
            raise RegistrationRefused(
                f"INN {parsed_inn} has several branches; choose a KPP: {kpps}",
                reason="choose_kpp",
                inn=str(parsed_inn),
                kpps=[str(e.kpp) for e in entries],
            )
        requisites = entries[0]
        if not requisites.can_be_added:
            raise RegistrationRefused(
                f"company {parsed_inn} is {requisites.state.value.lower()} in the state register",
                reason=requisites.state.value.lower(),
                inn=str(parsed_inn),
            )
        return requisites

    def request_registration(
        self,
        *,
        contact: NewContact,
        inn: str = "",
        attachment: UploadedFile | None = None,
        comment: str = "",
    ) -> str:
        """One click: contact data and a requisites file become a task for a manager."""
        probe = Contact(id="-", full_name=contact.full_name, email=contact.email)
        if inn:
            Inn.parse(inn)
        key = None
        if attachment is not None:
            self._check_attachment(attachment)
            key = self._s.documents.put(
                name=attachment.filename, content_type=attachment.content_type, data=attachment.data
            )
        task = ManagerTask(
            id=self._s.new_id(),
            kind=TaskKind.ONE_CLICK_REGISTRATION,
            created_at=self._s.clock.now(),
            contact_name=probe.full_name,
            email=probe.email,
            phone=contact.phone,
            inn=inn.strip(),
            attachment_key=key,
            comment=comment,
        )
        with self._s.uow() as uow:
            uow.tasks.add(task)
            managers = list(uow.managers.list())
            uow.commit()
        self._notify.registration_requested(task, managers)
        return task.id

    def create_client(
        self,
        actor: Actor,
        *,
        inn: str,
        contact: NewContact,
        kpp: str | None = None,
        manager_id: str | None = None,
        task_id: str | None = None,
        invite_url: str | None = None,
    ) -> Registered:
        """A manager creates a client and its cabinet; ``contact`` becomes its supervisor.

        The client's manager is ``manager_id``, by default the manager creating it. The
        supervisor gets one letter: with ``invite_url`` (holding ``{token}``) their login
        and a link to set a password (:meth:`Accounts.invite`), else the welcome letter
        with their login. The invitation is made right after the client is stored: its
        checks (the e-mail free among logins too) ran before, so only a database or race
        failure can leave the client without one; inviting again then sends it.
        """
        require_manager(actor)
        if invite_url is not None and "{token}" not in invite_url:
            raise InvalidValue("invite_url", "must contain {token}", invite_url)
        if task_id is not None:
            # Refuse an unknown or finished task before the client exists, not after.
            with self._s.uow() as uow:
                uow.tasks.get(task_id).require_open()
        registered = self.register_client(
            inn=inn,
            contact=contact,
            kpp=kpp,
            manager_id=manager_id or actor.id,
            notify=invite_url is None,
        )
        if task_id is not None:
            with self._s.uow() as uow:
                uow.tasks.get(task_id).complete(actor.id, registered.client_id)
                uow.commit()
        if invite_url is not None:
            supervisor = Actor.buyer(registered.contact_id, registered.client_id)
            Accounts(self._s).invite(actor, supervisor, invite_url)
        return registered

    # -- the manager's side of one-click requests ------------------------------------------

    def open_requests(self, actor: Actor) -> list[ManagerTask]:
        """One-click registration requests waiting for a manager, oldest first."""
        require_manager(actor)
        with self._s.uow() as uow:
            tasks = list(uow.tasks.list_open())
        return sorted(tasks, key=lambda t: t.created_at)

    def registration_request(self, actor: Actor, task_id: str) -> ManagerTask:
        require_manager(actor)
        with self._s.uow() as uow:
            return uow.tasks.get(task_id)

    def request_attachment(self, actor: Actor, task_id: str) -> bytes:
        """The requisites file the buyer attached; ``NotFound`` if they attached none."""
        task = self.registration_request(actor, task_id)
        if task.attachment_key is None:
            raise NotFound("the request has no attached file", task_id=task_id)
        return self._s.documents.get(task.attachment_key)

    def decline_request(self, actor: Actor, task_id: str) -> None:
        """Close a request without creating a client (spam, a duplicate, a refusal)."""
        require_manager(actor)
        with self._s.uow() as uow:
            uow.tasks.get(task_id).complete(actor.id, None)
            uow.commit()

    def _check_attachment(self, file: UploadedFile) -> None:
        if not file.data:
            raise InvalidValue("attachment", "must not be empty", file.filename)
        if len(file.data) > self._s.settings.max_attachment_bytes:
            limit = self._s.settings.max_attachment_bytes // (1024 * 1024)
            raise InvalidValue("attachment", f"must be at most {limit} MB", file.filename)
        if file.content_type not in self._s.settings.attachment_types:
            allowed = ", ".join(sorted(self._s.settings.attachment_types))
            raise InvalidValue("attachment", f"must be one of {allowed}", file.content_type)

    @staticmethod
    def _refuse_taken(uow: UnitOfWork, requisites: Requisites, email: str) -> None:
        inn, kpp = requisites.tax_key
        if uow.clients.find_by_company(inn, kpp) is not None:
            raise Conflict(
                f"INN {inn} KPP {kpp or '-'} is already registered; ask its supervisor to add you",
                reason="already_registered",
                inn=inn,
            )
        # A login's e-mail too: a manager's, which no client holds.
        if (
            uow.clients.find_by_contact_email(email) is not None
            or uow.logins.find_by_email(email) is not None
        ):
            raise Conflict(
                f"a user with email {email} already exists", reason="email_taken", email=email
            )

    @staticmethod
    def _require_manager(uow: UnitOfWork, manager_id: str) -> None:
        try:
            uow.managers.get(manager_id)
        except NotFound:
            raise InvalidValue("manager_id", "is not a manager of the shop", manager_id) from None

    def _pick_manager(self, uow: UnitOfWork) -> str:
        managers = sorted(uow.managers.list(), key=lambda m: m.id)
        if not managers:
            raise NotFound("no B2B manager is configured to own new clients")
        return managers[len(uow.clients.ids()) % len(managers)].id
