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
"""

from __future__ import annotations

import io
import threading
from importlib import resources

from fontTools.ttLib import TTFont as FontFile
from fontTools.ttLib.tables import ttProgram
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "PTSans"
BOLD = "PTSans-Bold"
_FILES = {REGULAR: "PT_Sans-Web-Regular.ttf", BOLD: "PT_Sans-Web-Bold.ttf"}
_PACKAGE = "fontpkg_pt_sans"
_UNUSED_TABLES = ("fpgm", "prep", "cvt ", "hdmx", "LTSH", "DSIG", "VDMX", "kern", "GPOS", "GSUB")
_NAMES_KEPT = frozenset({0, 1, 2, 3, 4, 5, 6})  # copyright, family, style, id, full, version, PS
_lock = threading.Lock()
_registered: set[str] = set()  # the faces reportlab knows, filled once per process


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
            pdfmetrics.registerFont(TTFont(face, io.BytesIO(slimmed(font_bytes(face)))))
            _registered.add(face)
