"""What ``verify`` reports: one defect, with a stable code and where it was found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LedgerProblem:
    """The first defect found: a stable ``code``, the ``seq`` where, and for case tables the case
    and the field that differ."""

    code: str
    seq: int
    message: str
    project_no: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` and for the report to the server."""
        return {
            "code": self.code,
            "seq": self.seq,
            "message": self.message,
            "project_no": self.project_no,
            "field": self.field,
        }
