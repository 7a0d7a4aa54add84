"""Compare the stored ``cases`` and ``case_transitions`` rows with what the events rebuild.

Codes: CASE_ROW_MISSING (an intake event whose row is gone), CASE_ROW_MISMATCH (a field of the
row differs; the field is named), CASE_ROW_UNBACKED (a row no event backs), TRANSITION_MISMATCH
(a transition row missing, extra or different), CASE_REPLAY (events the state machine refuses).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from counter_app.ledger import SignedEvent
from counter_app.store import schema
from counter_app.store.case_replay import (
    CASE_EVENT_TYPES,
    ReplayError,
    replay,
    stored_header,
    stored_transition,
)
from counter_app.store.ledger_problem import LedgerProblem
from counter_app.store.ledger_store import row_to_event


def compare_case_tables(
    conn: Connection,
    events: list[SignedEvent],
    *,
    full: bool,
    lenient: bool,
    only: set[str] | None = None,
) -> tuple[int, LedgerProblem | None]:
    """Rebuild the cases the events describe and compare them with the stored rows.

    ``full`` also looks for rows no event backs; otherwise only the cases the given events
    touch are checked, with all their earlier events read back. ``lenient`` (an accepted hole)
    skips cases whose intake fell into the hole: there is nothing left to rebuild them from.
    """
    touched: set[Any] = (
        set(only)
        if only is not None
        else {e.envelope.payload.get("project_no") for e in events if e.envelope.type in CASE_EVENT_TYPES}
    )
    touched.discard(None)
    if not full:
        if not touched:
            return 0, None
        events = _case_events(conn, sorted(str(t) for t in touched))
    events = [e for e in events if e.envelope.type in CASE_EVENT_TYPES]
    if lenient:
        received = {
            e.envelope.payload.get("project_no") for e in events if e.envelope.type == "case.received"
        }
        events = [e for e in events if e.envelope.payload.get("project_no") in received]
    try:
        rebuilt = replay(events)
    except ReplayError as exc:
        return 0, LedgerProblem("CASE_REPLAY", exc.seq, exc.message)
    headers = _rows(conn, schema.cases, None if full else list(rebuilt))
    transitions: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(conn, schema.case_transitions, None if full else list(rebuilt), order=True):
        transitions.setdefault(row.project_no, []).append(stored_transition(row))
    stored = {row.project_no: stored_header(row) for row in headers}
    for project_no, case in sorted(rebuilt.items(), key=lambda kv: kv[1].header["seq"]):
        seq = case.header["seq"]
        row = stored.pop(project_no, None)
        if row is None:
            return 0, LedgerProblem(
                "CASE_ROW_MISSING", seq, f"办件 {project_no} 的接件记录已从办件表中删除", project_no
            )
        for name, value in case.header.items():
            if row.get(name) != value:
                text = f"办件 {project_no} 的「{name}」与签名事件不一致（办件表被改动）"
                return 0, LedgerProblem("CASE_ROW_MISMATCH", seq, text, project_no, name)
        problem = _compare_transitions(project_no, case.transitions, transitions.pop(project_no, []))
        if problem is not None:
            return 0, problem
    if full:
        for project_no, row in stored.items():
            if lenient:
                continue
            text = f"办件表中的办件 {project_no} 没有对应的签名接件事件"
            return 0, LedgerProblem("CASE_ROW_UNBACKED", int(row.get("seq") or 0), text, project_no)
        for project_no, rows in transitions.items():
            if lenient and project_no not in rebuilt:
                continue
            seq = int(rows[0].get("seq") or 0)
            text = f"办件 {project_no} 的流转记录没有对应的签名事件"
            return 0, LedgerProblem("TRANSITION_MISMATCH", seq, text, project_no, "seq")
    return len(rebuilt), None


def _compare_transitions(
    project_no: str, expected: list[dict[str, Any]], stored: list[dict[str, Any]]
) -> LedgerProblem | None:
    for index in range(max(len(expected), len(stored))):
        want = expected[index] if index < len(expected) else None
        have = stored[index] if index < len(stored) else None
        if want is None or have is None:
            seq = int((want or have or {}).get("seq") or 0)
            what = "缺少" if have is None else "多出"
            text = f"办件 {project_no} 的流转记录{what}一条（序号 {seq}）"
            return LedgerProblem("TRANSITION_MISMATCH", seq, text, project_no, "seq")
        for name, value in want.items():
            if have.get(name) != value:
                text = f"办件 {project_no} 序号 {want['seq']} 的流转记录「{name}」与签名事件不一致"
                return LedgerProblem("TRANSITION_MISMATCH", int(want["seq"]), text, project_no, name)
    return None


def _case_events(conn: Connection, numbers: list[str]) -> list[SignedEvent]:
    found: list[SignedEvent] = []
    for part in _chunks(numbers):
        rows = conn.execute(select(schema.events).where(schema.events.c.project_no.in_(part))).all()
        found.extend(row_to_event(r) for r in rows)
    return sorted(found, key=lambda e: e.seq)


def _rows(conn: Connection, table: Any, numbers: list[str] | None, order: bool = False) -> list[Any]:
    query = select(table)
    if order:
        query = query.order_by(table.c.id)
    if numbers is None:
        return list(conn.execute(query).all())
    rows: list[Any] = []
    for part in _chunks(numbers):
        rows.extend(conn.execute(query.where(table.c.project_no.in_(part))).all())
    if order:
        rows.sort(key=lambda r: r.id)
    return rows


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
