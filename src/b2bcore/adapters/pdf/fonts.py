"""The documents' typeface: PT Sans, read from the ``fontpkg-pt-sans`` package's files.

Nothing comes from the operating system, so a PDF looks the same on every
machine. PT Sans was made by ParaType for Russian public documents: full
Cyrillic, "№" and the rouble sign "₽", static Regular and Bold faces.

Before registering a face with reportlab (once per process; its registry is
global) we drop what a PDF never uses: TrueType hinting (screen rasterizers of
PDF viewers hint on their own), kerning and layout tables (reportlab does not
shape text) and most of the name table. reportlab copies a subset of the font
into every PDF, so this makes each invoice smaller and about twice as fast to
write (``docs/documents.md``).

Every document embeds the same subset of each face: the characters of
:data:`REPERTOIRE` (ASCII, Russian, the typographic signs the layouts use) get
their codes before anything is drawn (:func:`assign_repertoire`), so subsetting
and compressing a face happens once per process instead of once per PDF (it was
a third of an invoice's CPU time). A PDF carries some unused glyphs for it (a few
KB); a character outside the repertoire still gets a code of its own, and that
document's subset is then made as before. Since those codes are the same in every
document, a string made only of ASCII and the repertoire is encoded once per
process too (:meth:`_EmbeddedFont.splitString`). And the font objects of that subset
that hold no reference (widths, ToUnicode map, font file, descriptor entries) are
formatted once per process; a document makes only the dictionaries that refer to
them, so writing it no longer formats them (a fifth of an invoice's CPU time).
"""

from __future__ import annotations

import io
import threading
import weakref
import zlib
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import attrs
from fontTools.ttLib import TTFont as FontFile
from fontTools.ttLib.tables import ttProgram
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

REGULAR = "PTSans"
BOLD = "PTSans-Bold"
_FILES = {REGULAR: "PT_Sans-Web-Regular.ttf", BOLD: "PT_Sans-Web-Bold.ttf"}
_PACKAGE = "fontpkg_pt_sans"
_UNUSED_TABLES = ("fpgm", "prep", "cvt ", "hdmx", "LTSH", "DSIG", "VDMX", "kern", "GPOS", "GSUB")
_NAMES_KEPT = frozenset({0, 1, 2, 3, 4, 5, 6})  # copyright, family, style, id, full, version, PS
_lock = threading.Lock()
_registered: set[str] = set()  # the faces reportlab knows, filled once per process
REPERTOIRE = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№₽«»„“”‘’—–…·×°§"
"""What every PDF embeds besides ASCII (which reportlab always maps to itself)."""
_NO_BREAK_SPACE = "\xa0"
_SPLITS_KEPT = 4096  # encoded strings remembered per face (a few hundred per document)


def font_bytes(face: str) -> bytes:
    """The TTF file of ``face`` (:data:`REGULAR` or :data:`BOLD`) as shipped in the package."""
    return resources.files(_PACKAGE).joinpath("files", _FILES[face]).read_bytes()


def slimmed(data: bytes) -> bytes:
    """The font without hinting, kerning, layout tables and optional names."""
    font = FontFile(io.BytesIO(data))
    for tag in _UNUSED_TABLES:
        if tag in font:
            del font[tag]
    glyphs = font["glyf"]
    for name in font.getGlyphOrder():
        glyph = glyphs[name]
        if hasattr(glyph, "program"):
            glyph.program = ttProgram.Program()
            glyph.program.fromBytecode(b"")
    font["name"].names = [n for n in font["name"].names if n.nameID in _NAMES_KEPT]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def register_fonts() -> None:
    """Make both faces known to reportlab; cheap after the first call."""
    if len(_registered) == len(_FILES):
        return
    with _lock:
        for face in _FILES.keys() - _registered:
            pdfmetrics.registerFont(_EmbeddedFont(face, slimmed(font_bytes(face))))
            _registered.add(face)


def assign_repertoire(document: Any) -> None:
    """Give the :data:`REPERTOIRE` its codes in ``document`` (a canvas's PDF document)
    before anything is drawn, in the same order every time, so that every document
    has the same subset of each face (see the module's docstring)."""
    register_fonts()
    for face in _FILES:
        font = pdfmetrics.getFont(face)
        assert isinstance(font, _EmbeddedFont)
        font.assign_repertoire(document)


