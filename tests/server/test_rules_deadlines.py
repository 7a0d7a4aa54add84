"""Deadline cards in working days on the hall calendar (supervision_server.rules.deadlines).

The case is accepted on Wednesday 2026-11-25 for 食品经营许可证核发 (statutory 10 working days:
due Wednesday 2026-12-09) and promised for Wednesday 2026-12-02 (5 working days)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from tests.server.helpers import StepClock
from tests.server.rules_support import Hall, accepted, at, make_hall, received

DUE = "2026-12-02T23:59:59+08:00"
CARDS = ("DEADLINE_NEAR", "OVERDUE_PROMISE", "OVERDUE_STATUTORY")


@pytest.fixture
def hall(make_app: Callable[..., FastAPI], clock: StepClock) -> Hall:
    h = make_hall(make_app, clock)
    h.send(
        3,
        ("case.received", received("P-DL-1", 3), at("09:00")),
        ("case.accepted", accepted("P-DL-1", at("09:05"), DUE), at("09:05")),
        ("case.process_started", {"project_no": "P-DL-1"}, at("09:30")),
    )
    return h


def test_the_cards_come_one_working_day_before_after_the_promise_and_after_the_statutory_limit(
    hall: Hall,
) -> None:
    hall.watch("17:00", "2026-11-30")  # Monday: two working days left
    assert hall.rules(*CARDS) == []
    hall.watch("09:00", "2026-12-01")  # Tuesday: the working day before
    hall.watch("17:00", "2026-12-01")
    assert hall.rules(*CARDS) == [("DEADLINE_NEAR", "P-DL-1")]
    hall.watch("23:59", "2026-12-02")  # the promised day itself is not over
    assert hall.rules(*CARDS) == [("DEADLINE_NEAR", "P-DL-1")]
    hall.watch("09:00", "2026-12-03")
    assert hall.rules(*CARDS) == [("DEADLINE_NEAR", "P-DL-1"), ("OVERDUE_PROMISE", "P-DL-1")]
    hall.watch("17:00", "2026-12-09")  # the statutory day itself is not yet over
    assert len(hall.rules(*CARDS)) == 2
    hall.watch("09:00", "2026-12-10")
    found = hall.alerts(rule_id="OVERDUE_STATUTORY")
    assert [(a["project_no"], a["level"], a["details"]["statutory_due"]) for a in found] == [
        ("P-DL-1", "红牌", "2026-12-09T23:59:59+08:00")
    ]
    assert [a["level"] for a in hall.alerts(project_no="P-DL-1")] == ["预警", "黄牌", "红牌"]


def test_a_case_closed_in_time_gets_no_card_and_its_warning_closes_itself(hall: Hall) -> None:
    hall.watch("09:00", "2026-12-01")
    hall.send(3, ("case.closed", {"project_no": "P-DL-1", "result_code": 0}, at("10:00", "2026-12-01")))
    hall.watch("09:00", "2026-12-10")
    found = hall.alerts(project_no="P-DL-1")
    assert [(a["rule_id"], a["state"]) for a in found] == [("DEADLINE_NEAR", "CLOSED")]


def test_a_weekend_between_counts_no_working_day(hall: Hall) -> None:
    hall.send(
        4,
        ("case.received", received("P-DL-2", 4, cert_no="110105194912310039"), at("09:00")),
        ("case.accepted", accepted("P-DL-2", at("09:05"), "2026-11-30T23:59:59+08:00"), at("09:05")),
    )
    hall.watch("10:00", "2026-11-27")  # Friday is the working day before Monday
    assert hall.rules("DEADLINE_NEAR") == [("DEADLINE_NEAR", "P-DL-2")]


def test_a_matter_without_a_statutory_limit_gets_no_red_card(hall: Hall) -> None:
    """住房公积金异地转移接续: the catalog states no statutory limit (0) and promises 5 working days."""
    transfer = received("P-DL-3", 4, cert_no="110105194912310039")
    transfer.update(
        task_code="12330785002548774Y4GG2100700000", item_name="住房公积金异地转移接续", dept_code="GJJ"
    )
    hall.send(
        4,
        ("case.received", transfer, at("09:00")),
        ("case.accepted", accepted("P-DL-3", at("09:05"), DUE), at("09:05")),
    )
    hall.watch("09:00", "2026-12-10")
    assert hall.rules("OVERDUE_STATUTORY", "OVERDUE_PROMISE") == [
        ("OVERDUE_PROMISE", "P-DL-1"),
        ("OVERDUE_STATUTORY", "P-DL-1"),
        ("OVERDUE_PROMISE", "P-DL-3"),
    ]


def _special(
    kind: int, start: tuple[str, str], end: tuple[str, str], extend_days: int = 0
) -> list[tuple[str, dict[str, Any], str]]:
    """特别程序 of P-DL-1 from ``start`` to ``end`` ((day, hall time) each), as the window records it."""
    begin = {"project_no": "P-DL-1", "kind": kind, "reason": "专家评审", "extend_days": extend_days}
    return [
        ("case.suspended", begin, at(start[1], start[0])),
        ("case.resumed", {"project_no": "P-DL-1", "outcome": "评审通过"}, at(end[1], end[0])),
    ]


def test_a_clock_stopping_special_procedure_moves_the_statutory_limit_by_its_working_days(hall: Hall) -> None:
    """专家评审 from Thursday 11-26 to Monday 11-30: Friday 27 and Monday 30 are stopped working days,
    so the statutory Wednesday 12-09 becomes Friday 12-11."""
    hall.send(3, *_special(2, ("2026-11-26", "10:00"), ("2026-11-30", "10:00")))
    hall.watch("09:00", "2026-12-11")
    assert hall.rules("OVERDUE_STATUTORY") == []
    hall.watch("09:00", "2026-12-12")
    found = hall.alerts(rule_id="OVERDUE_STATUTORY")
    assert [(a["project_no"], a["details"]["statutory_due"]) for a in found] == [
        ("P-DL-1", "2026-12-11T23:59:59+08:00")
    ]


def test_an_approved_extension_adds_its_days_to_the_statutory_limit(hall: Hall) -> None:
    """延长审批 by 5 working days: the statutory Wednesday 12-09 becomes Wednesday 12-16."""
    hall.send(3, *_special(1, ("2026-11-26", "10:00"), ("2026-11-26", "11:00"), extend_days=5))
    hall.watch("17:00", "2026-12-16")
    assert hall.rules("OVERDUE_STATUTORY") == []
    hall.watch("09:00", "2026-12-17")
    found = hall.alerts(rule_id="OVERDUE_STATUTORY")
    assert [(a["project_no"], a["details"]["statutory_due"]) for a in found] == [
        ("P-DL-1", "2026-12-16T23:59:59+08:00")
    ]
