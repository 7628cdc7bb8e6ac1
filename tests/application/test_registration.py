"""Becoming a client: registration by INN, one-click requests, clients created by a manager.

A refused registration must leave no trace anywhere: no client in storage, no
counterparty in the EDMS, no mail (:func:`traces`).
"""

from __future__ import annotations

import re

import pytest

from b2bcore.application import B2B, NewContact, RegistrationRefused, UploadedFile
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Manager, Role
from b2bcore.domain.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidValue,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from b2bcore.domain.tasks import ManagerTask, TaskStatus
from tests.builders import (
    ENTREPRENEUR_INN,
    LIQUIDATED_INN,
    LIQUIDATING_INN,
    MANAGER,
    ROMASHKA_BRANCH_KPP,
    ROMASHKA_INN,
    ROMASHKA_KPP,
    SHOP_MANAGER,
    VASILEK_INN,
)

BUYER = NewContact(full_name="Пётр Иванов", email="p.ivanov@romashka.example.ru", phone="+7 900")
UNKNOWN_INN = "7701234560"  # a valid checksum, absent from the demo register
PDF = UploadedFile(filename="реквизиты.pdf", content_type="application/pdf", data=b"%PDF-1.7 ...")


def traces(app: B2B, world: InMemoryWorld) -> tuple[int, int, int]:
    """What a registration leaves behind: clients stored, EDMS counterparties, mails sent."""
    with app.services.uow() as uow:
        clients = len(uow.clients.ids())
    return clients, len(world.edms.counterparties()), len(world.mailer.sent)


def open_tasks(app: B2B) -> list[ManagerTask]:
    with app.services.uow() as uow:
        return list(uow.tasks.list_open())


def task(app: B2B, task_id: str) -> ManagerTask:
    with app.services.uow() as uow:
        return uow.tasks.get(task_id)


# -- registration by INN ----------------------------------------------------------------


def test_registration_creates_client_company_and_supervisor(app: B2B) -> None:
    """The buyer's company comes from the register and the buyer is its supervisor."""
    registered = app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    buyer = Actor.buyer(registered.contact_id, registered.client_id)
    client = app.cabinet.client(buyer)
    company = client.company(registered.company_id)
    assert str(company.requisites.inn) == VASILEK_INN
    assert company.name == 'ООО "Василёк"'
    supervisor = client.contact(registered.contact_id)
    assert supervisor.role is Role.SUPERVISOR
    assert supervisor.email == BUYER.email
    assert client.manager_id == SHOP_MANAGER.id


def test_registration_registers_the_counterparty_in_the_edms(
    app: B2B, world: InMemoryWorld
) -> None:
    """The new company is a counterparty in document management, and the company knows its id."""
    registered = app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    company = app.cabinet.client(Actor.buyer(registered.contact_id, registered.client_id)).company(
        registered.company_id
    )
    counterparties = world.edms.counterparties()
    assert company.counterparty_id in counterparties
    assert str(counterparties[company.counterparty_id].inn) == VASILEK_INN


def test_registration_sends_the_welcome_mail_to_the_buyer(app: B2B, world: InMemoryWorld) -> None:
    """The buyer gets one mail welcoming them to the cabinet, with their login."""
    app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    (mail,) = world.mailer.to(BUYER.email)
    assert "B2B-кабинет" in mail.subject
    assert BUYER.email in mail.text


def test_entrepreneur_registers_without_a_kpp(app: B2B) -> None:
    """An ИП has a 12-digit INN and no KPP."""
    registered = app.registration.register_client(inn=ENTREPRENEUR_INN, contact=BUYER)
    client = app.cabinet.client(Actor.buyer(registered.contact_id, registered.client_id))
    assert client.company(registered.company_id).requisites.kpp is None


def test_branch_is_registered_by_its_kpp(app: B2B) -> None:
    """Naming the KPP picks the one registry entry of an INN with branches."""
    registered = app.registration.register_client(
        inn=ROMASHKA_INN, kpp=ROMASHKA_BRANCH_KPP, contact=BUYER
    )
    client = app.cabinet.client(Actor.buyer(registered.contact_id, registered.client_id))
    assert str(client.company(registered.company_id).requisites.kpp) == ROMASHKA_BRANCH_KPP


