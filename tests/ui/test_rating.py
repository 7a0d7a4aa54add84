"""The citizen's rating screen: five levels, 不评价, and no rating when nobody answers, each
recorded as one ``service.rated`` event of the window tied to ticket, cases and clerk."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

from counter_app.domain.rating import Level, Rating
from counter_app.ui.rating import RatingScreen
from tests.ui.clerk_window import Counter

CASES = ["YX330781-20261125-03K7Q-0001", "YX330781-20261125-03K7Q-0002"]


def make_screen(qtbot, counter: Counter) -> tuple[RatingScreen, list[dict]]:  # type: ignore[no-untyped-def]
    screen = RatingScreen(counter.session)
    screen.clock = counter.clock
    qtbot.addWidget(screen)
    payloads: list[dict] = []
    screen.rated.connect(payloads.append)
    return screen, payloads


def test_five_levels_in_order_and_a_press_records_the_rating(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    screen, payloads = make_screen(qtbot, counter)
    screen.ask("A012", "2026-11-25", CASES)
    assert screen.isVisible() and screen.countdown.text() == "30 秒后自动关闭"
    labels = [b.text() for b in screen.buttons.values()]
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert screen.who.text() == "3号窗口　工作人员 李娜（工号 0307）　排队号 A012"
    qtbot.mouseClick(screen.findChild(type(screen.decline_button), "rate:4"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: payloads != [])
    expected = {
        "ticket_no": "A012",
        "business_date": "2026-11-25",
        "case_nos": CASES,
        "level": 4,
        "no_rating": None,
        "comment": "",
    }
    assert payloads == [expected]
    events = counter.events("service.rated")
    assert len(events) == 1
    assert events[0]["payload"] == expected and events[0]["clerk_id"] == "0307"
    assert events[0]["occurred_at"] == "2026-11-25T09:30:00.000+08:00"
    assert Rating.from_payload(events[0]["payload"]).level is not None
    assert not screen.isVisible() and counter.commits == 1
    # a second press does nothing: the rating is recorded once
    screen.choose(Level.VERY_SATISFIED)
    qtbot.waitUntil(lambda: counter.session.db.pending == 0)
    assert len(counter.events("service.rated")) == 1


def test_no_answer_is_recorded_as_no_rating(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    screen, payloads = make_screen(qtbot, counter)
    screen.timeout_s = 2
    screen.ask("B003", "2026-11-25", [])
    assert screen.countdown.text() == "2 秒后自动关闭"
    qtbot.waitUntil(lambda: payloads != [], timeout=10_000)
    assert payloads[0]["level"] is None and payloads[0]["no_rating"] == "timeout"
    assert counter.events("service.rated")[0]["payload"] == payloads[0]
    assert payloads[0]["ticket_no"] == "B003" and payloads[0]["case_nos"] == []
    assert not screen.isVisible()


def test_declined_is_recorded(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    screen, payloads = make_screen(qtbot, counter)
    screen.ask("A013", "2026-11-25", CASES[:1])
    qtbot.mouseClick(screen.decline_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: payloads != [])
    assert payloads[0]["no_rating"] == "declined" and payloads[0]["level"] is None
    assert payloads[0]["case_nos"] == CASES[:1]


def test_a_new_ticket_closes_an_open_rating_as_no_rating(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    screen, payloads = make_screen(qtbot, counter)
    screen.ask("A014", "2026-11-25", [])
    screen.ask("A015", "2026-11-25", [])
    qtbot.mouseClick(screen.buttons[Level.VERY_SATISFIED], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(payloads) == 2)
    assert [(p["ticket_no"], p["level"], p["no_rating"]) for p in payloads] == [
        ("A014", None, "timeout"),
        ("A015", 5, None),
    ]


def test_screenshot(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    screen, _payloads = make_screen(qtbot, counter)
    screen.ask("A012", "2026-11-25", CASES)
    screen.timer.stop()
    assert screen.shown_on is not None
    if folder := os.environ.get("SC_SCREENSHOT_DIR"):
        screen.resize(1366, 768)
        screen.grab().save(str(Path(folder) / "rating-1366x768.png"))
