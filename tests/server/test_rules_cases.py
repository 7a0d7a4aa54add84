"""Rules on cases: 两头受理, 时间倒置, 秒办, 非工作时间受理, 冒名受理, 临期特别程序, 异常办结率,
多次补正 (supervision_server.rules.cases and the projection's MULTIPLE_CORRECTIONS)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from supervision_server.db import read_connection
from supervision_server.rule_runner import Owed, owed
from tests.server.helpers import StepClock
from tests.server.rules_support import COMPANY, Hall, accepted, at, make_hall, received

DUE = "2026-12-02T23:59:59+08:00"


@pytest.fixture
def hall(make_app: Callable[..., FastAPI], clock: StepClock) -> Hall:
    return make_hall(make_app, clock)


def test_one_applicants_matter_received_at_two_windows_is_double_accept(hall: Hall) -> None:
    hall.send(3, ("case.received", received("P-D-1", 3), at("09:10")))
    hall.send(4, ("case.received", received("P-D-2", 4), at("10:10")))
    hall.send(4, ("case.accepted", accepted("P-D-2", at("10:12"), DUE), at("10:12")))  # a second look: once
    found = hall.alerts(rule_id="DOUBLE_ACCEPT")
    assert [(a["project_no"], a["details"]["project_nos"], a["level"]) for a in found] == [
        ("P-D-2", ["P-D-1", "P-D-2"], "红牌")
    ]


def test_the_same_window_again_or_after_a_refusal_is_not_double_accept(hall: Hall) -> None:
    hall.send(
        3,
        ("case.received", received("P-D-3", 3), at("09:10")),
        (
            "case.not_accepted",
            {"project_no": "P-D-3", "result_code": 6, "reason": "不属于受理范围"},
            at("09:15"),
        ),
    )
    hall.send(4, ("case.received", received("P-D-4", 4), at("10:10")))  # the first was refused
    hall.send(4, ("case.received", received("P-D-5", 4), at("11:10")))  # same window: a second licence
    hall.send(5, ("case.received", received("P-D-6", 5, cert_no="110105194912310039"), at("11:10")))
    assert hall.rules("DOUBLE_ACCEPT") == []


def test_a_case_closed_before_it_was_accepted_is_time_order(hall: Hall) -> None:
    hall.send(
        3,
        ("case.received", received("P-T-1", 3), at("10:00")),
        ("case.accepted", accepted("P-T-1", at("10:05"), DUE), at("10:05")),
        ("case.closed", {"project_no": "P-T-1", "result_code": 0}, at("09:30")),
    )
    found = hall.alerts(rule_id="TIME_ORDER")
    assert [(a["project_no"], a["details"]["earlier"], a["details"]["later"]) for a in found] == [
        ("P-T-1", "accepted_at", "closed_at")
    ]


def test_times_in_order_are_not_time_order(hall: Hall) -> None:
    hall.send(
        3,
        ("case.received", received("P-T-2", 3), at("10:00")),
        ("case.accepted", accepted("P-T-2", at("10:00"), DUE), at("10:00")),
        ("case.process_started", {"project_no": "P-T-2"}, at("10:30")),
        ("case.closed", {"project_no": "P-T-2", "result_code": 0}, at("16:30")),
        ("case.delivered", {"project_no": "P-T-2"}, at("16:40")),
    )
    assert hall.rules("TIME_ORDER") == []


def test_a_promise_case_issued_minutes_after_acceptance_without_process_is_hasty(hall: Hall) -> None:
    hall.send(
        3,
        ("case.received", received("P-H-1", 3), at("10:00")),
        ("case.accepted", accepted("P-H-1", at("10:01"), DUE), at("10:01")),
        ("case.closed", {"project_no": "P-H-1", "result_code": 0}, at("10:06")),
    )
    assert [(a["project_no"], a["level"]) for a in hall.alerts(rule_id="HASTY_CLOSE")] == [("P-H-1", "黄牌")]


def test_an_instant_case_or_one_with_its_process_recorded_is_not_hasty(hall: Hall) -> None:
    hall.send(
        3,
        (
            "case.received",
            received("P-H-2", 3, task_code=COMPANY, item_name="有限责任公司设立登记", project_type=1),
            at("10:00"),
        ),
        ("case.accepted", accepted("P-H-2", at("10:01"), at("23:59")), at("10:01")),
        ("case.closed", {"project_no": "P-H-2", "result_code": 0}, at("10:06")),
        ("case.received", received("P-H-3", 3, cert_no="110105194912310039"), at("10:10")),
        ("case.accepted", accepted("P-H-3", at("10:11"), DUE), at("10:11")),
        ("case.process_started", {"project_no": "P-H-3"}, at("10:12")),
        ("case.process_recorded", {"project_no": "P-H-3", "node": "审核", "opinion": "同意"}, at("10:14")),
        ("case.closed", {"project_no": "P-H-3", "result_code": 0}, at("10:16")),
    )
    assert hall.rules("HASTY_CLOSE") == []


def test_a_case_received_on_saturday_or_at_night_is_outside_hours(hall: Hall) -> None:
    hall.send(3, ("case.received", received("P-O-1", 3), at("20:15")))
    hall.send(
        3, ("case.received", received("P-O-2", 3, cert_no="110105194912310039"), at("10:00", "2026-11-28"))
    )
    assert hall.rules("OUTSIDE_HOURS") == [("OUTSIDE_HOURS", "P-O-1"), ("OUTSIDE_HOURS", "P-O-2")]


def test_a_case_received_at_opening_and_before_closing_is_in_hours(hall: Hall) -> None:
    hall.send(3, ("case.received", received("P-O-3", 3), at("08:30")))
    hall.send(3, ("case.received", received("P-O-4", 3, cert_no="110105194912310039"), at("17:59")))
    assert hall.rules("OUTSIDE_HOURS") == []


def test_a_case_received_under_a_clerk_not_logged_in_is_flagged(hall: Hall) -> None:
    hall.send(3, ("clerk.logged_in", {"window_no": 3}, at("09:00")), clerk="clerk-7")
    hall.send(3, ("case.received", received("P-L-1", 3), at("09:30")), clerk="clerk-9")
    hall.send(3, ("clerk.logged_out", {"window_no": 3}, at("12:00")), clerk="clerk-7")
    hall.send(
        3, ("case.received", received("P-L-2", 3, cert_no="110105194912310039"), at("12:30")), clerk="clerk-7"
    )
    found = hall.alerts(rule_id="NOT_LOGGED_IN")
    assert [(a["project_no"], a["clerk_id"], a["details"]["logged_in"]) for a in found] == [
        ("P-L-1", "clerk-9", "clerk-7"),
        ("P-L-2", "clerk-7", None),
    ]


def test_one_pass_over_two_windows_judges_each_by_its_own_logins(hall: Hall) -> None:
    """The rules read every window's logins of a pass at once: each case is still judged by the
    window it was received at."""
    hall.send(3, ("clerk.logged_in", {"window_no": 3}, at("09:00")), clerk="clerk-7", settle=False)
    hall.send(4, ("clerk.logged_in", {"window_no": 4}, at("09:00")), clerk="clerk-8", settle=False)
    hall.send(3, ("case.received", received("P-L-5", 3), at("09:30")), clerk="clerk-7", settle=False)
    hall.send(
        4,
        ("case.received", received("P-L-6", 4, cert_no="110105194912310039"), at("09:30")),
        clerk="clerk-7",
        settle=False,
    )
    hall.settle()
    found = hall.alerts(rule_id="NOT_LOGGED_IN")
    assert [(a["project_no"], a["clerk_id"], a["details"]["logged_in"]) for a in found] == [
        ("P-L-6", "clerk-7", "clerk-8")
    ]


def test_the_logged_in_clerk_or_a_window_without_login_events_is_not_flagged(hall: Hall) -> None:
    hall.send(3, ("clerk.logged_in", {"window_no": 3}, at("09:00")), clerk="clerk-7")
    hall.send(3, ("case.received", received("P-L-3", 3), at("09:30")), clerk="clerk-7")
    hall.send(
        4, ("case.received", received("P-L-4", 4, cert_no="110105194912310039"), at("09:30")), clerk="clerk-8"
    )
    assert hall.rules("NOT_LOGGED_IN") == []


def _accepted_and_started(hall: Hall, no: str, cert: str) -> None:
    hall.send(
        3,
        ("case.received", received(no, 3, cert_no=cert), at("09:00")),
        ("case.accepted", accepted(no, at("09:00"), DUE), at("09:00")),
        ("case.process_started", {"project_no": no}, at("09:10")),
    )


def test_a_special_procedure_started_hours_before_the_deadline_is_late_special(hall: Hall) -> None:
    _accepted_and_started(hall, "P-S-1", "11010519491231002X")
    hall.send(
        3,
        (
            "case.suspended",
            {"project_no": "P-S-1", "kind": 2, "reason": "检测", "promise_due": "2026-12-09T23:59:59+08:00"},
            at("16:00", "2026-12-02"),
        ),
    )
    found = hall.alerts(rule_id="LATE_SPECIAL")
    assert [(a["project_no"], a["details"]["promise_due"]) for a in found] == [
        ("P-S-1", "2026-12-02T23:59:59+08:00")
    ]


def test_a_special_procedure_started_early_is_not_late_special(hall: Hall) -> None:
    _accepted_and_started(hall, "P-S-2", "11010519491231002X")
    hall.send(
        3,
        (
            "case.suspended",
            {"project_no": "P-S-2", "kind": 2, "reason": "检测", "promise_due": "2026-12-09T23:59:59+08:00"},
            at("10:00", "2026-11-27"),
        ),
    )
    assert hall.rules("LATE_SPECIAL") == []


def _closures(hall: Hall, window_no: int, refused: int, issued: int, prefix: str) -> None:
    items = []
    for n in range(refused + issued):
        no = f"{prefix}-{n}"
        cert = f"1101051949123{n:04d}X"
        items.append(("case.received", received(no, window_no, cert_no=cert), at("09:00")))
        if n < refused:
            items.append(
                ("case.not_accepted", {"project_no": no, "result_code": 6, "reason": "材料不全"}, at("09:05"))
            )
        else:
            items.append(("case.accepted", accepted(no, at("09:05"), DUE), at("09:05")))
            items.append(("case.process_started", {"project_no": no}, at("09:30")))
            items.append(("case.process_recorded", {"project_no": no, "node": "审核"}, at("10:00")))
            items.append(("case.closed", {"project_no": no, "result_code": 0}, at("11:00")))
    hall.send(window_no, *items)


def test_a_window_refusing_far_more_than_the_hall_is_flagged_once_a_day(hall: Hall) -> None:
    _closures(hall, 3, 6, 6, "P-R3")
    _closures(hall, 4, 1, 11, "P-R4")
    hall.watch("12:00")
    hall.watch("13:00")
    found = hall.alerts(rule_id="CLOSURE_RATE")
    assert [(a["window_no"], a["details"]["rate"], a["details"]["hall_rate"]) for a in found] == [
        (3, 0.5, 0.0833)
    ]


def test_a_window_refusing_like_the_hall_is_not_flagged(hall: Hall) -> None:
    _closures(hall, 3, 5, 7, "P-R5")  # 42%, but the hall refuses 33%
    _closures(hall, 4, 4, 8, "P-R6")
    hall.watch("12:00")
    assert hall.rules("CLOSURE_RATE") == []


def test_a_window_refusing_a_few_where_the_hall_refuses_none_is_not_flagged(hall: Hall) -> None:
    _closures(hall, 3, 3, 9, "P-R7")  # 25%: above the hall's 0%, below the 30% floor
    _closures(hall, 4, 0, 12, "P-R8")
    _closures(hall, 5, 1, 9, "P-R9")  # 10 cases, the fewest a window needs to be judged
    hall.watch("12:00")
    assert hall.rules("CLOSURE_RATE") == []


def test_a_second_correction_notice_for_one_case_is_flagged(hall: Hall) -> None:
    hall.send(
        3,
        ("case.received", received("P-C-1", 3), at("09:00")),
        ("case.correction_requested", {"project_no": "P-C-1", "missing": ["营业执照"]}, at("09:05")),
        ("case.correction_requested", {"project_no": "P-C-1", "missing": ["章程"]}, at("10:05")),
    )
    assert [(a["project_no"], a["level"]) for a in hall.alerts(rule_id="MULTIPLE_CORRECTIONS")] == [
        ("P-C-1", "黄牌")
    ]


def test_one_correction_notice_then_acceptance_is_not_flagged(hall: Hall) -> None:
    hall.send(
        3,
        ("case.received", received("P-C-2", 3, cert_no="110105194912310039"), at("09:10")),
        ("case.correction_requested", {"project_no": "P-C-2", "missing": ["营业执照"]}, at("09:15")),
        ("case.accepted", accepted("P-C-2", at("09:30"), DUE), at("09:30")),
    )
    assert hall.rules("MULTIPLE_CORRECTIONS") == []


def owed_by(hall: Hall) -> list[Owed]:
    with read_connection(hall.app.state.ctx.engine) as conn:
        return owed(conn)


def test_a_rule_that_fails_never_costs_the_batch(hall: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in a rule never touches the batch: it is stored and acknowledged before the rules
    run, and stays owed to them until a pass succeeds."""
    from supervision_server import rules

    def broken(conn: object, scope: object) -> list[object]:
        raise RuntimeError("a rule with a bug")

    broken_checks = tuple(
        rules.RuleCheck(c.rule_ids, broken, True) if c.rule_ids == ("TIME_ORDER",) else c
        for c in rules.CHECKS
    )
    monkeypatch.setattr(rules, "CHECKS", broken_checks)
    hall.send(3, ("case.received", received("P-BUG-1", 3), at("20:15")), settle=False)  # OUTSIDE_HOURS
    with pytest.raises(RuntimeError, match="a rule with a bug"):
        hall.settle()
    reply = hall.client.get(
        "/api/v1/cases",
        params={"project_no": "P-BUG-1"},
        headers={"Authorization": "Bearer test-admin-token-0123456789abcdef"},
    )
    assert [c["project_no"] for c in reply.json()["cases"]] == ["P-BUG-1"]
    assert hall.rules("OUTSIDE_HOURS") == []  # the whole pass is one transaction, rolled back
    device_id = hall.window(3).chain.device_id
    owed_now = owed_by(hall)
    assert [(o.device_id, o.first, o.last) for o in owed_now if o.device_id == device_id] == [
        (device_id, 1, 1)
    ]
    monkeypatch.undo()
    hall.settle()  # the runner's next pass, the rule fixed
    assert hall.rules("OUTSIDE_HOURS") == [("OUTSIDE_HOURS", "P-BUG-1")]
    assert [o for o in owed_by(hall) if o.device_id == device_id] == []
