"""A smaller simulated hall day (bench/hall_day.py): every planted misconduct is caught, and no
alert falls on an honest window. Real server on loopback, real window services and pushers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.hall_day import DELETER, LATE, OFF_BOOK, PLANTED, SKEWED, confusion, simulate

pytestmark = pytest.mark.slow
PLANTED_LABELS = {label for label, _ in PLANTED.values()}


def test_a_small_hall_day_catches_every_planted_case_and_nothing_else(tmp_path: Path) -> None:
    day = simulate(tmp_path, cases=80, windows=14, seed=3)
    table = confusion(day)
    caught = {(row["window"], row["planted"]): (row["count"], row["caught"]) for row in table["rows"]}
    assert all(count >= 1 and found == count for count, found in caught.values()), table["rows"]
    rules = {row["window"]: row["rules"] for row in table["rows"] if row["planted"] in PLANTED_LABELS}
    assert rules[OFF_BOOK]["NOT_IN_HALL"] == 1
    assert rules[SKEWED]["CLOCK_SKEW"] == 1
    assert (rules[DELETER]["LEDGER_HOLE"], rules[DELETER]["OFF_BOOK"]) == (1, 1)
    assert rules[LATE]["LATE_ENTRY"] == len(day.windows[LATE].later)
    assert table["false_positives"] == []
    assert table["silent_still_open"] == 0  # the outage windows' SILENT closed when they came back
    rows = [(row["window"], row["planted"], row["count"]) for row in table["rows"]]
    assert [r[:2] for r in rows] == [
        (6, "不录办件（明进暗不进）"),
        (5, "次日补录办件"),
        (4, "同步前删除本机办件记录"),
        (8, "窗口时钟快一小时"),
        (None, "部门台账有、大厅无办件"),
        (5, "部门办结后才在大厅登记"),
        (12, "断网（诚实窗口）"),
        (13, "断网（诚实窗口）"),
    ]
    register = table["register"]
    assert (register["missing"], register["late"]) == (len(day.register_missing), len(day.register_late))
