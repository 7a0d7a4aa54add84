"""One look for every mode: the bundled CJK fonts, one style sheet, sizes from layouts.

The fonts in ``resources/fonts`` are added to Qt's database at start, so Chinese renders the
same on any machine, whatever fonts it has installed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
RESOURCES = Path(__file__).resolve().parents[2] / "resources"
FONTS = RESOURCES / "fonts"
STYLE_SHEET = RESOURCES / "style" / "counter.qss"


def load_fonts() -> list[str]:
    """Add every bundled TrueType font; returns the families, the primary CJK family first."""
    families: list[str] = []
    # The Micro Hei files cover what a screen shows; the large rare-character fonts of the
    # print chain stay out of start-up (Qt falls back to system fonts for a rare name on screen).
    for path in sorted(FONTS.glob("WenQuanYiMicroHei*.tt[fc]")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("font %s could not be loaded", path.name)
            continue
        for family in QFontDatabase.applicationFontFamilies(font_id):
            if family not in families:
                families.append(family)
    primary = [f for f in families if "Micro Hei" in f or "MicroHei" in f]
    return primary + [f for f in families if f not in primary]


def apply_look(app: QApplication, point_size: int = 12) -> None:
    """Bundled fonts as the application font (with fallbacks) and the style sheet."""
    families = load_fonts()
    if families:
        font = QFont(families[0], point_size)
        font.setFamilies(families)
        app.setFont(font)
    if STYLE_SHEET.exists():
        app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
