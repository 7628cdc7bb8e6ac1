"""Document management (1C:Документооборот): counterparties and contracts."""

from b2bcore.adapters.edms.directory import InMemoryDocumentManagement

__all__ = ["InMemoryDocumentManagement"]
