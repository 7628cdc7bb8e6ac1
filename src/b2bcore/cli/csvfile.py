"""Reading import files: UTF-8 CSV with ``;`` or ``,``, checked before anything is stored."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from b2bcore.domain.errors import InvalidValue

_CHUNK = 1 << 16


def check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8 before a single row is imported (constant memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].count(b"\n")
                raise InvalidValue(
                    "file", f"is not UTF-8: byte 0x{chunk[exc.start]:02x} on line {line}"
                ) from None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InvalidValue(
                "file", "is not UTF-8: it ends in the middle of a character"
            ) from None


def read_rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as ``(line number, {column: value})``.

    The encoding and the header (it must name every required column) are checked
    here, at once, so a bad file is refused before anything is imported.
    """
    check_utf8(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    columns = [c.strip().lower() for c in next(csv.reader([header], delimiter=delimiter), [])]
    missing = [c for c in required if c not in columns]
    if missing:
        raise InvalidValue("header", f"missing columns: {', '.join(missing)}", ", ".join(columns))
    return _rows(path, columns, delimiter)


def _rows(path: Path, columns: list[str], delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        handle.readline()
        reader = csv.reader(handle, delimiter=delimiter)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            # reader.line_num counts the lines read after the header: the row ends
            # on line 1 + line_num of the file.
            yield 1 + reader.line_num, dict(zip(columns, cells, strict=False))


def count_rows(path: Path) -> int:
    """Data lines in the file (for the progress bar), without parsing them."""
    with path.open("rb") as raw:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(_CHUNK), b"")) - 1, 0)
