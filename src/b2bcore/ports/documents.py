"""Rendering documents: the invoice and the shipping documents, as bytes (PDF)."""

from __future__ import annotations

from typing import Protocol

from b2bcore.documents.model import InvoiceDocument, PrimaryDocument, UpdDocument


class DocumentRenderer(Protocol):
    @property
    def content_type(self) -> str:
        """What the bytes are: ``application/pdf``."""
        ...

    def invoice(self, doc: InvoiceDocument) -> bytes:
        """Счёт на оплату."""
        ...

    def upd(self, doc: UpdDocument) -> bytes:
        """УПД with status 1 (счёт-фактура and transfer document)."""
        ...

    def primary(self, doc: PrimaryDocument) -> bytes:
        """ТОРГ-12, счёт-фактура or act, whichever ``doc.kind`` names."""
        ...
