"""Issuing, storing and serving an order's documents."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from b2bcore.adapters.files import LocalDocumentStorage
from b2bcore.application import B2B
from b2bcore.application.documents import Documents
from b2bcore.bootstrap import InMemoryWorld, bootstrap
from b2bcore.config import Config
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import IllegalTransition, InvalidValue, NotFound
from b2bcore.domain.order import Order, OrderStatus
from tests.builders import Cast, pay_in_full, place_order, read_order, register_cast, seed_shop
from tests.documents.samples import text_of

S = OrderStatus


def invoiced(app: B2B, cast: Cast) -> Order:
    """An order of client A, reserved and invoiced by the worker."""
    order = place_order(app, cast, PAPER=10, SETUP=1)
    app.processing.run_until_idle()
    stored = read_order(app, order.id)
    assert stored.status is S.INVOICED
    return stored


def shipped(world: InMemoryWorld, app: B2B, cast: Cast) -> Order:
    """An order of client A taken by the worker all the way to shipped."""
    order = invoiced(app, cast)
    pay_in_full(world, app, order.id)
    app.processing.run_until_idle()
    app.ordering.choose_delivery_interval(cast.supervisor, order.id, "2026-11-27T09")
    app.processing.run_until_idle()
    transport = read_order(app, order.id).transport_request
    assert transport is not None
    world.erp.ship(transport)
    app.processing.run_until_idle()
    stored = read_order(app, order.id)
    assert stored.status is S.SHIPPED
    return stored


def test_issued_invoice_is_stored_and_listed_on_the_order(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """The PDF goes to document storage; the order lists it with kind, number and date."""
    order = invoiced(app, cast)
    ref = app.documents.issue_invoice(order.id)
    assert order.invoice is not None
    assert (ref.kind, ref.number, ref.issued_on) == (
        "invoice",
        order.invoice.number,
        order.invoice.issued_on,
    )
    assert read_order(app, order.id).documents == (ref,)
    pdf = world.documents.get(ref.storage_key)
    assert order.invoice.number in text_of(pdf)
    assert world.documents.meta(ref.storage_key).name == f"Счёт {order.invoice.number}.pdf"


def test_issuing_the_invoice_twice_stores_it_once(world: InMemoryWorld, tmp_path: Path) -> None:
    """A second call returns the same reference and stores nothing more."""
    app = bootstrap(world=world, documents=LocalDocumentStorage(tmp_path))
    seed_shop(app, world)
    order = invoiced(app, register_cast(app))
    first = app.documents.issue_invoice(order.id)
    assert app.documents.issue_invoice(order.id) == first
    stored = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert stored == sorted([first.storage_key, f"{first.storage_key}.json"])
    assert read_order(app, order.id).documents == (first,)


def test_an_order_not_yet_invoiced_has_no_invoice_to_issue(app: B2B, cast: Cast) -> None:
    """Before the invoicing step there is nothing to print."""
    order = place_order(app, cast, PAPER=1)
    with pytest.raises(IllegalTransition):
        app.documents.issue_invoice(order.id)


def test_invoice_attachment_is_the_stored_pdf(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """The worker mails the invoice as a PDF attachment named after it."""
    order = invoiced(app, cast)
    ref = app.documents.issue_invoice(order.id)
    attachment = app.documents.attachment(ref)
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == f"Счёт {ref.number}.pdf"
    assert attachment.data == world.documents.get(ref.storage_key)


def test_shipment_issues_one_upd_by_default(world: InMemoryWorld, app: B2B, cast: Cast) -> None:
    """An УПД dated the shipment day, listed on the order."""
    order = shipped(world, app, cast)
    refs = app.documents.issue_shipping_documents(order.id)
    assert [r.kind for r in refs] == ["upd"]
    assert refs[0].issued_on == world.clock.now().date()
    assert "Статус: 1" in text_of(world.documents.get(refs[0].storage_key))
    assert app.documents.issue_shipping_documents(order.id) == refs


def test_a_shop_may_issue_separate_documents(world: InMemoryWorld, cast: Cast) -> None:
    """With primary_documents = "separate": ТОРГ-12, act (the service) and счёт-фактура."""
    settings = attrs.evolve(Config().settings, primary_documents="separate")
    app = bootstrap(Config(settings=settings), world=world)
    order = shipped(world, app, cast)
    refs = app.documents.issue_shipping_documents(order.id)
    assert [r.kind for r in refs] == ["torg12", "act", "invoice_factura"]
    listed = [r.kind for r in read_order(app, order.id).documents]
    assert listed == ["invoice", *(r.kind for r in refs)]  # the worker issued the invoice


def test_an_unshipped_order_has_no_shipping_documents(app: B2B, cast: Cast) -> None:
    """The УПД is issued at shipment, not before."""
    order = invoiced(app, cast)
    with pytest.raises(IllegalTransition):
        app.documents.issue_shipping_documents(order.id)


def test_the_buyer_downloads_their_invoice(app: B2B, cast: Cast) -> None:
    """File name, content type and the PDF for a document on the buyer's own order."""
    order = invoiced(app, cast)
    ref = app.documents.issue_invoice(order.id)
    name, content_type, data = app.documents.download(cast.supervisor, order.id, ref.storage_key)
    assert (name, content_type) == (f"Счёт {ref.number}.pdf", "application/pdf")
    assert data.startswith(b"%PDF-")


