"""The CJK font of every document: where it lives, registering it once, and characters it lacks.

The shipped font is a subset of WenQuanYi Micro Hei (see ``resources/fonts/README.md`` and
:mod:`counter_app.receipts.font_subset`). A rare name character outside the subset is drawn from a
fallback system font when one is installed; :func:`missing_glyphs` names what no font can draw, so
the caller can warn the clerk before printing.

WenQuanYi Micro Hei has no bold face: headings are drawn with a stroked outline instead
(:class:`counter_app.receipts.layout.BoldParagraph`).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# reportlab keeps each embedded font's subset table in shared font state and does not guard it:
# two documents drawn at once can corrupt each other's subsets. Every PDF build holds this lock.
RENDER_LOCK = threading.RLock()

FONT_NAME = "WenQuanYiMicroHei"
FALLBACK_FONT_NAME = "CJKFallback"
FONT_FILE = "WenQuanYiMicroHei-GB2312.ttf"
RESOURCES_ENV = "COUNTER_APP_RESOURCES"
FALLBACK_ENV = "COUNTER_CJK_FALLBACK_FONT"

# Full CJK fonts that may be installed on a window's PC; tried in order, the first that loads wins.
FALLBACK_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/STHeiti Medium.ttc",
)


def resources_dir() -> Path:
    """The ``resources/`` folder: ``$COUNTER_APP_RESOURCES`` if set, else the one at the repository root."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "resources"


def font_path() -> Path:
    """Path of the shipped CJK TrueType font."""
    return resources_dir() / "fonts" / FONT_FILE


@dataclass(frozen=True)
class _Fallback:
    path: str | None
    covered: frozenset[int]


_lock = threading.Lock()
_covered: frozenset[int] | None = None
_fallback: _Fallback | None = None


def _load_fallback() -> _Fallback:
    candidates = [os.environ.get(FALLBACK_ENV, ""), *FALLBACK_CANDIDATES]
    for candidate in candidates:
        if not candidate or not Path(candidate).is_file():
            continue
        try:
            font = TTFont(FALLBACK_FONT_NAME, candidate, subfontIndex=0)
        except (TTFError, OSError, ValueError, KeyError):
            continue  # CFF outlines, no embedding permission, or a damaged file: try the next one
        pdfmetrics.registerFont(font)
        return _Fallback(candidate, frozenset(font.face.charToGlyph))
    return _Fallback(None, frozenset())


def _main_covered() -> frozenset[int]:
    global _covered
    covered = _covered
    if covered is not None:
        return covered
    with _lock:
        if _covered is None:
            path = font_path()
            if not path.is_file():
                raise FileNotFoundError(f"CJK font not found: {path}")
            font = TTFont(FONT_NAME, str(path))
            pdfmetrics.registerFont(font)
            # No bold or italic face: map them to the regular one so <b> and <i> never fail.
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            _covered = frozenset(font.face.charToGlyph)
        return _covered


def _fallback_font() -> _Fallback:
    """Loaded only when a character outside the subset shows up: a full CJK font is slow to parse."""
    global _fallback
    fallback = _fallback
    if fallback is not None:
        return fallback
    _main_covered()
    with _lock:
        if _fallback is None:
            _fallback = _load_fallback()
        return _fallback


def register_fonts() -> str:
    """Register the CJK font with reportlab (once, thread-safe) and return its font name."""
    _main_covered()
    return FONT_NAME


def fallback_font_file() -> str | None:
    """The fallback font file used for characters outside the subset, or None if none is installed."""
    return _fallback_font().path


def in_main_font(text: str) -> bool:
    """Whether the shipped font draws every character of ``text`` (no fallback needed)."""
    covered = _main_covered()
    return all(ord(ch) in covered for ch in text)


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` that neither the shipped font nor the fallback font can draw."""
    covered = _main_covered()
    outside = {ch for ch in text if not ch.isspace() and ord(ch) not in covered}
    if not outside:
        return outside
    fallback = _fallback_font().covered
    return {ch for ch in outside if ord(ch) not in fallback}


def markup(text: str) -> str:
    """``text`` as reportlab paragraph markup: XML-escaped, rare characters in the fallback font.

    Line breaks become ``<br/>``.
    """
    covered = _main_covered()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if all(ord(ch) in covered or ch == "\n" for ch in text):
        return escape(text).replace("\n", "<br/>")
    fallback = _fallback_font().covered
    parts: list[str] = []
    run: list[str] = []
    for ch in text:
        if ord(ch) not in covered and ord(ch) in fallback:
            run.append(ch)
            continue
        if run:
            parts.append(f'<font face="{FALLBACK_FONT_NAME}">{escape("".join(run))}</font>')
            run.clear()
        parts.append("<br/>" if ch == "\n" else escape(ch))
    if run:
        parts.append(f'<font face="{FALLBACK_FONT_NAME}">{escape("".join(run))}</font>')
    return "".join(parts)
