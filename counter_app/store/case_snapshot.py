"""A case's snapshot as stored in ``case_transitions``: the domain case as JSON and back.

The services write it after each transition; ``verify`` rebuilds it from the events and
compares, so both use this one definition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from counter_app.domain.case import Case, CaseState, ResultCode, SuspensionKind


def case_to_json(case: Case) -> dict[str, Any]:
    """The domain case as JSON-ready data (stored as the transition snapshot)."""
    return {
        "project_no": case.project_no,
        "instant": case.instant,
        "state": case.state.value,
        "received_at": iso_or_none(case.received_at),
        "accepted_at": iso_or_none(case.accepted_at),
        "closed_at": iso_or_none(case.closed_at),
        "result": None if case.result is None else int(case.result),
        "reason": case.reason,
        "corrections": case.corrections,
        "suspensions": [[int(k), iso_or_none(s), iso_or_none(e)] for k, s, e in case.suspensions],
    }


def case_from_json(data: dict[str, Any]) -> Case:
    """Rebuild the domain case from a snapshot."""
    return Case(
        project_no=data["project_no"],
        instant=data["instant"],
        state=CaseState(data["state"]),
        received_at=datetime_or_none(data["received_at"]),
        accepted_at=datetime_or_none(data["accepted_at"]),
        closed_at=datetime_or_none(data["closed_at"]),
        result=None if data["result"] is None else ResultCode(data["result"]),
        reason=data["reason"],
        corrections=data["corrections"],
        suspensions=tuple(
            (SuspensionKind(k), _req(s), datetime_or_none(e)) for k, s, e in data["suspensions"]
        ),
    )


def iso_or_none(value: datetime | None) -> str | None:
    """A time as stored in snapshots (milliseconds), None stays None."""
    return None if value is None else iso_ms(value)


# The last time formatted, and its text: one acceptance formats the same ``now`` for its two
# events, its row, its two transitions and their snapshots. The slot holds a reference to the
# datetime, so an ``is`` match can only be that very (immutable) object; a thread that loses a
# race to the slot only formats again.
_last_formatted: tuple[datetime | None, str] = (None, "")


def iso_ms(value: datetime) -> str:
    """``value.isoformat(timespec="milliseconds")``, the way every stored time is written."""
    global _last_formatted
    last = _last_formatted
    if last[0] is value:
        return last[1]
    text = value.isoformat(timespec="milliseconds")
    _last_formatted = (value, text)
    return text


def datetime_or_none(value: str | None) -> datetime | None:
    """A stored time read back, None stays None."""
    return None if value is None else datetime.fromisoformat(value)


def _req(value: str) -> datetime:
    return datetime.fromisoformat(value)
