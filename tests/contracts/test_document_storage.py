"""The DocumentStorage contract, run against the in-memory store."""

from __future__ import annotations

import abc
from pathlib import Path

import pytest

from b2bcore.adapters.faults import FlakyDocumentStorage, RandomFaults
from b2bcore.adapters.files import InMemoryDocumentStorage, LocalDocumentStorage, StoredDocument
from b2bcore.domain.errors import NotFound, Unavailable
from b2bcore.ports.document_storage import DocumentStorage

PDF = b"%PDF-1.7\n\x00\x01\xfe\xff binary tail"


class DocumentStorageContract(abc.ABC):
    """What every DocumentStorage adapter promises."""

    @abc.abstractmethod
    def make_adapter(self) -> DocumentStorage:
        """A fresh, empty store."""

    @pytest.fixture(autouse=True)
    def storage(self) -> DocumentStorage:
        return self.make_adapter()

    def test_stored_bytes_come_back_unchanged(self, storage: DocumentStorage) -> None:
        """get(put(data)) returns exactly the stored bytes."""
        key = storage.put(name="Счёт СЧ-1.pdf", content_type="application/pdf", data=PDF)
        assert storage.get(key) == PDF

    def test_empty_document_round_trips(self, storage: DocumentStorage) -> None:
        """Zero bytes are a document too."""
        key = storage.put(name="empty.txt", content_type="text/plain", data=b"")
        assert storage.get(key) == b""

    def test_unknown_key_is_not_found(self, storage: DocumentStorage) -> None:
        """A key never handed out raises NotFound."""
        with pytest.raises(NotFound):
            storage.get("no-such-key")

    def test_each_put_gets_its_own_key(self, storage: DocumentStorage) -> None:
        """Storing the same bytes twice gives two keys, each returning the bytes."""
        first = storage.put(name="a.pdf", content_type="application/pdf", data=PDF)
        second = storage.put(name="a.pdf", content_type="application/pdf", data=PDF)
        assert first != second
        assert storage.get(first) == storage.get(second) == PDF

    def test_keys_are_long_enough_to_be_unguessable(self, storage: DocumentStorage) -> None:
        """A key carries at least 128 bits' worth of characters and no document name."""
        key = storage.put(name="Счёт СЧ-1.pdf", content_type="application/pdf", data=PDF)
        assert len(key) >= 22
        assert "СЧ-1" not in key


class TestInMemoryDocumentStorage(DocumentStorageContract):
    """The in-memory store keeps the contract; below, what only it offers."""

    def make_adapter(self) -> DocumentStorage:
        self.store = InMemoryDocumentStorage()
        return self.store

    def test_meta_keeps_name_type_and_size(self) -> None:
        """meta() returns what was said about the document when it was stored."""
        key = self.store.put(name="Счёт СЧ-1.pdf", content_type="application/pdf", data=PDF)
        assert self.store.meta(key) == StoredDocument(
            name="Счёт СЧ-1.pdf", content_type="application/pdf", size=len(PDF)
        )

    def test_meta_of_unknown_key_is_not_found(self) -> None:
        """meta() of an unknown key raises NotFound like get()."""
        with pytest.raises(NotFound):
            self.store.meta("no-such-key")

    def test_later_changes_to_the_callers_buffer_do_not_leak_in(self) -> None:
        """The store keeps a copy, not the caller's mutable buffer."""
        buffer = bytearray(b"original")
        key = self.store.put(name="a.txt", content_type="text/plain", data=buffer)  # type: ignore[arg-type]
        buffer[:] = b"mutated!"
        assert self.store.get(key) == b"original"

    def test_fail_next_fails_then_recovers(self) -> None:
        """An injected outage fails one put; the next succeeds."""
        self.store.fail_next(1, Unavailable("storage", "disk full"))
        with pytest.raises(Unavailable):
            self.store.put(name="a.txt", content_type="text/plain", data=b"x")
        key = self.store.put(name="a.txt", content_type="text/plain", data=b"x")
        assert self.store.get(key) == b"x"


class TestLocalDocumentStorage(DocumentStorageContract):
    """The local-folder store keeps the contract; below, its safety on disk."""

    @pytest.fixture(autouse=True)
    def _root(self, tmp_path: Path) -> None:
        self.root = tmp_path / "documents"

    def make_adapter(self) -> DocumentStorage:
        self.store = LocalDocumentStorage(self.root)
        return self.store

    @pytest.mark.parametrize(
        "key",
        ["../../etc/passwd", "/etc/passwd", "ab/../../secret", "..", "", "a" * 31, "a" * 33 + "/"],
    )
    def test_keys_not_of_its_own_format_are_not_found(self, key: str) -> None:
        """A path, a traversal or a key of another shape never reaches the file system."""
        with pytest.raises(NotFound):
            self.store.get(key)

    def test_a_key_cannot_reach_a_file_outside_the_root(self, tmp_path: Path) -> None:
        """A well-formed key names a file under the root only, whatever lies beside it."""
        (tmp_path / ("x" * 32)).write_bytes(b"secret")
        with pytest.raises(NotFound):
            self.store.get("x" * 32)

    def test_a_document_survives_a_new_store_on_the_same_folder(self) -> None:
        """What one process stored, another reads, with its name and content type."""
        key = self.store.put(name="Счёт СЧ-1.pdf", content_type="application/pdf", data=PDF)
        reopened = LocalDocumentStorage(self.root)
        assert reopened.get(key) == PDF
        assert reopened.meta(key) == StoredDocument(
            name="Счёт СЧ-1.pdf", content_type="application/pdf", size=len(PDF)
        )

    def test_no_temporary_files_are_left_behind(self) -> None:
        """Atomic writes rename their temporary files; none remain after put."""
        for _ in range(3):
            self.store.put(name="a.pdf", content_type="application/pdf", data=PDF)
        assert [p for p in self.root.rglob("*") if p.name.endswith(".tmp")] == []

    def test_an_unwritable_root_is_unavailable(self, tmp_path: Path) -> None:
        """A disk that refuses the write is reported as Unavailable, to be retried."""
        blocker = tmp_path / "file"
        blocker.write_bytes(b"")
        store = LocalDocumentStorage(blocker / "below-a-file")
        with pytest.raises(Unavailable):
            store.put(name="a.pdf", content_type="application/pdf", data=PDF)


class TestFlakyDocumentStorage(DocumentStorageContract):
    """The random-fault wrapper keeps the contract once its faults are switched off."""

    def make_adapter(self) -> DocumentStorage:
        faults = RandomFaults(rate=1.0, seed=0)
        faults.switch_off()  # at rate 1 every call would fail if it did not work
        return FlakyDocumentStorage(InMemoryDocumentStorage(), faults)