@pytest.mark.parametrize(
    ("inn", "kpp", "error", "reason"),
    [
        pytest.param("7700111119", None, InvalidValue, None, id="bad checksum"),
        pytest.param(UNKNOWN_INN, None, RegistrationRefused, "unknown", id="unknown inn"),
        pytest.param(LIQUIDATED_INN, None, RegistrationRefused, "liquidated", id="liquidated"),
        pytest.param(LIQUIDATING_INN, None, RegistrationRefused, "liquidating", id="liquidating"),
        pytest.param(ROMASHKA_INN, None, RegistrationRefused, "choose_kpp", id="branches, no kpp"),
        pytest.param(ROMASHKA_INN, "770001002", RegistrationRefused, "unknown", id="unknown kpp"),
    ],
)
def test_refused_registration_leaves_no_trace(
    app: B2B,
    world: InMemoryWorld,
    *,
    inn: str,
    kpp: str | None,
    error: type[DomainError],
    reason: str | None,
) -> None:
    """Each refusal says why, and nothing is created: no client, no counterparty, no mail."""
    with pytest.raises(error) as refused:
        app.registration.register_client(inn=inn, kpp=kpp, contact=BUYER)
    if reason is not None:
        assert refused.value.params["reason"] == reason
    assert traces(app, world) == (0, 0, 0)


def test_bad_checksum_is_refused_naming_the_inn(app: B2B) -> None:
    """A mistyped INN is an InvalidValue for the field "inn"."""
    with pytest.raises(InvalidValue) as refused:
        app.registration.register_client(inn="7700111119", contact=BUYER)
    assert refused.value.field == "inn"


def test_inn_with_branches_lists_the_kpps_to_choose_from(app: B2B) -> None:
    """Without a KPP, an INN with branches is refused with every KPP listed."""
    with pytest.raises(RegistrationRefused) as refused:
        app.registration.register_client(inn=ROMASHKA_INN, contact=BUYER)
    assert refused.value.params["kpps"] == [ROMASHKA_KPP, ROMASHKA_BRANCH_KPP]
    assert ROMASHKA_BRANCH_KPP in str(refused.value)


def test_already_registered_inn_and_kpp_conflict_and_leave_no_trace(
    app: B2B, world: InMemoryWorld
) -> None:
    """The second registration of a company is a Conflict; nothing more is created."""
    app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    before = traces(app, world)
    with pytest.raises(Conflict) as refused:
        app.registration.register_client(
            inn=VASILEK_INN, contact=NewContact(full_name="Другой", email="other@vasilek.ru")
        )
    assert refused.value.params["reason"] == "already_registered"
    assert traces(app, world) == before


def test_email_of_an_existing_user_conflicts_and_leaves_no_trace(
    app: B2B, world: InMemoryWorld
) -> None:
    """One email is one user: registering another company with it is refused."""
    app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    before = traces(app, world)
    with pytest.raises(Conflict):
        app.registration.register_client(inn=ENTREPRENEUR_INN, contact=BUYER)
    assert traces(app, world) == before


def test_edms_down_refuses_registration_and_stores_nothing(app: B2B, world: InMemoryWorld) -> None:
    """A failing EDMS surfaces as Unavailable and leaves no client and no mail."""
    world.edms.fail_next(1, Unavailable("edms", "down"))
    with pytest.raises(Unavailable):
        app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    assert traces(app, world) == (0, 0, 0)


def test_registration_succeeds_once_the_edms_is_back(app: B2B, world: InMemoryWorld) -> None:
    """After an EDMS failure the same registration goes through, exactly once."""
    world.edms.fail_next(1, Unavailable("edms", "down"))
    with pytest.raises(Unavailable):
        app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    assert traces(app, world) == (1, 1, 1)


def test_company_lookup_down_refuses_registration_and_stores_nothing(
    app: B2B, world: InMemoryWorld
) -> None:
    """A failing register lookup leaves no trace either."""
    world.companies.fail_next(1, Unavailable("dadata", "429"))
    with pytest.raises(Unavailable):
        app.registration.register_client(inn=VASILEK_INN, contact=BUYER)
    assert traces(app, world) == (0, 0, 0)


# -- one-click registration --------------------------------------------------------------


def test_one_click_request_creates_a_task_for_the_managers(app: B2B) -> None:
    """Contact data and an INN become an open task a manager will work on."""
    task_id = app.registration.request_registration(
        contact=BUYER, inn=VASILEK_INN, comment="перезвоните после обеда"
    )
    (open_task,) = open_tasks(app)
    assert open_task.id == task_id
    assert (open_task.contact_name, open_task.email, open_task.inn) == (
        BUYER.full_name,
        BUYER.email,
        VASILEK_INN,
    )
    assert open_task.comment == "перезвоните после обеда"


