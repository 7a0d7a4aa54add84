"""Intake's check that every character of a name can be printed with the bundled fonts.

A character no font of :mod:`counter_app.receipts.fonts` draws prints as a marked code point
(``〔U+30041〕``): legible and unambiguous, but not the citizen's name as written. The clerk is
told at intake, while the applicant is still at the window, so the input can be checked (a wrong
character from the input method) or the document completed by hand.
"""

from __future__ import annotations

from counter_app.domain.errors import Issue
from counter_app.receipts.fonts import marked, missing_glyphs

NAME_GLYPH_MISSING = "NAME_GLYPH_MISSING"


def name_glyph_issues(text: str, field: str, label: str) -> list[Issue]:
    """One warning per character of ``text`` that no bundled font draws, in order of appearance.

    ``field`` names the input (``applicant.name``); ``label`` is how the clerk knows it (申请人姓名).
    """
    missing = missing_glyphs(text)
    seen: list[str] = []
    for ch in text:
        if ch in missing and ch not in seen:
            seen.append(ch)
    return [
        Issue(
            NAME_GLYPH_MISSING,
            f"{label}中的“{ch}”（U+{ord(ch):04X}）本机字库没有该字，打印时将显示为{marked(ch)}，"
            "请核对录入是否正确，必要时在文书上手写补正",
            warning=True,
            field=field,
        )
        for ch in seen
    ]
