"""Document storage in a local folder (or a mounted volume shared by the workers).

* Keys are unguessable: 24 random bytes from :mod:`secrets`, URL-safe base64
  (32 characters). Whoever holds a key may be served the document, so a key
  must not be derivable from an order or invoice number.
* A key is a file name only after it matched that exact format: anything else
  (``../../etc/passwd``, an absolute path, a key of another store) is simply not
  found, so no input can reach outside ``root``.
* Writes are atomic: the bytes go to a temporary file in the same folder, are
  flushed to disk (``fsync``), then renamed over the final name
  (``os.replace``) and the folder is synced. A reader sees the whole document or
  none; a crash leaves at most a stray ``.tmp`` file.
* Name and content type are kept beside the bytes (``<key>.json``), so a download
  can be served with the right headers.

Files are spread over 256 sub-folders by the key's first two characters.
OS errors become :class:`~b2bcore.domain.errors.Unavailable` (a full or missing
disk is worth retrying later).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from pathlib import Path

from b2bcore.adapters.files.memory import StoredDocument
from b2bcore.domain.errors import NotFound, Unavailable

_KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")
_SYSTEM = "document storage"


class LocalDocumentStorage:
    """The DocumentStorage port over a folder on the local file system."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def put(self, *, name: str, content_type: str, data: bytes) -> str:
        key = secrets.token_urlsafe(24)
        meta = {"name": name, "content_type": content_type, "size": len(data)}
        try:
            folder = self._folder(key)
            folder.mkdir(parents=True, exist_ok=True)
            # Metadata first: a document whose bytes exist always has its metadata.
            _write_atomically(folder / f"{key}.json", json.dumps(meta, ensure_ascii=False).encode())
            _write_atomically(folder / key, bytes(data))
            _sync_folder(folder)
        except OSError as exc:
            raise Unavailable(_SYSTEM, f"cannot store {name}: {exc.strerror}") from exc
        return key

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound("document not found") from None
        except OSError as exc:
            raise Unavailable(_SYSTEM, f"cannot read a document: {exc.strerror}") from exc

    def meta(self, key: str) -> StoredDocument:
        """Name, content type and size of a stored document; ``NotFound`` if unknown."""
        path = self._path(key)
        try:
            meta = json.loads(path.with_name(f"{key}.json").read_text("utf-8"))
        except FileNotFoundError:
            raise NotFound("document not found") from None
        except OSError as exc:
            raise Unavailable(_SYSTEM, f"cannot read a document: {exc.strerror}") from exc
        return StoredDocument(
            name=meta["name"], content_type=meta["content_type"], size=int(meta["size"])
        )

    def _folder(self, key: str) -> Path:
        return self.root / key[:2]

    def _path(self, key: str) -> Path:
        """The file of a key of our own format; any other key is not found."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise NotFound("document not found")
        return self._folder(key) / key


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sync_folder(folder: Path) -> None:
    """Make the renames durable: on POSIX a rename is on disk once its folder is synced."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
