"""Every legal and illegal transition of the case lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from counter_app.domain.case import (
    CASE_EVENTS,
    OPEN_STATES,
    TRANSITIONS,
    Case,
    CaseState,
    IllegalTransition,
    MissingReason,
    ResultCode,
    SuspensionKind,
    status_label,
)
from counter_app.domain.case_numbers import (
    CaseNumberError,
    device_tag,
    make_case_number,
    parse_case_number,
)
from counter_app.domain.errors import DomainError

T = datetime(2026, 11, 25, 9, 30)
S = CaseState


def received() -> Case:
    return Case.receive("YX-1", instant=False, at=T)


def in_state(state: CaseState) -> Case:
    """A case brought to ``state`` by legal commands only."""
    case = received()
    if state is S.RECEIVED:
        return case
    if state is S.CORRECTION:
        return case.request_correction(["营业执照副本"])
    if state is S.NOT_ACCEPTED:
        return case.reject("不属于本机关职权范围", T)
    case = case.accept(T)
    if state is S.ACCEPTED:
        return case
    if state is S.CLOSED:
        return case.close(ResultCode.ISSUED, T)
    if state is S.DELIVERED:
        return case.close(ResultCode.ISSUED, T).deliver()
    case = case.start_process()
    if state is S.IN_PROCESS:
        return case
    return case.suspend(SuspensionKind.CLOCK_STOP, "现场核查", T)


COMMANDS: dict[str, Callable[[Case], Case]] = {
    "accept": lambda c: c.accept(T),
    "reject": lambda c: c.reject("材料不齐且无法补正", T),
    "request_correction": lambda c: c.request_correction(["身份证复印件"]),
    "return_case": lambda c: c.return_case("逾期未补正", T),
    "start_process": lambda c: c.start_process(),
    "record_process": lambda c: c.record_process(),
    "suspend": lambda c: c.suspend(SuspensionKind.CLOCK_STOP, "专家评审", T),
    "resume": lambda c: c.resume(T + timedelta(days=3)),
    "close": lambda c: c.close(ResultCode.ISSUED, T),
    "void": lambda c: c.void("重复录入", T),
    "deliver": lambda c: c.deliver(),
}

LEGAL: dict[str, dict[CaseState, CaseState]] = {
    "accept": {S.RECEIVED: S.ACCEPTED, S.CORRECTION: S.ACCEPTED},
    "reject": {S.RECEIVED: S.NOT_ACCEPTED, S.CORRECTION: S.NOT_ACCEPTED},
    "request_correction": {S.RECEIVED: S.CORRECTION},
    "return_case": {S.CORRECTION: S.CLOSED},
    "start_process": {S.ACCEPTED: S.IN_PROCESS},
    "record_process": {S.IN_PROCESS: S.IN_PROCESS},
    "suspend": {S.IN_PROCESS: S.SUSPENDED},
    "resume": {S.SUSPENDED: S.IN_PROCESS},
    "close": {S.ACCEPTED: S.CLOSED, S.IN_PROCESS: S.CLOSED},
    "void": {s: S.CLOSED for s in OPEN_STATES},
    "deliver": {S.CLOSED: S.DELIVERED},
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("state", list(CaseState))
def test_every_command_in_every_state(command: str, state: CaseState) -> None:
    case = in_state(state)
    target = LEGAL[command].get(state)
    if target is None:
        with pytest.raises(IllegalTransition) as info:
            COMMANDS[command](case)
        assert info.value.code.startswith("CASE_")
        assert "不能" in info.value.message or "只有" in info.value.message
    else:
        assert COMMANDS[command](case).state is target


def test_the_transition_table_is_the_machine_and_names_the_ledger_events() -> None:
    """The window and the server both read TRANSITIONS: it must say exactly what Case does."""
    table = {c: {s: t.target for s in t.sources} for c, t in TRANSITIONS.items() if c != "receive"}
    assert table == LEGAL
    assert TRANSITIONS["receive"].sources == frozenset() and TRANSITIONS["receive"].target is S.RECEIVED
    assert {c: t.event_type for c, t in TRANSITIONS.items()} == {
        "receive": "case.received",
        "accept": "case.accepted",
        "reject": "case.not_accepted",
        "request_correction": "case.correction_requested",
        "return_case": "case.returned",
        "start_process": "case.process_started",
        "record_process": "case.process_recorded",
        "suspend": "case.suspended",
        "resume": "case.resumed",
        "close": "case.closed",
        "void": "case.voided",
        "deliver": "case.delivered",
    }
    assert {t.command for t in CASE_EVENTS.values()} == set(TRANSITIONS)
    assert sorted(c for c, t in TRANSITIONS.items() if t.carries_deadline) == ["accept", "resume", "suspend"]
    closing = {c: sorted(int(r) for r in t.results) for c, t in TRANSITIONS.items() if t.results}
    assert closing == {"reject": [6], "return_case": [5], "close": [0, 1, 4], "void": [2, 3]}


def test_results_and_reasons() -> None:
    assert in_state(S.NOT_ACCEPTED).result is ResultCode.NOT_ACCEPTED
    returned = in_state(S.CORRECTION).return_case("申请人主动放弃", T)
    assert returned.result is ResultCode.RETURNED and returned.reason == "申请人主动放弃"
    assert received().void("录入错误", T, deleted=True).result is ResultCode.DELETED
    denied = in_state(S.IN_PROCESS).close(ResultCode.DENIED, T, reason="不符合法定条件")
    assert denied.result is ResultCode.DENIED
    forwarded = in_state(S.ACCEPTED).close(ResultCode.FORWARDED, T, reason="报市局审批")
    assert forwarded.result is ResultCode.FORWARDED


@pytest.mark.parametrize(
    "command",
    [
        lambda c: in_state(S.RECEIVED).reject(" ", T),
        lambda c: in_state(S.CORRECTION).return_case("", T),
        lambda c: in_state(S.IN_PROCESS).suspend(SuspensionKind.EXTENSION, "", T),
        lambda c: in_state(S.IN_PROCESS).close(ResultCode.DENIED, T),
        lambda c: in_state(S.ACCEPTED).void("", T),
    ],
)
def test_reason_is_required(command: Callable[[None], Case]) -> None:
    with pytest.raises(MissingReason) as info:
        command(None)
    assert info.value.code == "CASE_REASON_REQUIRED"


def test_close_refuses_results_that_have_their_own_command() -> None:
    for result in (ResultCode.VOIDED, ResultCode.DELETED, ResultCode.RETURNED, ResultCode.NOT_ACCEPTED):
        with pytest.raises(IllegalTransition):
            in_state(S.ACCEPTED).close(result, T, reason="x")


def test_correction_is_one_time_and_lists_materials() -> None:
    with pytest.raises(DomainError) as info:
        received().request_correction([])
    assert info.value.code == "CASE_CORRECTION_EMPTY"
    corrected = in_state(S.CORRECTION).accept(T)
    assert corrected.corrections == 1 and corrected.state is S.ACCEPTED


def test_only_an_issued_case_is_delivered() -> None:
    denied = in_state(S.ACCEPTED).close(ResultCode.DENIED, T, reason="不符合条件")
    with pytest.raises(IllegalTransition) as info:
        denied.deliver()
    assert info.value.code == "CASE_NOT_ISSUED"


def test_suspensions_are_recorded_with_their_period() -> None:
    case = in_state(S.SUSPENDED).resume(T + timedelta(days=2))
    (kind, start, end) = case.suspensions[0]
    assert kind is SuspensionKind.CLOCK_STOP and start == T and end == T + timedelta(days=2)
    case = case.suspend(SuspensionKind.EXTENSION, "负责人批准延长10日", T + timedelta(days=3))
    assert len(case.suspensions) == 2 and case.suspensions[1][2] is None


def test_instant_case_closes_in_one_visit() -> None:
    case = Case.receive("YX-2", instant=True, at=T).accept(T).close(ResultCode.ISSUED, T)
    assert case.state is S.CLOSED and case.instant


def test_case_numbers_round_trip_and_fit_the_standard() -> None:
    tag = device_tag(bytes(range(32)))
    number = make_case_number("YX330781", date(2026, 11, 25), 3, tag, 7)
    assert len(number) <= 50 and number.startswith("YX330781-20261125-03")
    parsed = parse_case_number(number.lower())
    assert (parsed.window_no, parsed.device_tag, parsed.serial) == (3, tag, 7)
    assert device_tag(bytes(32)) != device_tag(b"\xff" * 32)


@pytest.mark.parametrize("serial, window", [(0, 3), (10000, 3), (1, 0), (1, 100)])
def test_case_number_parts_out_of_range(serial: int, window: int) -> None:
    with pytest.raises(CaseNumberError):
        make_case_number("YX330781", date(2026, 11, 25), window, "ABC", serial)


@pytest.mark.parametrize("text", ["", "YX-20261125-03ABC-0001X", "YX330781-20261332-03ABC-0001"])
def test_bad_case_numbers_are_refused(text: str) -> None:
    with pytest.raises(CaseNumberError):
        parse_case_number(text)


def test_status_label_tells_a_voided_case_from_a_decided_one() -> None:
    closed = CaseState.CLOSED
    assert [status_label(closed, r) for r in (0, 1, 2, 3, 5, 99, None)] == [
        "已办结", "已办结", "已作废", "已删除", "已办结", "已办结", "已办结",
    ]  # fmt: skip
    assert status_label(CaseState.ACCEPTED, 2) == "已受理"
