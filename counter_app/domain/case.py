"""The case (办件) lifecycle as a pure state machine.

A :class:`Case` is immutable; each command returns the next ``Case`` or raises
:class:`IllegalTransition`. Nothing here reads the clock or touches storage: the service layer
passes times in and writes each transition as a ledger event.

States (GB/T 39046 names in brackets)::

    RECEIVED 已接件 ─accept→ ACCEPTED 已受理 ─start_process→ IN_PROCESS 办理中 ⇄ SUSPENDED 特别程序
    RECEIVED ─reject(reason)→ NOT_ACCEPTED 不予受理
    RECEIVED ─request_correction(missing)→ CORRECTION 补正 ─accept→ ACCEPTED
                                                              ─return_case(reason)→ CLOSED[5 退件]
    ACCEPTED | IN_PROCESS ─close(result)→ CLOSED 办结   (即办件: ACCEPTED → CLOSED in one visit)
    any open state ─void(reason)→ CLOSED[2 作废 | 3 删除]
    CLOSED[0 出证办结] ─deliver→ DELIVERED 已送达

:data:`TRANSITIONS` is the one table of these moves: each command, the ledger event that records
it, the states it may start from and the state it leads to. The commands below check against
it, the window's services name their events from it, and the supervision server folds the
events it receives with it, so the window and the server cannot disagree about a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from counter_app.domain.errors import DomainError


class CaseState(StrEnum):
    """Where a case stands; the value is the stable code stored and sent to the server."""

    RECEIVED = "RECEIVED"
    CORRECTION = "CORRECTION"
    ACCEPTED = "ACCEPTED"
    IN_PROCESS = "IN_PROCESS"
    SUSPENDED = "SUSPENDED"
    NOT_ACCEPTED = "NOT_ACCEPTED"
    CLOSED = "CLOSED"
    DELIVERED = "DELIVERED"

    @property
    def label(self) -> str:
        """The state's name as a clerk says it."""
        return STATE_LABELS[self]


STATE_LABELS = {
    CaseState.RECEIVED: "已接件",
    CaseState.CORRECTION: "待补正",
    CaseState.ACCEPTED: "已受理",
    CaseState.IN_PROCESS: "办理中",
    CaseState.SUSPENDED: "特别程序",
    CaseState.NOT_ACCEPTED: "不予受理",
    CaseState.CLOSED: "已办结",
    CaseState.DELIVERED: "已送达",
}

OPEN_STATES = frozenset(
    {CaseState.RECEIVED, CaseState.CORRECTION, CaseState.ACCEPTED, CaseState.IN_PROCESS, CaseState.SUSPENDED}
)


class ResultCode(IntEnum):
    """办结结果 (the provincial e-supervision doneresult codes)."""

    ISSUED = 0  # 出证办结 (准予)
    DENIED = 1  # 不予许可
    VOIDED = 2  # 作废办结
    DELETED = 3  # 删除办结
    FORWARDED = 4  # 转报办结
    RETURNED = 5  # 退件
    NOT_ACCEPTED = 6  # 不予受理

    @property
    def label(self) -> str:
        """The result's name as printed on notices."""
        return RESULT_LABELS[self]

    @property
    def needs_reason(self) -> bool:
        """Every result but 出证办结 must say why."""
        return self is not ResultCode.ISSUED


RESULT_LABELS = {
    ResultCode.ISSUED: "出证办结",
    ResultCode.DENIED: "不予许可",
    ResultCode.VOIDED: "作废办结",
    ResultCode.DELETED: "删除办结",
    ResultCode.FORWARDED: "转报办结",
    ResultCode.RETURNED: "退件",
    ResultCode.NOT_ACCEPTED: "不予受理",
}
# A closed case whose result is not a decision on the application reads as what happened to it.
CLOSED_LABELS = {ResultCode.VOIDED: "已作废", ResultCode.DELETED: "已删除"}


def status_label(state: CaseState, result: ResultCode | int | None) -> str:
    """What a clerk or a citizen is shown for a case: 已作废 / 已删除 for a case closed that way,
    else the state's label. The counter and the supervision server both use this."""
    if state is CaseState.CLOSED and result is not None and result in CLOSED_LABELS:
        return CLOSED_LABELS[ResultCode(result)]
    return state.label