class _EmbeddedFont(TTFont):
    """A reportlab TrueType font whose face remembers the subsets it made, and which
    remembers how it encoded the strings every document repeats."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(name, io.BytesIO(data))
        self.face = _SubsettingFace(io.BytesIO(data))
        self._standard_documents: weakref.WeakSet[Any] = weakref.WeakSet()
        self._standard_characters: frozenset[str] = frozenset()
        self._splits: dict[str, tuple[tuple[int, bytes], ...]] = {}
        self._standard_subsets: list[list[int]] = []
        self._standard_objects: tuple[_StandardSubset, ...] = ()

    def assign_repertoire(self, document: Any) -> None:
        """Codes for the :data:`REPERTOIRE` in a document that has drawn nothing yet;
        its characters and ASCII then have the same codes as in every other such
        document, so :meth:`splitString` may reuse what it encoded for another."""
        fresh = document not in self.state
        super().splitString(REPERTOIRE, document)
        if not fresh:
            return  # codes were handed out before: this document's may differ
        if not self._standard_characters:
            state: Any = self.state[document]  # reportlab's TTFont.State
            self._standard_subsets = [list(subset) for subset in state.subsets]
            assigned = state.assignments
            printable_ascii = "".join(map(chr, range(32, 127)))
            self._standard_characters = frozenset(
                [
                    character
                    for character in printable_ascii + REPERTOIRE
                    if ord(character) in assigned
                ]
                + [_NO_BREAK_SPACE]  # always encoded as the space (money's thousands separator)
            )
        self._standard_documents.add(document)

    def splitString(  # reportlab's name
        self, text: str | bytes, doc: Any, encoding: str = "utf-8"
    ) -> list[tuple[int, bytes]]:
        """``text`` as (subset, codes) runs, as reportlab makes them; memoized for text
        whose every character has the same code in every document (the labels,
        headings and most names), since encoding each string was a fifth of the
        drawing time. Any other text, or another document, goes the usual way."""
        if (
            isinstance(text, str)
            and self._standard_characters.issuperset(text)
            and doc in self._standard_documents
        ):
            split = self._splits.get(text)
            if split is None:
                split = tuple(super().splitString(text, doc, encoding))
                if len(self._splits) >= _SPLITS_KEPT:
                    self._splits.clear()
                self._splits[text] = split
            return list(split)
        return super().splitString(text, doc, encoding)

    def addObjects(self, doc: Any) -> None:  # reportlab's name
        """reportlab's font objects. A document with just the standard subset gets them
        from the bytes the first such document formatted (:class:`_StandardSubset`);
        any other goes reportlab's way, with the widths and the ToUnicode map of a
        subset formatted and compressed once (they are the same in every document)."""
        state: Any = self.state.get(doc)  # reportlab's TTFont.State
        standard = (
            state is not None
            and doc in self._standard_documents
            and state.subsets == self._standard_subsets
            and _reusable(doc)
        )
        if standard and self._standard_objects:
            self._add_standard_objects(doc, state, self._standard_objects)
            return
        if standard:  # the names of the fonts, known until reportlab forgets the state
            names = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(state.subsets))]
        fonts = doc.idToObject["BasicFonts"].dict
        before = set(fonts)
        super().addObjects(doc)
        for name in fonts.keys() - before:
            pdf_font = fonts[name]
            pdf_font.Widths = _Widths(pdf_font.Widths.sequence)
            to_unicode = doc.idToObject[pdf_font.ToUnicode.name]
            if to_unicode.filters:
                to_unicode.filters = [_COMPRESSED_ONCE]
        if standard:
            made = [_StandardSubset.formatted(doc, fonts[name]) for name in names]
            if all(made):
                self._standard_objects = tuple(filter(None, made))

    def _add_standard_objects(
        self, doc: Any, state: Any, subsets: tuple[_StandardSubset, ...]
    ) -> None:
        """What reportlab's ``addObjects`` makes, in the same order, for a document
        whose subsets are the standard ones, with the parts that hold no reference
        formatted once per process."""
        state.frozen = 1
        fonts = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(subsets):
            name = self.getSubsetInternalName(n, doc)[1:]
            pdf_font: Any = pdfdoc.PDFTrueTypeFont()  # attributes as reportlab sets them
            pdf_font.__Comment__ = f"Font {self.fontName} subset {n}"
            pdf_font.Name = name
            pdf_font.BaseFont = subset.base_font
            pdf_font.FirstChar = 0
            pdf_font.LastChar = subset.last_char
            pdf_font.Widths = subset.widths
            pdf_font.ToUnicode = doc.Reference(_Formatted(subset.to_unicode), subset.to_unicode_id)
            font_file = doc.Reference(_Formatted(subset.font_file), subset.font_file_id)
            descriptor = pdfdoc.PDFDictionary({**subset.descriptor, "FontFile2": font_file})
            pdf_font.FontDescriptor = doc.Reference(descriptor, subset.descriptor_id)
            doc.Reference(pdf_font, name)
            fonts[name] = pdf_font
        del self.state[doc]


class _SubsettingFace(TTFontFace):
    """Subsets made and compressed once per distinct character list, not per document."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file)
        self._subset = lru_cache(maxsize=8)(self._make_subset)

    def makeSubset(self, subset: Sequence[int]) -> bytes:  # reportlab's name
        return self._subset(tuple(subset))

    def _make_subset(self, subset: tuple[int, ...]) -> bytes:
        return bytes(super().makeSubset(list(subset)))

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        reference = super().addSubsetObjects(doc, fontname, subset)  # type: ignore[no-untyped-call]  # typeshed leaves it untyped
        # The face's file stream, just made: compressed once per distinct subset.
        stream = doc.idToObject[f"fontFile:{self.filename}({fontname})"]
        if stream.filters:
            stream.filters = [_COMPRESSED_ONCE]
        return reference


