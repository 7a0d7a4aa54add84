"""What a PDF's embedded TrueType fonts really draw: each character, from the font file in the PDF.

Reads the PDFs this project writes (reportlab: plain objects, Flate streams, no object streams).
For every embedded font it maps the codes of its ToUnicode CMap through the cmap of the embedded
FontFile2 to a glyph, and keeps the characters whose glyph has an outline: not .notdef, not empty.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

from fontTools.ttLib import TTFont

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_REF = rb"/%s (\d+) 0 R"


@dataclass(frozen=True)
class EmbeddedFont:
    """One embedded font subset: its name, the characters with an outline and those without."""

    base_font: str
    drawn: frozenset[str]
    blank: frozenset[str]
    outlines: dict[str, tuple[tuple[int, int], ...]]  # points of each drawn character's glyph


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for match in _OBJECT.finditer(pdf):
        body = match.group(2)
        stream: bytes | None = None
        if b"stream" in body:
            head, _, rest = body.partition(b"stream")
            length = int(re.search(rb"/Length (\d+)", head).group(1))  # type: ignore[union-attr]
            data = rest.lstrip(b"\r\n")[:length]
            stream = zlib.decompress(data) if b"FlateDecode" in head else data
            body = head
        found[int(match.group(1))] = (body, stream)
    return found


def _ref(body: bytes, key: str) -> int:
    match = re.search(_REF % key.encode(), body)
    assert match, f"/{key} not found in {body[:200]!r}"
    return int(match.group(1))


def _to_unicode(cmap: bytes) -> dict[int, str]:
    chars = cmap.partition(b"beginbfchar")[2].partition(b"endbfchar")[0]
    pairs = re.findall(rb"<([0-9A-F]{2})> <([0-9A-F]+)>", chars)
    return {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in pairs}


def outline(font: TTFont, glyph_name: str) -> tuple[tuple[int, int], ...]:
    """The points of a glyph, components resolved: equal for the same glyph in a font and its subset."""
    coordinates, _, _ = font["glyf"][glyph_name].getCoordinates(font["glyf"])
    return tuple((int(x), int(y)) for x, y in coordinates)


def embedded_fonts(pdf: bytes) -> list[EmbeddedFont]:
    """Every embedded TrueType font subset of ``pdf``, with what its glyphs draw."""
    objects = _objects(pdf)
    fonts: list[EmbeddedFont] = []
    for body, _ in objects.values():
        if b"/Subtype /TrueType" not in body or b"/Type /Font" not in body:
            continue
        base = re.search(rb"/BaseFont /(\S+)", body).group(1).decode()  # type: ignore[union-attr]
        unicode = _to_unicode(objects[_ref(body, "ToUnicode")][1] or b"")
        descriptor = objects[_ref(body, "FontDescriptor")][0]
        data = objects[_ref(descriptor, "FontFile2")][1]
        assert data, base
        font = TTFont(io.BytesIO(data))
        cmap = font.getBestCmap() or {}
        if not cmap:  # a symbol cmap only: (3, 0) with codes at F000 + code
            table = font["cmap"].getcmap(3, 0) or font["cmap"].getcmap(1, 0)
            cmap = dict(table.cmap)
        glyf = font["glyf"]
        drawn: set[str] = set()
        blank: set[str] = set()
        outlines: dict[str, tuple[tuple[int, int], ...]] = {}
        for code, text in unicode.items():
            name = cmap.get(code, cmap.get(0xF000 + code, ".notdef"))
            has_outline = name != ".notdef" and glyf[name].numberOfContours != 0
            (drawn if has_outline else blank).add(text)
            if has_outline:
                outlines[text] = outline(font, name)
        fonts.append(EmbeddedFont(base, frozenset(drawn), frozenset(blank), outlines))
    return fonts