def test_another_client_cannot_download_it(app: B2B, cast: Cast) -> None:
    """Another tenant gets "not found", even holding the key."""
    order = invoiced(app, cast)
    ref = app.documents.issue_invoice(order.id)
    with pytest.raises(NotFound):
        app.documents.download(cast.other_buyer, order.id, ref.storage_key)


def test_a_key_not_listed_on_the_order_is_not_found(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """A stored document of another order is not served through this one."""
    order = invoiced(app, cast)
    foreign = world.documents.put(name="x.pdf", content_type="application/pdf", data=b"%PDF-")
    with pytest.raises(NotFound):
        app.documents.download(cast.supervisor, order.id, foreign)


def test_an_employee_cannot_download_from_an_ungranted_company(
    world: InMemoryWorld, app: B2B, cast: Cast
) -> None:
    """The employee sees the head office only; the branch's documents are not found."""
    order = place_order(app, cast, company_id=cast.branch_id, PAPER=1)
    app.processing.run_until_idle()
    ref = app.documents.issue_invoice(order.id)
    with pytest.raises(NotFound):
        app.documents.download(cast.employee, order.id, ref.storage_key)


def test_documents_go_to_a_folder_when_configured(world: InMemoryWorld, tmp_path: Path) -> None:
    """With documents_path set, bootstrap stores documents in that folder."""
    app = bootstrap(Config(documents_path=str(tmp_path)), world=world)
    seed_shop(app, world)
    cast = register_cast(app)
    order = invoiced(app, cast)
    ref = Documents(app.services).issue_invoice(order.id)
    assert app.services.documents.get(ref.storage_key).startswith(b"%PDF-")
    with pytest.raises(NotFound):  # the in-memory store was not used
        world.documents.get(ref.storage_key)


def test_the_manager_downloads_any_clients_document(app: B2B, cast: Cast) -> None:
    """A manager sees every client's orders and their documents."""
    order = invoiced(app, cast)
    ref = app.documents.issue_invoice(order.id)
    _, _, data = app.documents.download(Actor.manager("anyone"), order.id, ref.storage_key)
    assert data.startswith(b"%PDF-")


def test_primary_documents_setting_is_checked_when_loaded() -> None:
    """Only "upd" or "separate"; a typo in the configuration is refused by path."""
    assert Config.from_mapping({"settings": {"primary_documents": "separate"}}).settings
    with pytest.raises(InvalidValue, match="primary_documents"):
        Config.from_mapping({"settings": {"primary_documents": "torg12"}})