ACTION_LABELS = {
    "receive": "接件",
    "accept": "受理",
    "request_correction": "一次性告知（补正）",
    "reject": "不予受理",
    "return_case": "退件",
    "start_process": "开始办理",
    "record_process": "办理环节",
    "suspend": "特别程序开始",
    "resume": "特别程序结束",
    "close": "办结",
    "void": "作废",
    "deliver": "送达",
}
"""What each recorded step (``case_transitions.action``) is called in the hall."""


class SuspensionKind(IntEnum):
    """特别程序种类 (GB/T 39046 A.7): 1 extends the deadline, 2 stops the clock."""

    EXTENSION = 1  # 延长审批
    CLOCK_STOP = 2  # 听证、检验、检测、鉴定、专家评审等


class IllegalTransition(DomainError):
    """A command that the case's current state does not allow."""

    code = "CASE_ILLEGAL_TRANSITION"


class MissingReason(DomainError):
    """A closure, rejection or void without the reason the rules require."""

    code = "CASE_REASON_REQUIRED"


@dataclass(frozen=True)
class Transition:
    """One command of the lifecycle and the ledger event that records it.

    ``sources`` is empty only for ``receive``, which creates the case. ``results`` lists the
    办结结果 a closing event may carry; ``requires_result`` is the result the case must already
    have (only an issued certificate is delivered). ``carries_deadline`` marks the events whose
    payload states the case's ``promise_due`` after the command, so that the server shows the
    deadline the citizen's receipt and notices show.
    """

    command: str
    event_type: str
    label: str
    sources: frozenset[CaseState]
    target: CaseState
    results: frozenset[ResultCode] = frozenset()
    requires_result: ResultCode | None = None
    carries_deadline: bool = False

    def allows(self, state: CaseState) -> bool:
        """Whether the command may start from ``state``."""
        return state in self.sources


def _t(
    command: str, event: str, label: str, sources: frozenset[CaseState], target: CaseState, **extra: Any
) -> tuple[str, Transition]:
    return command, Transition(command, f"case.{event}", label, sources, target, **extra)


_R, _C, _A, _P, _S = (
    CaseState.RECEIVED,
    CaseState.CORRECTION,
    CaseState.ACCEPTED,
    CaseState.IN_PROCESS,
    CaseState.SUSPENDED,
)

# command -> transition; the command is also the action name of the window's transition rows.
TRANSITIONS: dict[str, Transition] = dict(
    [
        _t("receive", "received", "接件", frozenset(), _R),
        _t("accept", "accepted", "受理", frozenset({_R, _C}), _A, carries_deadline=True),
        _t(
            "reject",
            "not_accepted",
            "不予受理",
            frozenset({_R, _C}),
            CaseState.NOT_ACCEPTED,
            results=frozenset({ResultCode.NOT_ACCEPTED}),
        ),
        _t("request_correction", "correction_requested", "补正告知", frozenset({_R}), _C),
        _t(
            "return_case",
            "returned",
            "退件",
            frozenset({_C}),
            CaseState.CLOSED,
            results=frozenset({ResultCode.RETURNED}),
        ),
        _t("start_process", "process_started", "开始办理", frozenset({_A}), _P),
        _t("record_process", "process_recorded", "记录办理环节", frozenset({_P}), _P),
        _t("suspend", "suspended", "启动特别程序", frozenset({_P}), _S, carries_deadline=True),
        _t("resume", "resumed", "结束特别程序", frozenset({_S}), _P, carries_deadline=True),
        _t(
            "close",
            "closed",
            "办结",
            frozenset({_A, _P}),
            CaseState.CLOSED,
            results=frozenset({ResultCode.ISSUED, ResultCode.DENIED, ResultCode.FORWARDED}),
        ),
        _t(
            "void",
            "voided",
            "作废",
            OPEN_STATES,
            CaseState.CLOSED,
            results=frozenset({ResultCode.VOIDED, ResultCode.DELETED}),
        ),
        _t(
            "deliver",
            "delivered",
            "送达",
            frozenset({CaseState.CLOSED}),
            CaseState.DELIVERED,
            requires_result=ResultCode.ISSUED,
        ),
    ]
)
# ledger event type -> transition (what the server folds a received event with)
CASE_EVENTS: dict[str, Transition] = {t.event_type: t for t in TRANSITIONS.values()}


