"""Documents: the invoice and the shipping documents as pure values, and amounts in words.

Nothing here renders or stores: the PDF adapter (``adapters/pdf``) draws these
values, the use case (``application/documents``) stores and attaches them.
"""

from b2bcore.documents.model import (
    BankDetails,
    DocumentLine,
    DocumentTotals,
    InvoiceDocument,
    Party,
    PrimaryDocument,
    PrimaryKind,
    SellerDetails,
    ShipmentDocument,
    Signatories,
    UpdDocument,
    build_invoice,
    build_primary,
    build_upd,
)
from b2bcore.documents.words import amount_in_words

__all__ = [
    "BankDetails",
    "DocumentLine",
    "DocumentTotals",
    "InvoiceDocument",
    "Party",
    "PrimaryDocument",
    "PrimaryKind",
    "SellerDetails",
    "ShipmentDocument",
    "Signatories",
    "UpdDocument",
    "amount_in_words",
    "build_invoice",
    "build_primary",
    "build_upd",
]
