"""The kiosk, the hall display and the queue panel in English, and the queue panel's waiting
counts across a server outage, through real widgets against a real server process; and the
English translation itself: every source text translated, none missing from it.

Screenshots at 1366x768 go to ``SC_SCREENSHOT_DIR`` when it is set.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication, QLabel

from counter_app.domain.queue import HALL_TZ, TicketState, display_call
from counter_app.services.clock import FixedClock
from counter_app.ui import queue_panel
from counter_app.ui.i18n import I18N, install_translator, translated_sources
from counter_app.ui.look import apply_look
from counter_app.ui.modes import Built, build, open_screen
from tests.sync.sync_server import ServerProcess
from tests.ui.test_queue_modes import Hall

TS = I18N / "counter_en.ts"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.fixture
def hall(server: ServerProcess, tmp_path: Path, qapp: QApplication) -> Iterator[Hall]:
    apply_look(qapp)
    built = Hall(server, tmp_path)
    yield built
    built.close()


def messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    """(context, source) -> the <translation> element of every current message of ``ts``."""
    found: dict[tuple[str, str], ET.Element] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            if translation.get("type") in ("obsolete", "vanished"):
                continue
            found[(name, message.findtext("source", ""))] = translation
    return found


def test_every_source_text_of_the_english_translation_is_translated() -> None:
    found = messages(TS)
    assert len(found) == 299
    untranslated = [
        key for key, t in found.items() if t.get("type") == "unfinished" or not (t.text or "").strip()
    ]
    assert untranslated == []
    # the same placeholders on both sides, so .format() fills the translation as it fills the source
    mismatched = [
        key
        for key, t in found.items()
        if sorted(PLACEHOLDER.findall(key[1])) != sorted(PLACEHOLDER.findall(t.text or ""))
    ]
    assert mismatched == []


def test_the_translation_holds_every_text_the_translated_modules_mark(tmp_path: Path) -> None:
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    fresh = tmp_path / "fresh.ts"
    done = subprocess.run(
        [
            str(lupdate),
            *map(str, translated_sources()),
            "-source-language",
            "zh_CN",
            "-target-language",
            "en",
            "-ts",
            str(fresh),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(messages(fresh)) == sorted(messages(TS))


def test_the_marked_ticket_states_are_the_domains_labels() -> None:
    assert sorted(queue_panel.STATE_LABELS) == sorted(state.label for state in TicketState)


@pytest.fixture
def english(qapp: QApplication, tmp_path: Path) -> Iterator[QTranslator]:
    translator = install_translator(qapp, "en")
    assert translator is not None
    yield translator
    qapp.removeTranslator(translator)


def paused_reasons(store: Any) -> list[str]:
    """The reasons of the pauses the window recorded, as recorded."""
    from sqlalchemy import select

    from counter_app.store import schema

    with store.read() as conn:
        rows = conn.execute(select(schema.events.c.type, schema.events.c.envelope)).all()
    return [json.loads(r.envelope)["payload"]["reason"] for r in rows if r.type == "window.paused"]


def shoot(widget: Any, name: str, qtbot: Any) -> None:
    folder = os.environ.get("SC_SCREENSHOT_DIR")
    if not folder:
        return
    widget.resize(1366, 768)
    widget.show()
    qtbot.wait(150)
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(path))


def texts(widget: Any) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.text()]


def test_the_kiosk_display_and_queue_panel_speak_english(
    hall: Hall, english: QTranslator, qtbot: Any
) -> None:
    display = hall.mode("display", 20, qtbot)
    display.resize(1366, 768)
    display.show()
    qtbot.waitUntil(lambda: display.board.get("hall_code") == hall.code, timeout=15000)
    assert display.windowTitle() == "云溪市政务服务中心 · Call display"
    assert display.current.text() == "Welcome. Please take a ticket and watch for your number"
    qtbot.waitUntil(lambda: display.state.text() in ("Live", "Polling"), timeout=15000)

    kiosk = hall.mode("kiosk", 1, qtbot)
    kiosk.resize(1366, 768)
    kiosk.show()
    assert kiosk.windowTitle() == "云溪市政务服务中心 · Take a ticket"
    assert "云溪市政务服务中心\nPlease choose your service" in texts(kiosk)
    assert kiosk.priority.text() == "Priority lane (elderly, disabled, military and others first)"
    assert kiosk.id_no.placeholderText() == "ID card number (optional)"
    shoot(kiosk, "kiosk-en", qtbot)
    for expected in ("A001", "A002"):
        kiosk.back()
        kiosk.category_buttons["A"].click()
        qtbot.waitUntil(
            lambda e=expected: kiosk.pages.currentIndex() == 1 and kiosk.number.text() == e, timeout=15000
        )
    assert kiosk.message.text() == "Your number is A002; 1 waiting ahead of you"
    assert kiosk.note.text() == "Please take your slip and watch the call screen and announcements"
    shoot(kiosk, "kiosk-ticket-en", qtbot)
    kiosk.back()

    panel = hall.mode("queue-panel", 3, qtbot)
    panel.resize(1366, 768)
    panel.show()
    assert panel.title.text() == "Window 3"
    assert panel.ticket.text() == "Free"
    assert [b.text() for b in panel.buttons.values()] == [
        "Call next (F1)",
        "Recall (F2)",
        "No-show (F3)",
        "Transfer (F4)",
        "Pause (F5)",
        "Start (F6)",
        "Hold (F7)",
        "Finish (F8)",
        "Call back held",
        "Serve without ticket",
    ]
    assert panel.typed.placeholderText() == "Manual call: type the number on the slip"
    qtbot.waitUntil(lambda: panel.waiting.text() == "Waiting — A: 2", timeout=15000)
    # the pause reasons read in English and are recorded in the hall's words
    panel.buttons["pause"].click()
    dialog = panel.dialog
    assert dialog is not None and dialog.windowTitle() == "Pause"
    reasons = [dialog.choice.itemText(i) for i in range(dialog.choice.count())]  # type: ignore[attr-defined]
    assert reasons == ["Lunch break", "Away briefly", "Training", "Equipment fault", "Other"]
    dialog.choice.setCurrentIndex(2)  # type: ignore[attr-defined]
    dialog.accept()
    qtbot.waitUntil(lambda: panel.paused and panel.ticket.text() == "Paused", timeout=15000)
    assert panel.buttons["pause"].text() == "Resume (F5)"
    assert paused_reasons(panel.queue.store) == ["业务培训"]
    panel.buttons["pause"].click()
    qtbot.waitUntil(lambda: not panel.paused and panel.ticket.text() == "Free", timeout=15000)
    panel.call_next()
    qtbot.waitUntil(lambda: panel.ticket.text() == "A001", timeout=15000)
    assert panel.state.text() == "Called"
    shoot(panel, "queue-panel-en", qtbot)

    # the hall hears the call in Chinese; the screen shows it in English
    qtbot.waitUntil(lambda: len(display.announcer.spoken) == 1, timeout=30000)
    assert display.announcer.spoken == ["请 A 零零一 号 到 三 号窗口办理"]
    qtbot.waitUntil(lambda: display.current.text() == "Number A001, please go to window 3", timeout=15000)
    qtbot.waitUntil(lambda: "Queue A:  1 waiting" in texts(display), timeout=15000)
    shown = texts(display)
    for text in ("Now serving", "Recent calls", "Waiting", "Window 3", "A001", "A001  →  Window 3"):
        assert text in shown
    shoot(display, "display-en", qtbot)


def test_each_mode_opens_in_the_language_asked_for_or_set(hall: Hall, qapp: QApplication, qtbot: Any) -> None:
    from counter_app.cli import build_parser

    parser = build_parser()
    for mode in ("kiosk", "display", "queue-panel"):
        assert parser.parse_args([mode, "--lang", "en"]).lang == "en"
        with pytest.raises(SystemExit):
            parser.parse_args([mode, "--lang", "fr"])
    store = hall.device(3)

    def title(lang: str | None) -> str:
        built: Built = open_screen("queue-panel", store, "clerk-07", lang=lang)
        hall.built.append(built)
        qtbot.addWidget(built.widget)
        if built.translator is not None:
            qapp.removeTranslator(built.translator)
        return str(built.widget.title.text())

    assert title(None) == "3号窗口"
    assert title("en") == "Window 3"
    command = [
        sys.executable,
        "-m",
        "counter_app.cli",
        "--data-dir",
        str(store.data_dir.root),
        "--clerk",
        "0307",
    ]
    done = subprocess.run([*command, "config", "language", "en"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert title(None) == "Window 3"
    assert title("zh") == "3号窗口"


def test_in_chinese_the_display_shows_the_call_in_the_domains_words(hall: Hall, qtbot: Any) -> None:
    display = hall.mode("display", 20, qtbot)
    assert display.shown_call("A005", 3) == display_call("A005", 3) == "请A005号到3号窗口办理"


def test_offline_the_panel_says_its_waiting_count_is_the_last_known_until_the_server_is_back(
    tmp_path: Path, qapp: QApplication, qtbot: Any
) -> None:
    own = ServerProcess(tmp_path / "server")
    own.start()
    hall = Hall(own, tmp_path)
    apply_look(qapp)
    try:
        kiosk = hall.mode("kiosk", 1, qtbot)
        at_1402 = FixedClock(datetime.now(HALL_TZ).replace(hour=14, minute=2, second=31))
        built = build("queue-panel", hall.device(3), "clerk-07", clock=at_1402)
        hall.built.append(built)
        panel = built.widget
        qtbot.addWidget(panel)
        panel.resize(1366, 768)
        panel.show()
        for _ in range(5):
            kiosk.category_buttons["A"].click()
            qtbot.waitUntil(lambda: kiosk.pages.currentIndex() == 1, timeout=15000)
            kiosk.back()
        qtbot.waitUntil(lambda: panel.waiting.text() == "等候：A 类 5 人", timeout=15000)
        assert panel.waiting.property("role") == "status"
        assert panel.waiting.toolTip() == ""

        own.stop()
        at_1402.advance(minutes=3)  # the clock goes on; the count stays the one of 14:02
        qtbot.waitUntil(lambda: panel.waiting.text() == "等候：A 类 5 人（离线，14:02 时）", timeout=20000)
        assert panel.waiting.property("role") == "warning"
        assert panel.waiting.toolTip() == "与服务器断开：这是最后一次收到的等候人数，可能已不是当前人数"
        shoot(panel, "queue-panel-offline", qtbot)
        english = install_translator(qapp, "en")  # the service's refusal, read in English
        assert english is not None
        try:
            panel.call_next()
            qtbot.waitUntil(lambda: panel.message.text().startswith("[QUEUE_OFFLINE]"), timeout=20000)
            assert panel.message.text() == (
                "[QUEUE_OFFLINE] Cannot reach the e-supervision server: call the number on the citizen's slip"
                " by hand, or serve without a ticket"
            )
        finally:
            qapp.removeTranslator(english)

        own.start()
        qtbot.waitUntil(lambda: panel.waiting.text() == "等候：A 类 5 人", timeout=30000)
        assert panel.waiting.property("role") == "status"
        assert panel.counts_at == at_1402.now
        kiosk.category_buttons["A"].click()  # and it is live again: the next ticket shows
        qtbot.waitUntil(lambda: panel.waiting.text() == "等候：A 类 6 人", timeout=15000)
    finally:
        hall.close()
        own.stop()
