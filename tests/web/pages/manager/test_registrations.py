"""One-click registration requests: the list, the requisites file, create or decline."""

from __future__ import annotations

import pytest

from b2bcore.application import B2B, NewContact, UploadedFile
from b2bcore.bootstrap import InMemoryWorld
from tests.web.pages.conftest import Browser, submit

PDF = b"%PDF-1.4 the requisites of the company"
SBERBANK_INN = "7707083893"


@pytest.fixture
def task_id(app: B2B) -> str:
    return app.registration.request_registration(
        contact=NewContact(
            full_name="Кирилл Новиков", email="k.novikov@sber.example.ru", phone="+7 900 1"
        ),
        inn=SBERBANK_INN,
        attachment=UploadedFile(filename="реквизиты.pdf", content_type="application/pdf", data=PDF),
        comment="Позвоните после обеда",
    )


def test_open_requests_are_listed(manager_browser: Browser, task_id: str) -> None:
    """Each open request is listed with a link to its file."""
    page = manager_browser.get("/manager/registrations")
    assert "Кирилл Новиков" in page.text
    assert f"/manager/registrations/{task_id}/attachment" in page.text


def test_a_request_shows_its_details(manager_browser: Browser, task_id: str) -> None:
    """The request's contact, comment and a link to create the client from it."""
    page = manager_browser.get(f"/manager/registrations/{task_id}")
    assert "Позвоните после обеда" in page.text
    assert f"/manager/clients/new?task={task_id}" in page.text


def test_the_requisites_file_downloads_as_an_attachment(
    manager_browser: Browser, task_id: str
) -> None:
    """The buyer's file comes back byte for byte, never rendered inline."""
    response = manager_browser.get(f"/manager/registrations/{task_id}/attachment")
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["content-disposition"].endswith(".pdf")
    assert response.headers["content-type"].startswith("application/octet-stream")


def test_creating_the_client_from_a_request_completes_it(
    manager_browser: Browser, world: InMemoryWorld, task_id: str
) -> None:
    """The form comes filled in from the request; creating closes it and invites the buyer."""
    form = manager_browser.get("/manager/clients/new", params={"task": task_id})
    assert 'value="k.novikov@sber.example.ru"' in form.text
    assert f'name="task_id" value="{task_id}"' in form.text
    response = submit(
        manager_browser,
        "/manager/clients/new",
        {
            "task_id": task_id,
            "inn": SBERBANK_INN,
            "full_name": "Кирилл Новиков",
            "email": "k.novikov@sber.example.ru",
            "confirm": "1",
        },
    )
    assert response.status_code == 303
    assert "Кирилл Новиков" not in manager_browser.get("/manager/registrations").text
    assert any(
        "/password/reset?token=" in m.text for m in world.mailer.to("k.novikov@sber.example.ru")
    )


def test_a_declined_request_leaves_the_list(
    manager_browser: Browser, app: B2B, task_id: str
) -> None:
    """Declined once it is gone from the list; declining again is a 409."""
    response = submit(manager_browser, f"/manager/registrations/{task_id}/decline")
    assert response.status_code == 303
    assert "Кирилл Новиков" not in manager_browser.get("/manager/registrations").text
    again = submit(manager_browser, f"/manager/registrations/{task_id}/decline")
    assert again.status_code == 409


def test_an_unknown_request_is_404(manager_browser: Browser) -> None:
    """A request id that does not exist reads as a missing page everywhere."""
    assert manager_browser.get("/manager/registrations/nope").status_code == 404
    assert manager_browser.get("/manager/registrations/nope/attachment").status_code == 404
    assert manager_browser.get("/manager/clients/new", params={"task": "nope"}).status_code == 404
