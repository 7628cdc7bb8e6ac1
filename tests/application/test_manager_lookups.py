"""What the manager's workplace reads: clients found by name or INN, and one-click
registration requests (their files, and declining them). Managers only."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from b2bcore.application import B2B, NewContact, UploadedFile
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import IllegalTransition, NotFound, PermissionDenied
from b2bcore.ports import ClientPage
from tests.builders import ROMASHKA_INN, VASILEK_INN, Cast

PDF = b"%PDF-1.4 requisites"


def request(app: B2B, *, attachment: bytes | None = PDF) -> str:
    file = None
    if attachment is not None:
        file = UploadedFile(filename="r.pdf", content_type="application/pdf", data=attachment)
    return app.registration.request_registration(
        contact=NewContact(full_name="Кирилл Новиков", email="k.novikov@example.ru"),
        attachment=file,
    )


def names(page: ClientPage) -> list[str]:
    return [row.name for row in page.rows]


def test_clients_are_found_by_part_of_a_name_or_an_inn(app: B2B, cast: Cast) -> None:
    """Search is case-insensitive on the name and matches any company's INN."""
    assert names(app.cabinet.clients(cast.manager)) == ['ООО "Василёк"', 'ООО "Ромашка"']
    assert names(app.cabinet.clients(cast.manager, search="РОМАШ")) == ['ООО "Ромашка"']
    assert names(app.cabinet.clients(cast.manager, search=VASILEK_INN)) == ['ООО "Василёк"']
    assert names(app.cabinet.clients(cast.manager, search=ROMASHKA_INN[:4])) == [
        'ООО "Василёк"',
        'ООО "Ромашка"',
    ]


def test_clients_page_by_limit_and_offset_and_narrow_to_a_manager(app: B2B, cast: Cast) -> None:
    """Sorted by name, paged, and only one manager's portfolio when named."""
    second = app.cabinet.clients(cast.manager, limit=1, offset=1)
    assert (names(second), second.total) == (['ООО "Ромашка"'], 2)
    assert app.cabinet.clients(cast.manager, manager_id="someone-else") == ClientPage(
        rows=(), total=0
    )
    assert app.cabinet.clients(cast.manager, manager_id="mgr-1").total == 2


def test_a_client_is_found_by_any_companys_name(app: B2B, cast: Cast) -> None:
    """A company named unlike its client (a branch renamed) finds the client."""
    branch = app.cabinet.summary(cast.supervisor).companies[1]
    app.cabinet.edit_company(cast.supervisor, branch.id, short_name="Ромашка-Петербург")
    found = app.cabinet.clients(cast.manager, search="петербург")
    assert [row.id for row in found.rows] == [cast.client_id]
    assert found.rows[0].company_count == 2


def test_buyers_cannot_list_clients(app: B2B, cast: Cast) -> None:
    """Other clients are the shop's business, not a buyer's."""
    with pytest.raises(PermissionDenied):
        app.cabinet.clients(cast.supervisor)


def test_open_requests_are_listed_with_their_file(app: B2B, cast: Cast) -> None:
    """A request waits in the list and its file reads back byte for byte."""
    task_id = request(app)
    assert [t.id for t in app.registration.open_requests(cast.manager)] == [task_id]
    assert app.registration.request_attachment(cast.manager, task_id) == PDF


def test_a_request_without_a_file_has_no_attachment(app: B2B, cast: Cast) -> None:
    """Asking for a file the buyer did not attach is not found."""
    task_id = request(app, attachment=None)
    with pytest.raises(NotFound):
        app.registration.request_attachment(cast.manager, task_id)


def test_a_declined_request_is_closed_without_a_client(app: B2B, cast: Cast) -> None:
    """Declining closes the request once; it creates nothing."""
    task_id = request(app)
    app.registration.decline_request(cast.manager, task_id)
    assert app.registration.open_requests(cast.manager) == []
    task = app.registration.registration_request(cast.manager, task_id)
    assert (task.manager_id, task.result_client_id) == (cast.manager.id, None)
    with pytest.raises(IllegalTransition):
        app.registration.decline_request(cast.manager, task_id)


@pytest.mark.parametrize(
    "call",
    [
        lambda app, actor, task_id: app.registration.open_requests(actor),
        lambda app, actor, task_id: app.registration.registration_request(actor, task_id),
        lambda app, actor, task_id: app.registration.request_attachment(actor, task_id),
        lambda app, actor, task_id: app.registration.decline_request(actor, task_id),
    ],
)
def test_buyers_cannot_read_or_decline_requests(
    app: B2B, cast: Cast, call: Callable[[B2B, Actor, str], object]
) -> None:
    """Every request use case refuses a buyer and leaves the request open."""
    task_id = request(app)
    with pytest.raises(PermissionDenied):
        call(app, cast.supervisor, task_id)
    assert len(app.registration.open_requests(cast.manager)) == 1
