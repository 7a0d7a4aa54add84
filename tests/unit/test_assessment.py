"""Assessment figures, the score sheet and the 三到位 indicators on a small planted hall, exact numbers."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain.catalog import Catalog, load_catalog
from counter_app.domain.errors import DomainError
from counter_app.resources import resources_dir
from supervision_server.assessment import (
    AlertRow,
    CaseRow,
    PauseRow,
    RatingRow,
    Rows,
    ScoreSheet,
    TicketRow,
    assess,
    hall_figures,
    percentile,
)
from supervision_server.indicators import indicators

DAY = "2026-11-25"
AS_OF = datetime.fromisoformat("2026-11-30T18:00:00+08:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text if "T" in text else f"{DAY}T{text}:00+08:00")


def ticket(window: int, clerk: str, dept: str, cat: str, number: str, issued: str, called: str,
           started: str | None, ended: str, outcome: str) -> TicketRow:  # fmt: skip
    return TicketRow(DAY, number, cat, window, clerk, dept, at(issued), at(called),
                     at(started) if started else None, at(ended), outcome)  # fmt: skip


def case(no: str, project_type: int, state: str, *, due: str | None = None, closed: str | None = None,
         corrections: int = 0, window: int = 1, clerk: str = "c1", dept: str = "SCJG", cat: str = "A",
         task: str = "T1", reached: float | None = 60.0, accepted: bool = True) -> CaseRow:  # fmt: skip
    return CaseRow(
        project_no=no, window_no=window, clerk_id=clerk, dept_code=dept, category=cat, task_code=task,
        project_type=project_type, state=state, result_code=6 if state == "NOT_ACCEPTED" else None,
        received_at=at("09:15"), accepted_at=at("09:16") if accepted else None,
        promise_due=at(due) if due else None, closed_at=at(closed) if closed else None,
        correction_count=corrections, reached_after_s=reached,
    )  # fmt: skip


def planted() -> Rows:
    return Rows(
        tickets=[
            ticket(1, "c1", "SCJG", "A", "A001", "09:00", "09:10", "09:11", "09:21", "CASE"),
            ticket(1, "c1", "SCJG", "A", "A002", "09:05", "09:25", "09:26", "09:31", "CONSULT"),
            ticket(1, "c1", "SCJG", "A", "A003", "09:20", "09:35", None, "09:38", "NO_SHOW"),
            ticket(7, "c2", "GA", "B", "B001", "09:00", "09:40", "09:41", "10:01", "CASE"),
        ],
        cases=[
            case("N1", 1, "CLOSED", due="2026-11-25T17:00:00+08:00", closed="09:20"),
            case("N2", 2, "CLOSED", due="2026-11-27T17:00:00+08:00", closed="2026-11-28T10:00:00+08:00"),
            case("N3", 2, "NOT_ACCEPTED", corrections=1, accepted=False),
            case("N4", 2, "IN_PROCESS", due="2026-11-26T17:00:00+08:00", reached=7200.0),
        ],
        ratings=[
            RatingRow(1, "c1", "SCJG", "A", 5),
            RatingRow(1, "c1", "SCJG", "A", 1),
            RatingRow(1, "c1", "SCJG", "A", None),
        ],
        alerts=[
            AlertRow("预警", 1, "c1", "SCJG"),
            AlertRow("黄牌", 1, "c1", "SCJG"),
            AlertRow("红牌", None, None, None),
        ],
        pauses=[PauseRow(1, "c1", "SCJG", DAY, 120.0)],
    )


def test_window_figures_are_exact() -> None:
    w1, w7 = assess(planted(), "window", AS_OF, ScoreSheet())
    assert (w1.key, w7.key) == ("1", "7")
    assert (w1.tickets_called, w1.tickets_served, w1.no_shows) == (3, 2, 1)
    assert w1.no_show_rate == pytest.approx(1 / 3)
    assert (w1.wait_avg_s, w1.wait_p90_s) == (900.0, 1200.0)
    assert (w1.service_avg_s, w1.service_p90_s) == (450.0, 600.0)
    assert (w1.cases_received, w1.cases_accepted, w1.closed_with_due, w1.overdue) == (4, 3, 2, 2)
    assert (w1.instant_share, w1.not_accepted_rate, w1.correction_rate, w1.on_time_rate) == (
        0.25,
        0.25,
        0.25,
        0.5,
    )
    assert (w1.ratings_given, w1.ratings_declined, w1.bad_share, w1.avg_level) == (2, 1, 0.5, 3.0)
    assert w1.rated_share == pytest.approx(2 / 3)
    assert w1.alerts == {"预警": 1, "黄牌": 1, "红牌": 0}
    # span 09:10-09:38 = 1680 s, with a ticket 660 + 360 + 180 s, paused 120 s
    assert (w1.paused_s, w1.idle_s) == (120.0, 360.0)
    # on time 50, satisfaction 50, wait 100, rated 66.7, alerts 100 - 2 - 10 = 88
    assert w1.score == 66.8
    # only wait (40 min: 16.7) and alerts (100) are measured: (15 × 16.67 + 20 × 100) / 35
    assert (w7.tickets_served, w7.wait_avg_s, w7.on_time_rate, w7.bad_share, w7.score) == (
        1,
        2400.0,
        None,
        None,
        64.3,
    )


def test_an_open_case_is_not_overdue_before_its_date() -> None:
    (w1, _) = assess(planted(), "window", datetime.fromisoformat("2026-11-26T12:00:00+08:00"))
    assert w1.overdue == 1  # N2 closed late; N4 due 11-26 17:00 is still in time at noon


def test_clerk_department_and_category_groupings() -> None:
    rows = planted()
    assert [(f.key, f.tickets_served, f.cases_received) for f in assess(rows, "clerk", AS_OF)] == [
        ("c1", 2, 4),
        ("c2", 1, 0),
    ]
    departments = assess(rows, "department", AS_OF)
    assert [(f.key, f.alerts["预警"], f.ratings_given) for f in departments] == [("GA", 0, 0), ("SCJG", 1, 2)]
    assert [(f.key, f.tickets_called) for f in assess(rows, "category", AS_OF)] == [("A", 3), ("B", 1)]
    hall = hall_figures(rows, AS_OF)
    assert (hall.tickets_called, hall.wait_avg_s, hall.alerts) == (
        4,
        1275.0,
        {"预警": 1, "黄牌": 1, "红牌": 1},
    )
    with pytest.raises(DomainError) as err:
        assess(rows, "floor", AS_OF)
    assert err.value.code == "ASSESSMENT_DIMENSION"


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(v) for v in range(1, 11)], 0.9) == 9.0
    assert percentile([float(v) for v in range(1, 12)], 0.9) == 10.0


def test_score_sheet_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "sheet.toml"
    path.write_text(
        "[weights]\non_time = 0\nsatisfaction = 0\nrated = 0\nwait = 1\nalerts = 1\nwait_target_min = 40\n",
        encoding="utf-8",
    )
    # a bare key after [weights] belongs to it: the target must sit above the table
    with pytest.raises(DomainError) as err:
        ScoreSheet.load(path)
    assert err.value.code == "SCORE_SHEET_INVALID"
    path.write_text(
        "wait_target_min = 40\n[weights]\non_time = 0\nsatisfaction = 0\nrated = 0\nwait = 1\nalerts = 1\n"
        '[alert_points]\n"黄牌" = 50\n',
        encoding="utf-8",
    )
    sheet = ScoreSheet.load(path)
    w1, w7 = assess(planted(), "window", AS_OF, sheet)
    assert (w1.score, w7.score) == (74.0, 100.0)  # w1: wait 100, alerts 100 - 2 - 50 = 48
    assert ScoreSheet.load(None) == ScoreSheet()
    with pytest.raises(DomainError):
        ScoreSheet.from_mapping({"weights": {"speed": 3}})


def small_catalog() -> Catalog:
    """Two departments of the demo catalog, three matters each, with known flags."""
    data: dict[str, Any] = json.loads((resources_dir() / "catalog" / "demo_catalog.json").read_text("utf-8"))
    depts = data["departments"][:2]
    items = []
    for dept in depts:
        items += [i for i in data["items"] if i["dept_code"] == dept["code"]][:3]
    flags = [
        (True, "DECIDE"),
        (True, "ACCEPT_ONLY"),
        (False, "ACCEPT_ONLY"),
        (True, "DECIDE"),
        (True, "DECIDE"),
        (True, "ACCEPT_REVIEW"),
    ]
    for item, (in_hall, authority) in zip(items, flags, strict=True):
        item["in_hall"], item["window_authority"] = in_hall, authority
    data["departments"], data["items"] = depts, items
    return load_catalog(data, "test")


def test_indicators_per_department_and_hall() -> None:
    catalog = small_catalog()
    scjg, ga = catalog.departments
    s_items, g_items = catalog.items_of(scjg.code), catalog.items_of(ga.code)
    rows = planted()
    rows.cases = [
        case("N1", 1, "CLOSED", task=s_items[0].task_code, reached=30.0),
        case("N2", 1, "CLOSED", task=s_items[0].task_code, reached=3600.0),
        case("N3", 1, "CLOSED", task=s_items[1].task_code, reached=3601.0),
        case("N4", 1, "CLOSED", task=g_items[0].task_code, dept="GA", clerk="c2", window=7, reached=None),
    ]
    category = g_items[1].queue_category.prefix
    rows.tickets += [
        ticket(7, "c2", "GA", category, f"{category}00{n}", "10:00", "10:05", "10:06", "10:10", outcome)
        for n, outcome in enumerate(["CONSULT", "TRANSFER", "CONSULT"], 1)
    ]
    s, g, hall = indicators(catalog, rows, {"SCJG": (8, 10)})
    assert (s.items, s.items_in_hall, s.stationed_rate) == (3, 2, 2 / 3)
    assert (s.items_decided, s.authorized_rate) == (1, 0.5)
    assert (s.hall_cases, s.reached_in_hour, s.supervised_rate) == (3, 2, 2 / 3)
    assert (s.staff, s.tickets_served, s.tickets_per_staff) == (1, 2, 2.0)
    assert (s.register_matched, s.register_total, s.register_rate) == (8, 10, 0.8)
    assert (g.stationed_rate, g.authorized_rate, g.supervised_rate) == (1.0, 2 / 3, 0.0)
    assert (g.staff, g.tickets_served, g.register_rate) == (1, 4, None)
    # GA's matters 2 and 3 are stationed, have no hall case, and their category turned 3 away
    hidden = {h["task_code"] for h in g.hidden_matters if h["category"] == category}
    assert g_items[1].task_code in hidden
    assert all(h["hall_cases"] == 0 and h["turned_away"] >= 3 for h in g.hidden_matters)
    assert s.hidden_matters == []
    assert (hall.items, hall.items_in_hall, hall.items_decided, hall.hall_cases, hall.reached_in_hour) == (
        6,
        5,
        3,
        4,
        2,
    )
    assert (hall.staff, hall.tickets_served, hall.register_rate) == (2, 6, 0.8)


def test_periods_a_request_may_ask_for() -> None:
    from datetime import date

    from supervision_server.assessment_report import parse_period, this_month

    now = datetime.fromisoformat("2026-11-30T17:00:00+00:00")  # 12-01 01:00 in the hall
    assert (parse_period(now).start, parse_period(now).end) == (date(2026, 12, 1), date(2026, 12, 1))
    feb = parse_period(now, month="2028-02")
    assert (feb.start, feb.end) == (date(2028, 2, 1), date(2028, 2, 29))
    day = parse_period(now, day="2026-11-25")
    assert (day.start, day.end, day.utc_range) == (
        date(2026, 11, 25),
        date(2026, 11, 25),
        ("2026-11-24T16:00:00.000000+00:00", "2026-11-25T16:00:00.000000+00:00"),
    )
    year = parse_period(now, start="2025-01-01", end="2026-01-01")
    assert (year.end - year.start).days + 1 == 366
    for bad in ({"start": "2025-01-01", "end": "2026-01-02"}, {"start": "2026-01-02", "end": "2026-01-01"},
                {"start": "2026-01-01"}, {"month": "2026-13"}, {"day": "25/11/2026"}):  # fmt: skip
        with pytest.raises(DomainError) as err:
            parse_period(now, **bad)
        assert err.value.code == "ASSESSMENT_PERIOD"
    month = this_month(now)
    assert (month.start, month.end) == (date(2026, 12, 1), date(2026, 12, 1))
