"""1C:Enterprise accounting: invoices and incoming bank payments."""

from b2bcore.adapters.onec.ledger import AccountingLedger, OpenInvoice

__all__ = ["AccountingLedger", "OpenInvoice"]
