"""The cases read model (办件): one row per ``project_no``, folded from ``case.*`` events.

Times are kept as the device wrote them (ISO 8601 with the hall's offset), which is what a
citizen's receipt shows. Rows are loaded once per batch (locked on PostgreSQL, so that two windows' batches about the
same case serialise), changed in memory event by event, and written back together. Business
rules only raise alerts: an event that breaks the lifecycle is still applied, because the
ledger, not the read model, is the record of what happened at the window.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.case import CASE_EVENTS, TRANSITIONS, CaseState, ResultCode, Transition
from supervision_server.alerts import AlertDraft
from supervision_server.db import Prepared, any_of, fetch
from supervision_server.projected import ProjectedEvent, changed_rows, text
from supervision_server.schema import cases

# The window's own lifecycle table (counter_app.domain.case): one definition on both sides.
CASE_TYPES = frozenset(CASE_EVENTS)
RECEIVED = TRANSITIONS["receive"].event_type


# Built once: only the list of numbers changes from batch to batch.
_CASES = Prepared(
    select(cases).where(any_of(cases.c.project_no, "nos")).order_by(cases.c.project_no).with_for_update()
)


def cases_read(items: list[ProjectedEvent]) -> tuple[Prepared, dict[str, Any]] | None:
    """The read :meth:`CaseProjector.apply` makes for the case events among ``items`` (None if
    there are none), for db.prefetch."""
    wanted = sorted({no for item in items if item.type in CASE_TYPES and (no := item.project_no())})
    return (_CASES, {"nos": wanted}) if wanted else None


class CaseProjector:
    """Folds a batch of case events into the cases table and returns the alerts it found."""

    def __init__(self, conn: Connection, now: str) -> None:
        self.conn = conn
        self.now = now
        self.rows: dict[str, dict[str, Any]] = {}
        self.new: dict[str, dict[str, Any]] = {}
        self.dirty: dict[str, dict[str, Any]] = {}
        self.drafts: list[AlertDraft] = []

    def apply(self, items: list[ProjectedEvent]) -> list[AlertDraft]:
        """Project ``items`` (in ledger order) and write the changed rows."""
        read = cases_read(items)
        if read is not None:
            self.rows.update((row["project_no"], row) for row in fetch(self.conn, *read))
        for item in items:
            self._one(item)
        changed_rows(self.conn, cases, self.new, {k: v for k, v in self.dirty.items() if k not in self.new})
        return self.drafts

    def _alert(self, rule_id: str, item: ProjectedEvent, message: str, **details: Any) -> None:
        self.drafts.append(
            AlertDraft(
                rule_id,
                message,
                device_id=item.device_id,
                seq=item.seq,
                project_no=item.project_no(),
                details={"type": item.type, "from_fork": item.from_fork, **details},
            )
        )

    def _one(self, item: ProjectedEvent) -> None:
        project_no = item.project_no()
        if project_no is None:
            self._alert(
                "PAYLOAD_INVALID", item, f"设备 {item.device_id} 序号 {item.seq} 的办件事件缺少有效的办件编号"
            )
            return
        row = self.rows.get(project_no)
        if item.type == RECEIVED:
            if row is not None:
                self._alert(
                    "DUPLICATE_PROJECT_NO",
                    item,
                    f"办件编号 {project_no} 已由设备 {row['device_id']} 序号 {row['seq']} 登记，"
                    f"设备 {item.device_id} 序号 {item.seq} 再次登记",
                    first_device_id=row["device_id"],
                    first_seq=row["seq"],
                )
                return
            self._note_check_code(self._create(project_no, item, CaseState.RECEIVED), item)
            return
        if row is None:
            self._alert("CASE_UNKNOWN", item, f"办件 {project_no} 未见接件登记，却收到「{item.type}」事件")
            row = self._create(project_no, item, CaseState.RECEIVED)
            row["received_at"] = None
        step = CASE_EVENTS[item.type]
        current = CaseState(row["state"])
        if not step.allows(current):
            self._alert(
                "ILLEGAL_TRANSITION",
                item,
                f"办件 {project_no} 当前为「{current.label}」，不应出现「{item.type}」",
                state=current.value,
            )
        elif step.requires_result is not None and row["result_code"] != int(step.requires_result):
            self._alert(
                "ILLEGAL_TRANSITION",
                item,
                f"办件 {project_no} 的办结结果不是「{step.requires_result.label}」，不应出现「{item.type}」",
                state=current.value,
                result_code=row["result_code"],
            )
        self._transition(row, item, step)

    def _note_check_code(self, row: dict[str, Any], item: ProjectedEvent) -> None:
        # The code is printed on whatever document the citizen takes home (receipt, correction
        # or refusal notice), so any case event may carry it.
        code = item.text("check_code")
        if code:
            row["check_code"] = code

    def _create(self, project_no: str, item: ProjectedEvent, state: CaseState) -> dict[str, Any]:
        applicant = item.payload.get("applicant")
        person = applicant if isinstance(applicant, dict) else {}
        window_no = item.number("window_no")
        row: dict[str, Any] = {
            "project_no": project_no,
            "device_id": item.device_id,
            "seq": item.seq,
            "from_fork": item.from_fork,
            "task_code": item.text("task_code") or "",
            "item_name": item.text("item_name") or "",
            "dept_code": item.text("dept_code") or "",
            "project_type": item.number("project_type"),
            "applicant_name": text(person.get("name")) or "",
            "applicant_cert_type": text(person.get("cert_type")) or "",
            "applicant_cert_no": text(person.get("cert_no")) or "",
            "window_no": window_no if window_no is not None else item.window_no,
            "ticket_no": item.text("ticket_no"),
            "clerk_id": item.clerk_id,
            "state": state.value,
            "received_at": item.text("received_at") or item.occurred_at,
            "accepted_at": None,
            "promise_due": None,
            "promise_estimated": None,
            "check_code": None,
            "result_code": None,
            "reason": "",
            "correction_count": 0,
            "closed_at": None,
            "delivered_at": None,
        }
        self._touch(row, item)
        self.rows[project_no] = self.new[project_no] = row
        return row

    def _touch(self, row: dict[str, Any], item: ProjectedEvent) -> None:
        row.update(
            last_event_type=item.type,
            last_event_at=item.occurred_at,
            last_device_id=item.device_id,
            last_seq=item.seq,
            updated_at=self.now,
        )
        self.dirty[row["project_no"]] = row

    def _transition(self, row: dict[str, Any], item: ProjectedEvent, step: Transition) -> None:
        row["state"] = step.target.value
        if step.carries_deadline:
            self._note_deadline(row, item)
        if step.command == "accept":
            row["accepted_at"] = item.text("accepted_at") or item.occurred_at
        elif step.command == "request_correction":
            if row["correction_count"] >= 1:
                self._alert(
                    "MULTIPLE_CORRECTIONS", item, f"办件 {row['project_no']} 再次要求补正（应一次性告知）"
                )
            row["correction_count"] += 1
        elif step.results:
            self._close(row, item, step)
        elif step.command == "deliver":
            row["delivered_at"] = item.occurred_at
        self._note_check_code(row, item)
        self._touch(row, item)

    def _note_deadline(self, row: dict[str, Any], item: ProjectedEvent) -> None:
        # Acceptance sets the deadline; 特别程序 moves it (clock stops and 延长审批). The window
        # computes it from its calendar and prints it, so the server shows what the window says.
        due = item.text("promise_due")
        if due is None:
            return
        row["promise_due"] = due
        estimated = item.payload.get("promise_estimated")
        row["promise_estimated"] = estimated if isinstance(estimated, bool) else None

    def _close(self, row: dict[str, Any], item: ProjectedEvent, step: Transition) -> None:
        result = item.number("result_code")
        if result is None and len(step.results) == 1:
            (only,) = step.results
            result = int(only)
        reason = item.text("reason") or ""
        row.update(result_code=result, reason=reason, closed_at=item.occurred_at)
        if result not in {int(r) for r in step.results}:
            self._alert(
                "ILLEGAL_TRANSITION",
                item,
                f"办件 {row['project_no']} 的「{item.type}」不能以办结结果 {result} 结束",
                result_code=result,
            )
        if result != int(ResultCode.ISSUED) and not reason.strip():
            self._alert(
                "CLOSURE_WITHOUT_REASON",
                item,
                f"办件 {row['project_no']} 办结结果为 {result}，但未填写理由",
            )
