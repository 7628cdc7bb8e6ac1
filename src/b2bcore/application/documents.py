"""Documents of an order: the invoice PDF when it is invoiced, the УПД (or ТОРГ-12,
счёт-фактура and act) when it ships, stored and listed on the order.

Issuing is idempotent: a document of a kind the order already lists is returned
as it is, neither rendered nor stored again, so a retried worker step never
issues a second copy. Two workers racing on one order both store their PDF, but
only one attaches it (the other's commit conflicts, and it returns the winner's
reference; its own bytes stay unreferenced in storage).

The worker issues inside the unit of work of its message (:meth:`Documents.issue_in`):
the order and client it already loaded, one commit for the documents and the
message, and the invoice mailed with the bytes just rendered instead of reading
them back from storage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import attrs

from b2bcore.application.access import load_order
from b2bcore.application.context import Services
from b2bcore.documents.model import PrimaryKind, build_invoice, build_primary, build_upd
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Company
from b2bcore.domain.errors import Conflict, IllegalTransition, NotFound
from b2bcore.domain.order import DocumentRef, Order, OrderStatus
from b2bcore.ports import Attachment, UnitOfWork

INVOICE = "invoice"
UPD = "upd"
_TITLES = {
    INVOICE: "Счёт",
    UPD: "УПД",
    PrimaryKind.WAYBILL.value: "ТОРГ-12",
    PrimaryKind.TAX_INVOICE.value: "Счёт-фактура",
    PrimaryKind.ACT.value: "Акт",
}
_EXTENSIONS = {"application/pdf": "pdf"}
S = OrderStatus


def file_name(ref: DocumentRef, content_type: str = "application/pdf") -> str:
    """What a download or an e-mail attachment is called: "Счёт СЧ-2026-000123.pdf"."""
    extension = _EXTENSIONS.get(content_type, "bin")
    return f"{_TITLES.get(ref.kind, ref.kind)} {ref.number}.{extension}"


class Documents:
    def __init__(self, services: Services) -> None:
        self._s = services

    def issue_invoice(self, order_id: str) -> DocumentRef:
        """The invoice PDF of an invoiced order (stored and attached once)."""
        return self._issue(order_id, self._invoice_plan)[0]

    def issue_shipping_documents(self, order_id: str) -> list[DocumentRef]:
        """At shipment: the УПД, or ТОРГ-12 + счёт-фактура + act when the shop's
        ``Settings.primary_documents`` is ``"separate"``."""
        return self._issue(order_id, self._shipping_plan)

    def issue_in(self, uow: UnitOfWork, order: Order, *, shipping: bool) -> list[Issued]:
        """The invoice (or, with ``shipping``, the shipping documents) of ``order``,
        loaded in ``uow``: rendered, stored and attached to the order if it does not
        list them yet. The caller commits; if that fails, the bytes stay unreferenced
        in storage, as when two workers race."""
        company = uow.clients.get(order.client_id).company(order.company_id)
        plan = self._shipping_plan if shipping else self._invoice_plan
        listed = {ref.kind: ref for ref in order.documents}
        issued = []
        for planned in plan(order, company):
            ref = listed.get(planned.kind)
            if ref is not None:
                issued.append(Issued(ref, None))
                continue
            data = planned.render()
            ref = self._put(planned, data)
            order.attach_document(ref)
            issued.append(Issued(ref, data))
        return issued

    def attachment(self, ref: DocumentRef, data: bytes | None = None) -> Attachment:
        """A document as an e-mail attachment: ``data`` if given (just rendered), else
        read from storage."""
        content_type = self._s.renderer.content_type
        return Attachment(
            filename=file_name(ref, content_type),
            content_type=content_type,
            data=self._s.documents.get(ref.storage_key) if data is None else data,
        )

    def download(self, actor: Actor, order_id: str, storage_key: str) -> tuple[str, str, bytes]:
        """(file name, content type, bytes) of a document listed on an order the actor
        may see; any other key is not found, whoever asks."""
        with self._s.uow() as uow:
            order = load_order(uow, actor, order_id)
        ref = next((d for d in order.documents if d.storage_key == storage_key), None)
        if ref is None:
            raise NotFound("document not found", order_id=order_id)
        content_type = self._s.renderer.content_type
        return file_name(ref, content_type), content_type, self._s.documents.get(storage_key)

    # -- issuing ------------------------------------------------------------------------

    def _issue(self, order_id: str, plan: _Plan) -> list[DocumentRef]:
        for attempt in (1, 2):
            with self._s.uow() as uow:
                order = uow.orders.get(order_id)
                company = uow.clients.get(order.client_id).company(order.company_id)
                listed = {ref.kind: ref for ref in order.documents}
                refs = []
                for planned in plan(order, company):
                    ref = listed.get(planned.kind)
                    if ref is None:
                        ref = self._store(planned)
                        order.attach_document(ref)
                    refs.append(ref)
                if len(listed) == len(order.documents):
                    return refs  # everything was issued before
                try:
                    uow.commit()
                except Conflict:
                    if attempt == 2:
                        raise
                    continue  # someone changed the order meanwhile: look again
                return refs
        raise AssertionError("unreachable")

    def _store(self, planned: _Planned) -> DocumentRef:
        return self._put(planned, planned.render())

    def _put(self, planned: _Planned, data: bytes) -> DocumentRef:
        content_type = self._s.renderer.content_type
        ref = DocumentRef(
            kind=planned.kind, number=planned.number, issued_on=planned.issued_on, storage_key=""
        )
        key = self._s.documents.put(
            name=file_name(ref, content_type), content_type=content_type, data=data
        )
        return attrs.evolve(ref, storage_key=key)

    def _invoice_plan(self, order: Order, company: Company) -> list[_Planned]:
        doc = build_invoice(order, company, self._s.settings.seller)
        return [
            _Planned(INVOICE, doc.number, doc.issued_on, partial(self._s.renderer.invoice, doc))
        ]

    def _shipping_plan(self, order: Order, company: Company) -> list[_Planned]:
        shipped_on = next((t.at.date() for t in order.history if t.to_status is S.SHIPPED), None)
        if shipped_on is None:
            raise IllegalTransition(
                action="issue the shipping documents of",
                state=order.status.value,
                detail="not shipped yet",
            )
        seller, renderer = self._s.settings.seller, self._s.renderer
        if self._s.settings.primary_documents == "separate":
            return [
                _Planned(doc.kind.value, doc.number, doc.issued_on, partial(renderer.primary, doc))
                for doc in build_primary(order, company, seller, shipped_on)
            ]
        upd = build_upd(order, company, seller, shipped_on)
        return [_Planned(UPD, upd.number, upd.issued_on, partial(renderer.upd, upd))]


@attrs.frozen
class Issued:
    """A document listed on the order, with its bytes if they were rendered just now."""

    ref: DocumentRef
    data: bytes | None


@attrs.frozen
class _Planned:
    """A document an order should have, rendered only if it does not have it yet."""

    kind: str
    number: str
    issued_on: date
    render: Callable[[], bytes]


_Plan = Callable[[Order, Company], list[_Planned]]