@dataclass(frozen=True)
class Case:
    """The lifecycle part of a case: its number, state, result and the times that matter."""

    project_no: str
    instant: bool  # 即办件
    state: CaseState = CaseState.RECEIVED
    received_at: datetime | None = None
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    result: ResultCode | None = None
    reason: str = ""
    corrections: int = 0
    suspensions: tuple[tuple[SuspensionKind, datetime, datetime | None], ...] = field(default=())

    @classmethod
    def receive(cls, project_no: str, instant: bool, at: datetime) -> Case:
        """A new case taken in at the window (接件)."""
        if not project_no:
            raise DomainError("办件编号不能为空", "CASE_NO_EMPTY")
        return cls(project_no=project_no, instant=instant, received_at=at)

    # -- intake decisions -------------------------------------------------------------------
    def accept(self, at: datetime) -> Case:
        """受理: from RECEIVED, or from CORRECTION once the missing materials are in."""
        return self._move("accept", accepted_at=at)

    def reject(self, reason: str, at: datetime) -> Case:
        """不予受理 with a reason the applicant can read."""
        step = self._check("reject")
        _need_reason(reason, step.label)
        return self._move("reject", result=ResultCode.NOT_ACCEPTED, reason=reason, closed_at=at)

    def request_correction(self, missing: list[str]) -> Case:
        """补正: one notice listing every missing material (一次性告知); a second is refused."""
        self._check("request_correction")
        if not missing or any(not m.strip() for m in missing):
            raise DomainError("补正告知必须列出全部缺少或不符合要求的材料", "CASE_CORRECTION_EMPTY")
        if self.corrections:
            raise IllegalTransition(
                "该办件已出具过一次性告知书，不得再次要求补正", "CASE_CORRECTION_REPEATED"
            )
        return self._move("request_correction", corrections=self.corrections + 1)

    def return_case(self, reason: str, at: datetime) -> Case:
        """退件: the applicant did not supply the corrections in time or gave up."""
        step = self._check("return_case")
        _need_reason(reason, step.label)
        return self._move("return_case", result=ResultCode.RETURNED, reason=reason, closed_at=at)

    # -- processing ---------------------------------------------------------------------------
    def start_process(self) -> Case:
        """The department starts work (承办) on an accepted case."""
        return self._move("start_process")

    def record_process(self) -> Case:
        """A 环节 record (承办/审核/批准) on a case in process; the state does not change."""
        return self._move("record_process")

    def suspend(self, kind: SuspensionKind, reason: str, at: datetime) -> Case:
        """特别程序 begins: the clock stops (or, for 延长审批, the deadline is extended)."""
        self._check("suspend")
        _need_reason(reason, "特别程序")
        return self._move("suspend", suspensions=(*self.suspensions, (kind, at, None)))

    def resume(self, at: datetime) -> Case:
        """特别程序 ends and processing continues."""
        self._check("resume")
        kind, start, _ = self.suspensions[-1]
        return self._move("resume", suspensions=(*self.suspensions[:-1], (kind, start, at)))

    def close(self, result: ResultCode, at: datetime, reason: str = "") -> Case:
        """办结 with a result: 出证办结, 不予许可 or 转报办结 (others have their own commands)."""
        if result not in TRANSITIONS["close"].results:
            raise IllegalTransition(f"办结结果「{result.label}」请使用对应的操作", "CASE_RESULT_NOT_ALLOWED")
        self._check("close")
        if result.needs_reason:
            _need_reason(reason, result.label)
        return self._move("close", result=result, reason=reason, closed_at=at)

    def void(self, reason: str, at: datetime, deleted: bool = False) -> Case:
        """作废 (or 删除, for an entry made in error) of any open case, always with a reason."""
        step = self._check("void")
        _need_reason(reason, step.label)
        result = ResultCode.DELETED if deleted else ResultCode.VOIDED
        return self._move("void", result=result, reason=reason, closed_at=at)

    def deliver(self) -> Case:
        """送达/领取: only a case closed with a certificate (出证办结) is delivered."""
        step = self._check("deliver")
        if self.result is not step.requires_result:
            raise IllegalTransition("只有出证办结的办件可以送达", "CASE_NOT_ISSUED")
        return self._move("deliver")

    def _check(self, command: str) -> Transition:
        step = TRANSITIONS[command]
        if not step.allows(self.state):
            allowed = "、".join(s.label for s in CaseState if s in step.sources)
            raise IllegalTransition(
                f"办件当前状态为「{self.state.label}」，不能{step.label}（仅限：{allowed}）"
            )
        return step

    def _move(self, command: str, **changes: Any) -> Case:
        """The case after ``command``: its state is the table's target, never chosen here."""
        step = self._check(command)
        return replace(self, state=step.target, **changes)


def _need_reason(reason: str, action: str) -> None:
    if not reason or not reason.strip():
        raise MissingReason(f"{action}必须填写理由")
