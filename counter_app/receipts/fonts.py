"""The CJK fonts of every document: where they live, registering them, and the font for each character.

A name may hold any CJK ideograph up to Extension G (GB 18030-2022 level 3), and no TrueType file
can hold them all (65,535 glyphs at most). ``resources/fonts`` ships a chain of fonts
(:data:`CHAIN`, see its README): the WenQuanYi Micro Hei subset draws the paperwork, and each
character it lacks is drawn from the first font after it that has a glyph for it. A character
no font draws is printed as a marked code point (``〔U+30041〕``), never as an empty box;
:func:`missing_glyphs` names those characters so that intake can warn the clerk.

Coverage is read from the fonts reportlab embeds: a character counts only when its cmap entry
leads to a glyph with an outline (not .notdef, not an empty glyph).

WenQuanYi Micro Hei has no bold face: headings are drawn with a stroked outline instead
(:class:`counter_app.receipts.layout.BoldParagraph`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from counter_app.resources import PRIMARY_FONT_FILE, resources_dir
from counter_app.resources import RESOURCES_ENV as RESOURCES_ENV

# reportlab keeps each embedded font's subset table in shared font state and does not guard it:
# two documents drawn at once can corrupt each other's subsets. Every PDF build holds this lock.
RENDER_LOCK = threading.RLock()

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = PRIMARY_FONT_FILE
# An extra TrueType font tried after the shipped ones (a hall's own font for Extension H or I).
EXTRA_FONT_ENV = "COUNTER_CJK_FALLBACK_FONT"
EXTRA_FONT_NAME = "CJKExtra"

# reportlab font name -> file in resources/fonts, in the order characters look for a glyph.
CHAIN: tuple[tuple[str, str], ...] = (
    (FONT_NAME, FONT_FILE),
    ("CJKHanzi", "WenQuanYiMicroHei-Hanzi.ttf"),
    ("CJKExtA", "DroidSansFallback-ExtA.ttf"),
    ("CJKBabelStone", "BabelStoneHan-Subset.ttf"),
    ("CJKHanaMinA", "HanaMinA-Subset.ttf"),
    ("CJKHanaMinB", "HanaMinB-Subset.ttf"),
)


def marked(ch: str) -> str:
    """How a character no font draws is printed: its code point between 〔〕, e.g. ``〔U+30041〕``."""
    return f"〔U+{ord(ch):04X}〕"


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with code points above U+FFFF written as UTF-16 (surrogate pairs).

    reportlab writes ``<20BB7>`` for 𠮷, which text extraction reads as U+20BB: copy, search and
    pdftotext would lose every character outside the BMP.
    """
    entries = [f"<{i:02X}> <{chr(code).encode('utf-16-be').hex().upper()}>" for i, code in enumerate(subset)]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def font_path() -> Path:
    """Path of the shipped primary CJK TrueType font."""
    return resources_dir() / "fonts" / FONT_FILE


@dataclass(frozen=True)
class LoadedFont:
    """A registered font of the chain and the code points it really draws."""

    name: str  # reportlab font name
    path: Path
    drawn: frozenset[int]


def drawn_code_points(font: TTFont) -> frozenset[int]:
    """Code points whose glyph in ``font`` has an outline: not .notdef (glyph 0), not zero-length."""
    face: Any = font.face
    positions = face.glyphPos
    return frozenset(
        code
        for code, glyph in face.charToGlyph.items()
        if glyph != 0 and positions[glyph + 1] > positions[glyph]
    )


_lock = threading.Lock()
_loaded: list[LoadedFont] = []
_chain_done = False
_face_names: set[bytes] = set()


def _register(name: str, path: Path) -> LoadedFont:
    font = TTFont(name, str(path))
    face: Any = font.face
    # reportlab keys each embedded subset by the font's PostScript name: two fonts with one name
    # share one embedded file in the PDF, and the second one's characters come out as boxes.
    if face.name in _face_names:
        face.name = face.name + b"-" + name.encode("ascii")
    _face_names.add(face.name)
    pdfmetrics.registerFont(font)
    # No bold or italic face: map them to the regular one so <b> and <i> never fail.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
    return LoadedFont(name, path, drawn_code_points(font))


