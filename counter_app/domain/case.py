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
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum, StrEnum

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
        self._require("受理", CaseState.RECEIVED, CaseState.CORRECTION)
        return replace(self, state=CaseState.ACCEPTED, accepted_at=at)

    def reject(self, reason: str, at: datetime) -> Case:
        """不予受理 with a reason the applicant can read."""
        self._require("不予受理", CaseState.RECEIVED, CaseState.CORRECTION)
        _need_reason(reason, "不予受理")
        return replace(
            self, state=CaseState.NOT_ACCEPTED, result=ResultCode.NOT_ACCEPTED, reason=reason, closed_at=at
        )

    def request_correction(self, missing: list[str]) -> Case:
        """补正: one notice listing every missing material (一次性告知); a second is refused."""
        self._require("补正告知", CaseState.RECEIVED)
        if not missing or any(not m.strip() for m in missing):
            raise DomainError("补正告知必须列出全部缺少或不符合要求的材料", "CASE_CORRECTION_EMPTY")
        if self.corrections:
            raise IllegalTransition(
                "该办件已出具过一次性告知书，不得再次要求补正", "CASE_CORRECTION_REPEATED"
            )
        return replace(self, state=CaseState.CORRECTION, corrections=self.corrections + 1)

    def return_case(self, reason: str, at: datetime) -> Case:
        """退件: the applicant did not supply the corrections in time or gave up."""
        self._require("退件", CaseState.CORRECTION)
        _need_reason(reason, "退件")
        return replace(self, state=CaseState.CLOSED, result=ResultCode.RETURNED, reason=reason, closed_at=at)

    # -- processing ---------------------------------------------------------------------------
    def start_process(self) -> Case:
        """The department starts work (承办) on an accepted case."""
        self._require("开始办理", CaseState.ACCEPTED)
        return replace(self, state=CaseState.IN_PROCESS)

    def record_process(self) -> Case:
        """A 环节 record (承办/审核/批准) on a case in process; the state does not change."""
        self._require("记录办理环节", CaseState.IN_PROCESS)
        return self

    def suspend(self, kind: SuspensionKind, reason: str, at: datetime) -> Case:
        """特别程序 begins: the clock stops (or, for 延长审批, the deadline is extended)."""
        self._require("启动特别程序", CaseState.IN_PROCESS)
        _need_reason(reason, "特别程序")
        return replace(self, state=CaseState.SUSPENDED, suspensions=(*self.suspensions, (kind, at, None)))

    def resume(self, at: datetime) -> Case:
        """特别程序 ends and processing continues."""
        self._require("结束特别程序", CaseState.SUSPENDED)
        kind, start, _ = self.suspensions[-1]
        return replace(
            self, state=CaseState.IN_PROCESS, suspensions=(*self.suspensions[:-1], (kind, start, at))
        )

    def close(self, result: ResultCode, at: datetime, reason: str = "") -> Case:
        """办结 with a result: 出证办结, 不予许可 or 转报办结 (others have their own commands)."""
        if result not in (ResultCode.ISSUED, ResultCode.DENIED, ResultCode.FORWARDED):
            raise IllegalTransition(f"办结结果「{result.label}」请使用对应的操作", "CASE_RESULT_NOT_ALLOWED")
        allowed = (CaseState.ACCEPTED, CaseState.IN_PROCESS)
        self._require("办结", *allowed)
        if result.needs_reason:
            _need_reason(reason, result.label)
        return replace(self, state=CaseState.CLOSED, result=result, reason=reason, closed_at=at)

    def void(self, reason: str, at: datetime, deleted: bool = False) -> Case:
        """作废 (or 删除, for an entry made in error) of any open case, always with a reason."""
        self._require("作废", *OPEN_STATES)
        _need_reason(reason, "作废")
        result = ResultCode.DELETED if deleted else ResultCode.VOIDED
        return replace(self, state=CaseState.CLOSED, result=result, reason=reason, closed_at=at)

    def deliver(self) -> Case:
        """送达/领取: only a case closed with a certificate (出证办结) is delivered."""
        self._require("送达", CaseState.CLOSED)
        if self.result is not ResultCode.ISSUED:
            raise IllegalTransition("只有出证办结的办件可以送达", "CASE_NOT_ISSUED")
        return replace(self, state=CaseState.DELIVERED)

    def _require(self, action: str, *states: CaseState) -> None:
        if self.state not in states:
            allowed = "、".join(s.label for s in states)
            raise IllegalTransition(f"办件当前状态为「{self.state.label}」，不能{action}（仅限：{allowed}）")


def _need_reason(reason: str, action: str) -> None:
    if not reason or not reason.strip():
        raise MissingReason(f"{action}必须填写理由")
