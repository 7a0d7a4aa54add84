"""Cells safe to open in a spreadsheet: one definition for the window's CSV export and the
server's assessment export."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: cells a spreadsheet evaluates


def csv_cell(value: Any, as_text: bool = False) -> Any:
    """A value safe to open in a spreadsheet: a cell starting with = + - @ tab or CR gets a leading
    ``'`` (OWASP), so it is shown, never evaluated; ``as_text`` cells get a leading tab so that an
    ID number keeps every digit (and its X) as text."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return "\t" + value if as_text and value else value
