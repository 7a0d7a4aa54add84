"""Reading and writing a case's rows: the intake header, transitions and their snapshots."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.case import Case
from counter_app.domain.case_authority import HANDED_OVER
from counter_app.domain.errors import DomainError
from counter_app.store import prepared, schema
from counter_app.store.case_snapshot import case_from_json, case_to_json, iso_ms
from counter_app.store.case_snapshot import datetime_or_none as _dt
from counter_app.store.case_snapshot import iso_or_none as _iso
from counter_app.store.prepared import Executor


class CaseNotFound(DomainError):
    """No case with that number on this window."""

    code = "CASE_NOT_FOUND"


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False), built once
_CASE_COLUMNS = tuple(c.name for c in schema.cases.columns)
_INSERT_TRANSITION = prepared.insert(
    schema.case_transitions, ("project_no", "seq", "action", "state", "at", "snapshot")
)


@dataclass(frozen=True)
class CaseRecord:
    """A case as the window knows it now: the domain case plus its deadline, its ``cases`` row
    (``header``) and its whole intake (the payload of its signed ``case.received`` event)."""

    case: Case
    promise_due: datetime | None
    promise_estimated: bool
    extension_days: int
    header: dict[str, Any]
    intake: dict[str, Any]


def add_transition(
    conn: Executor,
    seq: int,
    action: str,
    case: Case,
    at: datetime,
    promise_due: datetime | None,
    promise_estimated: bool,
    extension_days: int,
) -> None:
    """Append one transition row with the snapshot of the case after it."""
    snapshot = {
        "case": case_to_json(case),
        "promise_due": _iso(promise_due),
        "promise_estimated": promise_estimated,
        "extension_days": extension_days,
    }
    _INSERT_TRANSITION.run(
        conn,
        {
            "project_no": case.project_no,
            "seq": seq,
            "action": action,
            "state": case.state.value,
            "at": iso_ms(at),
            "snapshot": _to_json(snapshot),
        },
    )


def load_case(conn: Connection, project_no: str) -> CaseRecord:
    """The current record of a case; CaseNotFound if this window has no such case."""
    found = conn.execute(
        select(schema.cases, schema.events.c.envelope)
        .join(schema.events, schema.events.c.seq == schema.cases.c.seq)
        .where(schema.cases.c.project_no == project_no)
    ).first()
    if found is None:
        raise CaseNotFound(f"未找到办件：{project_no}")
    header = {name: found._mapping[name] for name in _CASE_COLUMNS}
    snap_text = conn.execute(
        select(schema.case_transitions.c.snapshot)
        .where(schema.case_transitions.c.project_no == project_no)
        .order_by(schema.case_transitions.c.id.desc())
        .limit(1)
    ).scalar_one()
    snap = json.loads(snap_text)
    return CaseRecord(
        case=case_from_json(snap["case"]),
        promise_due=_dt(snap["promise_due"]),
        promise_estimated=snap["promise_estimated"],
        extension_days=snap["extension_days"],
        header=header,
        intake=json.loads(found.envelope)["payload"],
    )


def handed_over_to(conn: Connection, project_no: str) -> str | None:
    """The device this window handed the case to (统一出件), or None if it still holds it."""
    envelope = conn.execute(
        select(schema.events.c.envelope)
        .where(schema.events.c.project_no == project_no, schema.events.c.type == HANDED_OVER)
        .order_by(schema.events.c.seq.desc())
        .limit(1)
    ).scalar()
    if envelope is None:
        return None
    return str(json.loads(envelope)["payload"]["to_device_id"])


def refuse_if_handed_over(conn: Connection, project_no: str) -> None:
    """DomainError CASE_HANDED_OVER once the case was handed to another device: it speaks now."""
    target = handed_over_to(conn, project_no)
    if target is not None:
        raise DomainError(
            f"办件 {project_no} 已移交设备 {target}（统一出件），本窗口不能再记录该办件的操作",
            "CASE_HANDED_OVER",
        )
