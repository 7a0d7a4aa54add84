"""One case as the clerk reviews it: who and what, the materials, every step with its reason and
clerk, and every document issued (first prints and reprints), all read from the books."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from counter_app.domain.case import ACTION_LABELS, CaseState, status_label
from counter_app.services.case_rows import load_case
from counter_app.services.documents import DocType
from counter_app.store import schema
from counter_app.store.uow import Store

_CHANGES_REASON = ("reject", "return_case", "close", "void")


def case_detail(store: Store, project_no: str) -> dict[str, Any]:
    """The case ``project_no`` as plain data; CaseNotFound if this window has no such case.

    ``transitions`` lists each step (seq, action and its label, state and its label, time, reason,
    clerk); ``documents`` each ``document.printed`` event (type, title, time, reprint number,
    printed or not, printer, the printer's message, clerk).
    """
    with store.read() as conn:
        record = load_case(conn, project_no.strip().upper())
        number = record.case.project_no
        steps = conn.execute(
            select(schema.case_transitions)
            .where(schema.case_transitions.c.project_no == number)
            .order_by(schema.case_transitions.c.id)
        ).all()
        envelopes = {
            row.seq: json.loads(row.envelope)
            for row in conn.execute(
                select(schema.events.c.seq, schema.events.c.envelope).where(
                    schema.events.c.project_no == number
                )
            )
        }
    transitions = []
    for step in steps:
        snap = json.loads(step.snapshot)["case"]
        payload = envelopes.get(step.seq, {}).get("payload", {})
        reason = snap.get("reason", "") if step.action in _CHANGES_REASON else ""
        if step.action == "record_process":
            reason = f"{payload.get('node', '')} {payload.get('action', '')}：{payload.get('opinion', '')}"
        elif step.action == "resume":
            reason = str(payload.get("outcome", ""))
        elif step.action == "suspend":
            days = payload.get("extend_days")
            reason = str(payload.get("reason", "")) + (f"（延长 {days} 个工作日）" if days else "")
        elif step.action == "deliver":
            reason = str(payload.get("method", ""))
        transitions.append(
            {
                "seq": step.seq,
                "action": step.action,
                "action_label": ACTION_LABELS.get(step.action, step.action),
                "state": step.state,
                "state_label": status_label(CaseState(step.state), snap.get("result")),
                "at": step.at,
                "reason": reason or "",
                "clerk_id": envelopes.get(step.seq, {}).get("clerk_id", ""),
            }
        )
    documents = []
    for seq in sorted(envelopes):
        envelope = envelopes[seq]
        if envelope["type"] != "document.printed":
            continue
        p = envelope["payload"]
        documents.append(
            {
                "seq": seq,
                "doc_type": p["doc_type"],
                "title": DocType(p["doc_type"]).label,
                "at": envelope["occurred_at"],
                "reprint_no": p.get("reprint_no", 0),
                "printed": bool(p.get("printed")),
                "printer": p.get("printer", ""),
                "message": p.get("message", ""),
                "clerk_id": envelope.get("clerk_id", ""),
            }
        )
    return {
        "project_no": number,
        "task_code": record.header["task_code"],
        "state": record.case.state.value,
        "state_label": status_label(record.case.state, record.case.result),
        "result": None if record.case.result is None else int(record.case.result),
        "reason": record.case.reason,
        "promise_due": record.promise_due.isoformat(timespec="seconds") if record.promise_due else None,
        "promise_estimated": record.promise_estimated,
        "ticket_no": record.header.get("ticket_no"),
        "intake": record.intake,
        "transitions": transitions,
        "documents": documents,
    }
