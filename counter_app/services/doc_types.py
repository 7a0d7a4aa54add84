"""The kinds of documents a window hands out (a module of its own: the command line lists them
without loading the PDF code)."""

from __future__ import annotations

from enum import StrEnum


class DocType(StrEnum):
    """Kinds of documents a window hands out; the value names the archived file."""

    RECEIPT = "receipt"  # 受理回执
    CORRECTION = "correction"  # 一次性告知书
    REJECTION = "rejection"  # 不予受理通知书
    COMPLETION = "completion"  # 办结通知书 / 领证通知书

    @property
    def label(self) -> str:
        """The document's title."""
        return {"receipt": "受理回执", "correction": "一次性告知书", "rejection": "不予受理通知书"}.get(
            self.value, "办结通知书"
        )
