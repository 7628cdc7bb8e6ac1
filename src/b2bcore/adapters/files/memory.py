"""Document storage in memory: invoice PDFs and uploads for tests and the demo.

Keys are unguessable (``secrets.token_urlsafe``) because the web shell may
serve a document to whoever presents its key; a guessable key would leak
other clients' invoices. Name and content type are kept so a download can be
served with the right headers.
"""

from __future__ import annotations

import secrets
import threading

import attrs

from b2bcore.adapters.faults import FaultPlan
from b2bcore.domain.errors import NotFound


@attrs.frozen(kw_only=True)
class StoredDocument:
    """What was said about the bytes when they were stored."""

    name: str
    content_type: str
    size: int


@attrs.define(eq=False)
class InMemoryDocumentStorage:
    """Bytes by unguessable key, with their name and content type."""

    _data: dict[str, bytes] = attrs.field(factory=dict, init=False)
    _meta: dict[str, StoredDocument] = attrs.field(factory=dict, init=False)
    _faults: FaultPlan = attrs.field(factory=FaultPlan, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def put(self, *, name: str, content_type: str, data: bytes) -> str:
        self._faults.check()
        stored = bytes(data)  # a caller's bytearray must not change what we keep
        key = secrets.token_urlsafe(24)
        with self._lock:
            self._data[key] = stored
            self._meta[key] = StoredDocument(name=name, content_type=content_type, size=len(stored))
        return key

    def get(self, key: str) -> bytes:
        self._faults.check()
        with self._lock:
            try:
                return self._data[key]
            except KeyError:
                raise NotFound("document not found") from None

    def meta(self, key: str) -> StoredDocument:
        """Name, content type and size of a stored document; ``NotFound`` if unknown."""
        with self._lock:
            try:
                return self._meta[key]
            except KeyError:
                raise NotFound("document not found") from None

    def fail_next(self, n: int, error: Exception) -> None:
        """Make the next ``n`` port calls raise ``error``."""
        self._faults.fail_next(n, error)
