"""What happens to a case after intake: correction supplied, processing, 特别程序, 办结, 送达, 作废.

Each command loads the case's latest snapshot, asks the domain for the next state, and appends
one ledger event and one transition row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from counter_app.domain.calendar import TimeLimit, promise_due
from counter_app.domain.case import (
    TRANSITIONS,
    Case,
    CaseState,
    IllegalTransition,
    ResultCode,
    SuspensionKind,
)
from counter_app.domain.case_authority import HANDED_OVER, check_hand_over
from counter_app.domain.errors import DomainError
from counter_app.services.case_rows import CaseRecord, add_transition, load_case, refuse_if_handed_over
from counter_app.services.clock import Clock
from counter_app.services.intake import item_time_limit
from counter_app.services.reference import current_calendar, current_catalog
from counter_app.store import schema
from counter_app.store.uow import Store, UnitOfWork

DELIVERY_PICKUP = "窗口领取"


@dataclass(frozen=True)
class CommandResult:
    """The case after a command, with the event that recorded it."""

    project_no: str
    state: CaseState
    promise_due: datetime | None
    seq: int
    result: ResultCode | None = None  # 办结结果 once closed


def _deadline(uow: UnitOfWork, record: CaseRecord, case: Case, now: datetime, extension: int) -> Any:
    if case.accepted_at is None:
        return record.promise_due, record.promise_estimated
    item = current_catalog(uow.conn).item(record.header["task_code"])
    base = item_time_limit(item)
    limit = TimeLimit(base.value + extension, base.unit)
    stops = [(s, e) for k, s, e in case.suspensions if k is SuspensionKind.CLOCK_STOP]
    result = promise_due(case.accepted_at, limit, current_calendar(uow.conn), stops, now=now)
    return result.due, result.estimated


def _run(
    store: Store,
    clock: Clock,
    clerk_id: str,
    project_no: str,
    action: str,
    step: Callable[[Case, datetime], Case],
    payload: dict[str, Any],
    extension_days: int = 0,
) -> CommandResult:
    now = clock()
    with store.unit_of_work() as uow:
        record = load_case(uow.conn, project_no)
        refuse_if_handed_over(uow.conn, project_no)
        case = step(record.case, now)
        due, estimated = record.promise_due, record.promise_estimated
        extension = record.extension_days + extension_days
        if action in ("accept", "resume") or extension_days:
            due, estimated = _deadline(uow, record, case, now, extension)
        body = {"project_no": project_no, **payload}
        transition = TRANSITIONS[action]
        if due is not None and transition.carries_deadline:
            body["promise_due"] = due.isoformat(timespec="seconds")
            body["promise_estimated"] = estimated
        event = uow.ledger.append(transition.event_type, body, clerk_id, now, project_no)
        add_transition(uow.conn, event.seq, action, case, now, due, estimated, extension)
        uow.commit()
    return CommandResult(project_no, case.state, due, event.seq, case.result)


def accept_corrected(
    store: Store,
    clock: Clock,
    clerk_id: str,
    project_no: str,
    supplied: list[str],
    deferred_until: date | None = None,
) -> CommandResult:
    """The applicant brought the missing materials: 补正受理, and the deadline starts now.

    Every material on the 一次性告知书 must be supplied. What is still missing may be accepted
    only as 容缺受理: explicitly, with the date by which it is promised (``deferred_until``), and
    only for materials the catalog marks 容缺 (not required); the date is recorded and printed.
    """
    with store.read() as conn:
        record = load_case(conn, project_no)
        item = current_catalog(conn).item(record.header["task_code"])
    if record.case.state is not CaseState.CORRECTION:
        label = record.case.state.label
        raise IllegalTransition(
            f"办件当前状态为「{label}」，不能补正受理（仅限：{CaseState.CORRECTION.label}）"
        )
    owed = [m["name"] for m in record.intake["materials"] if m.get("missing")]
    unknown = [name for name in supplied if name not in owed]
    if unknown:
        raise DomainError(f"补交的材料不在一次性告知书中：{'、'.join(unknown)}", "CASE_SUPPLIED_UNKNOWN")
    still = [name for name in owed if name not in supplied]
    deferred: list[dict[str, str]] = []
    if still and deferred_until is None:
        raise DomainError(
            f"尚缺 {len(still)} 项材料：{'、'.join(still)}。须补齐全部材料，或办理容缺受理并注明承诺补交日期",
            "CASE_CORRECTION_INCOMPLETE",
        )
    if still and deferred_until is not None:
        required = {m.name for m in item.materials if m.required}
        essential = [name for name in still if name in required]
        if essential:
            raise DomainError(f"必要材料不能容缺受理：{'、'.join(essential)}", "CASE_DEFER_NOT_ALLOWED")
        if deferred_until <= clock().date():
            raise DomainError("容缺材料的承诺补交日期应晚于今天", "CASE_DEFER_DATE")
        deferred = [{"name": name, "due": deferred_until.isoformat()} for name in still]
    payload: dict[str, Any] = {"supplied": supplied, "deferred": deferred}
    return _run(store, clock, clerk_id, project_no, "accept", lambda c, t: c.accept(t), payload)


def return_case(store: Store, clock: Clock, clerk_id: str, project_no: str, reason: str) -> CommandResult:
    """退件: corrections not supplied in time, or the applicant withdrew."""
    return _run(
        store,
        clock,
        clerk_id,
        project_no,
        "return_case",
        lambda c, t: c.return_case(reason, t),
        {"result_code": int(ResultCode.RETURNED), "reason": reason},
    )


def start_process(
    store: Store, clock: Clock, clerk_id: str, project_no: str, node: str = "承办"
) -> CommandResult:
    """The department starts work on an accepted case."""
    return _run(
        store, clock, clerk_id, project_no, "start_process", lambda c, t: c.start_process(), {"node": node}
    )


def record_process(
    store: Store, clock: Clock, clerk_id: str, project_no: str, node: str, action: str, opinion: str
) -> CommandResult:
    """One 环节 record: 承办/审核/批准 with the 业务动作 (通过/退回/其他) and an opinion."""
    if action not in ("通过", "退回", "其他"):
        raise DomainError("业务动作只能是 通过、退回 或 其他", "CASE_PROCESS_ACTION")
    return _run(
        store,
        clock,
        clerk_id,
        project_no,
        "record_process",
        lambda c, t: c.record_process(),
        {"node": node, "action": action, "opinion": opinion},
    )


def suspend(
    store: Store,
    clock: Clock,
    clerk_id: str,
    project_no: str,
    kind: SuspensionKind,
    reason: str,
    extend_days: int = 0,
) -> CommandResult:
    """特别程序: 延长审批 adds ``extend_days`` to the limit; any other kind stops the clock."""
    if kind is SuspensionKind.EXTENSION and extend_days <= 0:
        raise DomainError("延长审批须填写延长的天数", "CASE_EXTENSION_DAYS")
    return _run(
        store,
        clock,
        clerk_id,
        project_no,
        "suspend",
        lambda c, t: c.suspend(kind, reason, t),
        {"kind": int(kind), "reason": reason, "extend_days": extend_days},
        extension_days=extend_days if kind is SuspensionKind.EXTENSION else 0,
    )


def resume(store: Store, clock: Clock, clerk_id: str, project_no: str, outcome: str = "") -> CommandResult:
    """特别程序 ends; the deadline is moved by the working days the clock was stopped."""
    return _run(store, clock, clerk_id, project_no, "resume", lambda c, t: c.resume(t), {"outcome": outcome})


def close_case(
    store: Store,
    clock: Clock,
    clerk_id: str,
    project_no: str,
    result: ResultCode,
    reason: str = "",
    cert_name: str = "",
    cert_no: str = "",
    legal_basis: str = "",
    delivery: str = DELIVERY_PICKUP,
) -> CommandResult:
    """办结 with a result code (出证办结, 不予许可, 转报办结).

    A 不予许可 needs the legal basis (typed, or the number of one of the matter's choices) as
    well as the reason: the notice must state both (行政许可法 第38条). ``delivery`` says how a
    granted result reaches the applicant (窗口领取, 邮寄送达 …).
    """
    payload: dict[str, Any] = {
        "result_code": int(result),
        "reason": reason,
        "cert_name": cert_name,
        "cert_no": cert_no,
    }
    if result is ResultCode.DENIED:
        with store.read() as conn:
            item = current_catalog(conn).item(load_case(conn, project_no).header["task_code"])
        payload["legal_basis"] = item.refusal_basis(legal_basis)
    elif result is ResultCode.ISSUED:
        if not delivery.strip():
            raise DomainError("请填写办理结果的送达方式（窗口领取、邮寄送达等）", "CASE_DELIVERY_REQUIRED")
        payload["delivery"] = delivery.strip()
    return _run(store, clock, clerk_id, project_no, "close", lambda c, t: c.close(result, t, reason), payload)


def void_case(
    store: Store, clock: Clock, clerk_id: str, project_no: str, reason: str, deleted: bool = False
) -> CommandResult:
    """作废 (or 删除 for an entry made in error): the case stays on the books, closed with a reason."""
    result = ResultCode.DELETED if deleted else ResultCode.VOIDED
    return _run(
        store,
        clock,
        clerk_id,
        project_no,
        "void",
        lambda c, t: c.void(reason, t, deleted),
        {"result_code": int(result), "reason": reason},
    )


def deliver(
    store: Store, clock: Clock, clerk_id: str, project_no: str, method: str = "窗口领取"
) -> CommandResult:
    """送达: the certificate was collected or sent (窗口领取 / 邮寄)."""
    return _run(store, clock, clerk_id, project_no, "deliver", lambda c, t: c.deliver(), {"method": method})


def hand_over(
    store: Store, clock: Clock, clerk_id: str, project_no: str, to_device_id: str, note: str = ""
) -> CommandResult:
    """移交统一出件: the certificate goes to the delivery window, which records 送达 from now on.

    The case's state does not change; the signed ``case.handed_over`` event makes
    ``to_device_id`` the only device the server accepts events about the case from, and this
    window refuses further commands on it.
    """
    now = clock()
    with store.unit_of_work() as uow:
        record = load_case(uow.conn, project_no)
        refuse_if_handed_over(uow.conn, project_no)
        target = to_device_id.strip()
        check_hand_over(record.case, uow.settings["device_id"], target)
        body = {"project_no": project_no, "to_device_id": target, "note": note}
        event = uow.ledger.append(HANDED_OVER, body, clerk_id, now, project_no)
        uow.commit()
    return CommandResult(project_no, record.case.state, record.promise_due, event.seq)


def deliver_handed_over(
    store: Store, clock: Clock, clerk_id: str, project_no: str, owner_device_id: str, method: str = "窗口领取"
) -> CommandResult:
    """送达 at the delivery window (统一出件) of a case another window received and handed here.

    This window holds no record of the case but its own events; the caller has confirmed with
    the server that the case is held by this device, or the server refuses the event.
    """
    now = clock()
    with store.unit_of_work() as uow:
        own = uow.settings["device_id"]
        if (
            owner_device_id == own
            or uow.conn.execute(
                select(schema.cases.c.project_no).where(schema.cases.c.project_no == project_no)
            ).first()
        ):
            raise DomainError(f"办件 {project_no} 由本窗口受理，请按本窗口办件送达", "CASE_IS_OWN")
        delivered = uow.conn.execute(
            select(schema.events.c.seq).where(
                schema.events.c.project_no == project_no,
                schema.events.c.type == TRANSITIONS["deliver"].event_type,
            )
        ).first()
        if delivered is not None:
            raise IllegalTransition(
                f"办件 {project_no} 已由本窗口送达（事件序号 {delivered.seq}）", "CASE_ALREADY_DELIVERED"
            )
        body = {"project_no": project_no, "method": method, "handed_over_by": owner_device_id}
        event = uow.ledger.append(TRANSITIONS["deliver"].event_type, body, clerk_id, now, project_no)
        uow.commit()
    return CommandResult(project_no, CaseState.DELIVERED, None, event.seq)