class _Widths(pdfdoc.PDFArray):
    """A subset's glyph widths, formatted once per distinct list."""

    def format(self, document: Any, IND: bytes = b"\n ") -> bytes:
        widths = tuple(self.sequence)
        formatted = _formatted_widths.get(widths)
        if formatted is None:
            # Numbers format the same in every document (reportlab's fp_str).
            formatted = bytes(super().format(document, IND))
            if len(_formatted_widths) >= 16:
                _formatted_widths.clear()
            _formatted_widths[widths] = formatted
        return formatted


_formatted_widths: dict[tuple[int, ...], bytes] = {}


class _CompressOnce:
    """reportlab's Flate filter, remembering what it compressed last: a face's subset
    and its ToUnicode map are the same in every document."""

    pdfname = pdfdoc.PDFZCompress.pdfname

    @staticmethod
    @lru_cache(maxsize=16)
    def encode(content: bytes | str) -> bytes:
        return zlib.compress(content.encode("utf8") if isinstance(content, str) else content)

    @staticmethod
    def decode(encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


_COMPRESSED_ONCE = _CompressOnce()


def _reusable(document: Any) -> bool:
    """Whether formatted objects of one document may go into ``document``: compressed
    (as the first was) and not encrypted (encryption depends on the object's number)."""
    return bool(document.compression) and isinstance(document.encrypt, pdfdoc.NoEncryption)


def _reference_free(value: Any) -> bool:
    """Whether ``value`` formats the same in every document: numbers, names, arrays
    of them; not a reference nor an object that becomes one."""
    if isinstance(value, pdfdoc.PDFArray):
        return all(map(_reference_free, value.sequence))
    return isinstance(value, str | int | float | bytes)


@attrs.frozen
class _StandardSubset:
    """One subset of a face as the first document with the standard subset formatted
    it: the widths and, whole, the ToUnicode and font file streams (none holds a
    reference); the descriptor's entries but its reference to the font file. Each
    document makes its own font and descriptor dictionaries and its references
    (object numbers differ), reportlab formats those."""

    base_font: str
    last_char: int
    widths: bytes
    to_unicode_id: str
    to_unicode: bytes
    font_file_id: str
    font_file: bytes
    descriptor_id: str
    descriptor: dict[str, bytes]

    @classmethod
    def formatted(cls, doc: Any, pdf_font: Any) -> _StandardSubset | None:
        """The parts of ``pdf_font`` (reportlab's, just made in ``doc``), formatted;
        None if one that should hold no reference does."""
        objects = doc.idToObject
        to_unicode = objects[pdf_font.ToUnicode.name]
        descriptor = objects[pdf_font.FontDescriptor.name].dict
        font_file_id = descriptor["FontFile2"].name
        font_file = objects[font_file_id]
        entries = {key: value for key, value in descriptor.items() if key != "FontFile2"}
        streams = (to_unicode.dictionary.dict, font_file.dictionary.dict)
        if not all(
            map(
                _reference_free,
                [pdf_font.Widths, *entries.values(), *(v for d in streams for v in d.values())],
            )
        ):
            return None
        return cls(
            base_font=pdf_font.BaseFont,
            last_char=pdf_font.LastChar,
            widths=pdfdoc.format(pdf_font.Widths, doc),
            to_unicode_id=pdf_font.ToUnicode.name,
            to_unicode=pdfdoc.format(to_unicode, doc, toplevel=1),
            font_file_id=font_file_id,
            font_file=pdfdoc.format(font_file, doc, toplevel=1),
            descriptor_id=pdf_font.FontDescriptor.name,
            descriptor={key: pdfdoc.format(value, doc) for key, value in entries.items()},
        )


class _Formatted(pdfdoc.PDFObject):
    """A stream formatted once by reportlab, put in another document as it is. A new
    one for each document, since a document names the objects it holds."""

    __RefOnly__ = 1  # a stream is an indirect object

    def __init__(self, formatted: bytes) -> None:
        self.formatted = formatted

    def format(self, document: Any) -> bytes:  # noqa: ARG002 — reportlab's signature
        return self.formatted
