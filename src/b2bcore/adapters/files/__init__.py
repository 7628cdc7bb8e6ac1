"""Document storage: in memory (tests, the demo) and in a local folder."""

from b2bcore.adapters.files.local import LocalDocumentStorage
from b2bcore.adapters.files.memory import InMemoryDocumentStorage, StoredDocument

__all__ = ["InMemoryDocumentStorage", "LocalDocumentStorage", "StoredDocument"]
