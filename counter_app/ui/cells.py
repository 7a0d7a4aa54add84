"""Table cells that show long text whole: wrapped inside the column, the row as tall as it needs.

Qt wraps a cell only where the text has a break (a space, between Chinese characters); a file
path or a printer name such as ``HP_LaserJet_Pro_M404dn`` has none and is cut. The delegate
lets such text break after its separators too, on screen only: the item keeps its text.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTableWidget

_ZERO_WIDTH_SPACE = "\u200b"
_BREAK_AFTER = re.compile(r"([/\\_.:,;=&?-])")


class WrapAnywhereDelegate(QStyledItemDelegate):
    """Wraps at spaces and Chinese characters as usual, and after path and name separators."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.text = _BREAK_AFTER.sub(r"\1" + _ZERO_WIDTH_SPACE, option.text)


def wrap_column(table: QTableWidget, column: int) -> None:
    """Show ``column`` of ``table`` whole: wrapped, rows fitted to their text as widths change."""
    delegate = WrapAnywhereDelegate(table)
    table.setItemDelegateForColumn(column, delegate)
    table.setWordWrap(True)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