def test_one_click_request_mails_the_managers(app: B2B, world: InMemoryWorld) -> None:
    """Every manager gets a mail naming the requester, the INN and the task."""
    task_id = app.registration.request_registration(contact=BUYER, inn=VASILEK_INN)
    (mail,) = world.mailer.to(SHOP_MANAGER.email)
    assert BUYER.full_name in mail.subject
    assert VASILEK_INN in mail.text
    assert task_id in mail.text


def test_one_click_request_stores_the_attached_requisites(app: B2B, world: InMemoryWorld) -> None:
    """The requisites file is kept in document storage and linked from the task."""
    task_id = app.registration.request_registration(contact=BUYER, attachment=PDF)
    key = task(app, task_id).attachment_key
    assert key is not None
    assert world.documents.get(key) == PDF.data
    assert world.documents.meta(key).content_type == "application/pdf"


@pytest.mark.parametrize(
    "attachment",
    [
        pytest.param(
            UploadedFile(
                filename="скан.pdf",
                content_type="application/pdf",
                data=b"x" * (10 * 1024 * 1024 + 1),
            ),
            id="too large",
        ),
        pytest.param(
            UploadedFile(filename="setup.exe", content_type="application/x-msdownload", data=b"MZ"),
            id="wrong type",
        ),
        pytest.param(
            UploadedFile(filename="empty.pdf", content_type="application/pdf", data=b""),
            id="empty",
        ),
    ],
)
def test_bad_attachment_is_refused_and_nothing_is_created(
    app: B2B, world: InMemoryWorld, attachment: UploadedFile
) -> None:
    """Too large, wrong type or empty: refused naming the field; no task and no mail."""
    with pytest.raises(InvalidValue) as refused:
        app.registration.request_registration(contact=BUYER, attachment=attachment)
    assert refused.value.field == "attachment"
    assert open_tasks(app) == []
    assert world.mailer.sent == []


def test_one_click_request_with_a_bad_inn_is_refused(app: B2B, world: InMemoryWorld) -> None:
    """An INN typed into the request is checked; no task is created for a bad one."""
    with pytest.raises(InvalidValue) as refused:
        app.registration.request_registration(contact=BUYER, inn="7700111119")
    assert refused.value.field == "inn"
    assert open_tasks(app) == []


def test_one_click_request_with_a_bad_email_is_refused(app: B2B) -> None:
    """The contact email must look like an email."""
    with pytest.raises(InvalidValue) as refused:
        app.registration.request_registration(
            contact=NewContact(full_name="Пётр", email="petr at romashka"), inn=VASILEK_INN
        )
    assert refused.value.field == "email"
    assert open_tasks(app) == []


# -- clients created by a manager -----------------------------------------------------------


def test_manager_creates_the_client_and_completes_the_task(app: B2B, world: InMemoryWorld) -> None:
    """Working a one-click request: the client exists, the task is done, the buyer is mailed."""
    task_id = app.registration.request_registration(contact=BUYER, inn=VASILEK_INN)
    registered = app.registration.create_client(
        MANAGER, inn=VASILEK_INN, contact=BUYER, task_id=task_id
    )
    done = task(app, task_id)
    assert done.status is TaskStatus.DONE
    assert (done.manager_id, done.result_client_id) == (SHOP_MANAGER.id, registered.client_id)
    assert open_tasks(app) == []
    assert app.cabinet.client(MANAGER, registered.client_id).contact(registered.contact_id)
    assert len(world.mailer.to(BUYER.email)) == 1


def test_buyer_cannot_create_clients(app: B2B, world: InMemoryWorld) -> None:
    """Creating a client on someone's behalf is a manager's job."""
    with pytest.raises(PermissionDenied):
        app.registration.create_client(
            Actor.buyer("someone", "client-x"), inn=VASILEK_INN, contact=BUYER
        )
    assert traces(app, world) == (0, 0, 0)


def test_manager_working_a_done_task_is_refused_and_creates_no_client(
    app: B2B, world: InMemoryWorld
) -> None:
    """A task already done cannot be done again, and no second client is half-created for it."""
    task_id = app.registration.request_registration(contact=BUYER, inn=VASILEK_INN)
    app.registration.create_client(MANAGER, inn=VASILEK_INN, contact=BUYER, task_id=task_id)
    before = traces(app, world)
    with pytest.raises(IllegalTransition):
        app.registration.create_client(
            MANAGER,
            inn=ENTREPRENEUR_INN,
            contact=NewContact(full_name="Иван Иванов", email="ip@ivanov.example.ru"),
            task_id=task_id,
        )
    assert traces(app, world) == before


