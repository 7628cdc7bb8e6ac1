"""Document storage: the in-memory store used by tests and the demo."""

from b2bcore.adapters.files.memory import InMemoryDocumentStorage, StoredDocument

__all__ = ["InMemoryDocumentStorage", "StoredDocument"]
