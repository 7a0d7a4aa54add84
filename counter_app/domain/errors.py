"""Errors a person in the hall can cause, each with a stable code and a Chinese message.

The code (e.g. ``ID_CHECKSUM``) is what logs, tests and scripts match on; the message is what a
clerk reads. Messages are Simplified Chinese by default; the UI layer may translate them by code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One finding about an input: a stable code, a clerk-readable message, its severity, and the
    form field it is about (``applicant.name``; empty when it concerns no single field), so that a
    form can show the message next to the field."""

    code: str
    message: str
    warning: bool = False
    field: str = ""  # the input it is about, e.g. "applicant.name"; empty when not one field

    def as_dict(self) -> dict[str, object]:
        """The issue as plain data, for ``--json`` output and the server."""
        return {"code": self.code, "message": self.message, "warning": self.warning, "field": self.field}


class DomainError(Exception):
    """Base of every error the domain raises on purpose: carries a stable code and a message."""

    code: str = "DOMAIN_ERROR"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ValidationError(DomainError):
    """Input that fails validation; ``issues`` lists every error found (not only the first)."""

    code = "VALIDATION"

    def __init__(self, issues: list[Issue]) -> None:
        errors = [i for i in issues if not i.warning] or issues
        super().__init__("；".join(i.message for i in errors), errors[0].code if errors else None)
        self.issues = issues