def test_manager_naming_an_unknown_task_is_refused_and_creates_no_client(
    app: B2B, world: InMemoryWorld
) -> None:
    """A task id of nothing is NotFound, before any client is created."""
    with pytest.raises(NotFound):
        app.registration.create_client(
            MANAGER, inn=VASILEK_INN, contact=BUYER, task_id="no-such-task"
        )
    assert traces(app, world) == (0, 0, 0)


# -- the manager's new client: one letter, its manager ----------------------------------

INVITE_URL = "https://shop.example.ru/b2b/password/reset?token={token}"
SECOND_MANAGER = Manager(id="mgr-2", full_name="Борис Петров", email="b.petrov@shop.example.ru")


def manager_of(app: B2B, client_id: str) -> str:
    return app.cabinet.client(MANAGER, client_id).manager_id


def test_a_created_client_gets_one_letter_with_its_login_and_link(
    app: B2B, world: InMemoryWorld
) -> None:
    """With an invitation link: exactly one letter, holding the login and a working link."""
    registered = app.registration.create_client(
        MANAGER, inn=VASILEK_INN, contact=BUYER, invite_url=INVITE_URL
    )
    (letter,) = world.mailer.to(BUYER.email)
    assert BUYER.email in letter.text
    link = re.search(r"token=(\S+)", letter.text)
    assert link is not None
    assert app.accounts.check_token(link.group(1)) == BUYER.email
    buyer = app.accounts.reset_password(link.group(1), "a password of her own")
    assert buyer == Actor.buyer(registered.contact_id, registered.client_id)


def test_a_created_client_without_a_link_gets_the_welcome_letter(
    app: B2B, world: InMemoryWorld
) -> None:
    """Without an invitation link: the welcome letter alone, and no login is made."""
    app.registration.create_client(MANAGER, inn=VASILEK_INN, contact=BUYER)
    (letter,) = world.mailer.to(BUYER.email)
    assert BUYER.email in letter.text
    assert not app.accounts.has_login(BUYER.email)


def test_a_link_without_a_token_is_refused_before_the_client_exists(
    app: B2B, world: InMemoryWorld
) -> None:
    """An invitation link with no ``{token}`` place: refused, nothing created."""
    with pytest.raises(InvalidValue):
        app.registration.create_client(
            MANAGER, inn=VASILEK_INN, contact=BUYER, invite_url="https://shop.example.ru/"
        )
    assert traces(app, world) == (0, 0, 0)


def test_an_email_of_a_managers_login_is_refused_before_the_client_exists(
    app: B2B, world: InMemoryWorld
) -> None:
    """The contact's e-mail signs a manager in: a conflict, no client, no letter."""
    app.accounts.create_manager_login(SHOP_MANAGER.id, "the manager's password")
    contact = NewContact(full_name="Анна Смирнова", email=SHOP_MANAGER.email)
    with pytest.raises(Conflict):
        app.registration.create_client(
            MANAGER, inn=VASILEK_INN, contact=contact, invite_url=INVITE_URL
        )
    assert traces(app, world) == (0, 0, 0)


def test_the_creating_manager_becomes_the_clients_manager(app: B2B) -> None:
    """No manager chosen: the one who creates the client, not the next in turn."""
    app.catalogue.add_manager(SECOND_MANAGER)
    second = Actor.manager(SECOND_MANAGER.id)
    for inn, email in ((VASILEK_INN, "a@vasilek.example.ru"), (ENTREPRENEUR_INN, "b@ip.ru")):
        contact = NewContact(full_name="Пётр Иванов", email=email)
        registered = app.registration.create_client(second, inn=inn, contact=contact)
        assert manager_of(app, registered.client_id) == SECOND_MANAGER.id


def test_another_manager_may_be_chosen(app: B2B) -> None:
    """A manager chosen on creation owns the client."""
    app.catalogue.add_manager(SECOND_MANAGER)
    registered = app.registration.create_client(
        MANAGER, inn=VASILEK_INN, contact=BUYER, manager_id=SECOND_MANAGER.id
    )
    assert manager_of(app, registered.client_id) == SECOND_MANAGER.id


def test_an_unknown_manager_is_refused_before_the_client_exists(
    app: B2B, world: InMemoryWorld
) -> None:
    """Choosing someone who is not a manager: a field error, nothing created."""
    with pytest.raises(InvalidValue) as refused:
        app.registration.create_client(MANAGER, inn=VASILEK_INN, contact=BUYER, manager_id="nobody")
    assert refused.value.field == "manager_id"
    assert traces(app, world) == (0, 0, 0)
