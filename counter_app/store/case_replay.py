"""Rebuild the ``cases`` and ``case_transitions`` rows from the signed case events.

The events are the record; the two tables are a copy made for search, lists and printing. A
copy can be edited by anyone with a SQL shell once the triggers are dropped, so ``verify``
replays the events through the domain state machine and compares what it gets with what is
stored, field by field. The replay writes the rows exactly as the services write them
(``accept_case``, ``case_commands``): any disagreement is an edit made outside the program.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from counter_app.domain.case import Case, ResultCode, SuspensionKind
from counter_app.ledger import SignedEvent
from counter_app.store.case_snapshot import case_to_json

Step = Callable[[Case, dict[str, Any], datetime], Case]

# Event type -> (transition action, what the domain does). ``case.received`` starts a case.
STEPS: dict[str, tuple[str, Step]] = {
    "case.accepted": ("accept", lambda c, p, t: c.accept(t)),
    "case.correction_requested": (
        "request_correction",
        lambda c, p, t: c.request_correction([m["name"] for m in p["missing"]]),
    ),
    "case.not_accepted": ("reject", lambda c, p, t: c.reject(p["reason"], t)),
    "case.returned": ("return_case", lambda c, p, t: c.return_case(p["reason"], t)),
    "case.process_started": ("start_process", lambda c, p, t: c.start_process()),
    "case.process_recorded": ("record_process", lambda c, p, t: c.record_process()),
    "case.suspended": ("suspend", lambda c, p, t: c.suspend(SuspensionKind(p["kind"]), p["reason"], t)),
    "case.resumed": ("resume", lambda c, p, t: c.resume(t)),
    "case.closed": ("close", lambda c, p, t: c.close(ResultCode(p["result_code"]), t, p.get("reason", ""))),
    "case.voided": (
        "void",
        lambda c, p, t: c.void(p["reason"], t, ResultCode(p["result_code"]) is ResultCode.DELETED),
    ),
    "case.delivered": ("deliver", lambda c, p, t: c.deliver()),
}
CASE_EVENT_TYPES = frozenset({"case.received", *STEPS})


class ReplayError(Exception):
    """An event the state machine cannot apply (or cannot read): the case cannot be rebuilt."""

    def __init__(self, seq: int, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.message = message


@dataclass
class ReplayedCase:
    """The rows one case's events produce: the cases row and its transition rows in order."""

    header: dict[str, Any]
    transitions: list[dict[str, Any]] = field(default_factory=list)
    case: Case | None = None
    promise_due: str | None = None
    promise_estimated: bool = False
    extension_days: int = 0


def case_header(event: SignedEvent) -> dict[str, Any]:
    """The ``cases`` row that ``accept_case`` writes for this ``case.received`` event (the rest
    of the intake stays in the event: nothing in the row to compare it with)."""
    env, p = event.envelope, event.envelope.payload
    applicant = p["applicant"]
    return {
        "project_no": p["project_no"],
        "task_code": p["task_code"],
        "item_name": p["item_name"],
        "dept_code": p["dept_code"],
        "project_type": p["project_type"],
        "applicant_kind": applicant["kind"],
        "applicant_name": applicant["name"],
        "cert_type": applicant["cert_type"],
        "cert_no": applicant["cert_no"].strip().upper(),
        "phone": p.get("phone") or applicant.get("phone", ""),
        "window_no": p["window_no"],
        "clerk_id": env.clerk_id,
        "ticket_no": p.get("ticket_no"),
        "received_at": p["received_at"],
        "seq": env.seq,
    }


def replay(events: list[SignedEvent]) -> dict[str, ReplayedCase]:
    """Every case the events describe, by case number; ReplayError names the first bad event.

    Events of other types (prints, settings, ...) are skipped; so is a case event of a type the
    services never write, which keeps older programs able to check newer ledgers' cases.
    """
    cases: dict[str, ReplayedCase] = {}
    for event in events:
        env = event.envelope
        if env.type not in CASE_EVENT_TYPES:
            continue
        try:
            _apply(cases, event)
        except ReplayError:
            raise
        except Exception as exc:  # a payload the state machine cannot take: name the event
            raise ReplayError(
                env.seq, f"序号 {env.seq} 的办件事件无法重放：{type(exc).__name__}: {exc}"
            ) from exc
    return cases


def _apply(cases: dict[str, ReplayedCase], event: SignedEvent) -> None:
    env, payload = event.envelope, event.envelope.payload
    at = datetime.fromisoformat(env.occurred_at)
    project_no = payload["project_no"]
    if env.type == "case.received":
        if project_no in cases:
            raise ReplayError(env.seq, f"办件 {project_no} 被重复接件（序号 {env.seq}）")
        rebuilt = ReplayedCase(case_header(event))
        rebuilt.case = Case.receive(project_no, instant=int(payload["project_type"]) == 1, at=at)
        cases[project_no] = rebuilt
        _transition(rebuilt, env.seq, "receive", at)
        return
    rebuilt_or_none = cases.get(project_no)
    if rebuilt_or_none is None and env.type == "case.delivered" and payload.get("handed_over_by"):
        return  # 统一出件: a case another window received and handed here has no rows on this one
    if rebuilt_or_none is None or rebuilt_or_none.case is None:
        raise ReplayError(env.seq, f"序号 {env.seq} 的事件指向没有接件记录的办件 {project_no}")
    rebuilt = rebuilt_or_none
    action, step = STEPS[env.type]
    assert rebuilt.case is not None
    rebuilt.case = step(rebuilt.case, payload, at)
    if "promise_due" in payload:
        due = datetime.fromisoformat(payload["promise_due"])
        rebuilt.promise_due = due.isoformat(timespec="milliseconds")
        rebuilt.promise_estimated = bool(payload.get("promise_estimated", False))
    if env.type == "case.suspended" and SuspensionKind(payload["kind"]) is SuspensionKind.EXTENSION:
        rebuilt.extension_days += int(payload.get("extend_days", 0))
    _transition(rebuilt, env.seq, action, at)


def _transition(rebuilt: ReplayedCase, seq: int, action: str, at: datetime) -> None:
    """The transition row ``add_transition`` writes, with its snapshot as data."""
    assert rebuilt.case is not None
    rebuilt.transitions.append(
        {
            "project_no": rebuilt.case.project_no,
            "seq": seq,
            "action": action,
            "state": rebuilt.case.state.value,
            "at": at.isoformat(timespec="milliseconds"),
            "snapshot": {
                "case": case_to_json(rebuilt.case),
                "promise_due": rebuilt.promise_due,
                "promise_estimated": rebuilt.promise_estimated,
                "extension_days": rebuilt.extension_days,
            },
        }
    )


def stored_header(row: Any) -> dict[str, Any]:
    """A stored ``cases`` row in the replay's form."""
    return dict(row._mapping)


def stored_transition(row: Any) -> dict[str, Any]:
    """A stored ``case_transitions`` row in the replay's form (no id, the snapshot parsed)."""
    data = {k: v for k, v in row._mapping.items() if k != "id"}
    with contextlib.suppress(TypeError, ValueError):
        data["snapshot"] = json.loads(data["snapshot"])
    return data