def _primary() -> LoadedFont:
    if _loaded:
        return _loaded[0]
    with _lock:
        if not _loaded:
            path = font_path()
            if not path.is_file():
                raise FileNotFoundError(f"CJK font not found: {path}")
            _loaded.append(_register(FONT_NAME, path))
        return _loaded[0]


def _chain() -> list[LoadedFont]:
    """Every font of the chain, loaded on first need: the large ones take a moment to parse."""
    global _chain_done
    _primary()
    if _chain_done:
        return _loaded
    with _lock:
        if not _chain_done:
            folder = resources_dir() / "fonts"
            paths = [(name, folder / file) for name, file in CHAIN[1:]]
            missing = [str(path) for _, path in paths if not path.is_file()]
            if missing:
                raise FileNotFoundError(f"CJK font not found: {', '.join(missing)}")
            for name, path in paths:
                _loaded.append(_register(name, path))
            extra = os.environ.get(EXTRA_FONT_ENV, "")
            if extra and Path(extra).is_file():
                # CFF outlines, no embedding permission, or a damaged file: do without it.
                with contextlib.suppress(TTFError, OSError, ValueError, KeyError):
                    _loaded.append(_register(EXTRA_FONT_NAME, Path(extra)))
            _chain_done = True
        return _loaded


def register_fonts() -> str:
    """Register the primary CJK font with reportlab (once, thread-safe) and return its font name."""
    return _primary().name


def loaded_fonts() -> list[LoadedFont]:
    """Every font of the chain, registered, in the order characters look for a glyph."""
    return list(_chain())


def font_for(ch: str) -> str | None:
    """The reportlab font name that draws ``ch``: the first of the chain with a glyph, or None."""
    code = ord(ch)
    if code in _primary().drawn:
        return FONT_NAME
    for font in _chain()[1:]:
        if code in font.drawn:
            return font.name
    return None


def font_file(name: str) -> Path:
    """The file of the registered chain font ``name`` (for drawing outside reportlab)."""
    for font in _chain():
        if font.name == name:
            return font.path
    raise KeyError(name)


def in_main_font(text: str) -> bool:
    """Whether the primary font draws every character of ``text`` (no other font needed)."""
    drawn = _primary().drawn
    return all(ord(ch) in drawn for ch in text)


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` (whitespace aside) that no font of the chain draws."""
    drawn = _primary().drawn
    outside = {ch for ch in text if not ch.isspace() and ord(ch) not in drawn}
    return {ch for ch in outside if font_for(ch) is None}


def runs(text: str) -> list[tuple[str, str]]:
    """``text`` cut into ``(font name, text)`` runs, each drawn by one font of the chain.

    Whitespace goes to the primary font (the others have no space glyph: reportlab would draw
    .notdef); a character no font draws becomes its marked code point in the primary font.
    """
    out: list[tuple[str, str]] = []
    if in_main_font(text):
        return [(FONT_NAME, text)] if text else []
    for ch in text:
        if ch.isspace():
            name, piece = FONT_NAME, ch
        else:
            found = font_for(ch)
            name, piece = (found, ch) if found else (FONT_NAME, marked(ch))
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + piece)
        else:
            out.append((name, piece))
    return out


def printable(text: str) -> str:
    """``text`` with every character no font draws replaced by its marked code point."""
    if not missing_glyphs(text):
        return text
    return "".join(marked(ch) if not ch.isspace() and font_for(ch) is None else ch for ch in text)


def markup(text: str) -> str:
    """``text`` as reportlab paragraph markup: XML-escaped, each run in the font that draws it.

    Line breaks become ``<br/>``.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts: list[str] = []
    for name, piece in runs(text):
        body = escape(piece).replace("\n", "<br/>")
        parts.append(body if name == FONT_NAME else f'<font face="{name}">{body}</font>')
    return "".join(parts)


def text_width(text: str, size: float) -> float:
    """Width in points of ``text`` drawn at ``size`` by :func:`draw_text`."""
    return sum(pdfmetrics.stringWidth(piece, name, size) for name, piece in runs(text))


def draw_text(canv: Any, x: float, y: float, text: str, size: float, anchor: str = "left") -> None:
    """Draw one line of ``text`` on a reportlab canvas, run by run; ``anchor`` is left, centre or right."""
    width = text_width(text, size)
    if anchor == "centre":
        x -= width / 2
    elif anchor == "right":
        x -= width
    for name, piece in runs(text):
        canv.setFont(name, size)
        canv.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, name, size)
