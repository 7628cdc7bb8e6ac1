"""The DocumentRenderer port on reportlab: PDF invoices and shipping documents.

reportlab was chosen over fpdf2 by measurement (``docs/documents.md``): several
times faster on the same invoice, with the same output quality. The renderer
holds no state; fonts are registered once per process on first use.
"""

from __future__ import annotations

from b2bcore.adapters.pdf.invoice import render_invoice
from b2bcore.adapters.pdf.shipment import render_primary, render_upd
from b2bcore.documents.model import InvoiceDocument, PrimaryDocument, UpdDocument


class PdfDocumentRenderer:
    """Documents as PDF (A4; the УПД landscape) in PT Sans, embedded and subset."""

    @property
    def content_type(self) -> str:
        return "application/pdf"

    def invoice(self, doc: InvoiceDocument) -> bytes:
        return render_invoice(doc)

    def upd(self, doc: UpdDocument) -> bytes:
        return render_upd(doc)

    def primary(self, doc: PrimaryDocument) -> bytes:
        return render_primary(doc)
