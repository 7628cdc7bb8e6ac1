"""Document storage: invoice PDFs, primary documents, reports, uploaded requisites."""

from __future__ import annotations

from typing import Protocol


class DocumentStorage(Protocol):
    def put(self, *, name: str, content_type: str, data: bytes) -> str:
        """Store the bytes; returns an unguessable key."""
        ...

    def get(self, key: str) -> bytes:
        """The stored bytes; raises :class:`~b2bcore.domain.errors.NotFound`."""
        ...
