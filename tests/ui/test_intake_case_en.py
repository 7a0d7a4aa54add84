"""The clerk's two working tabs in English, in the main window logged in against a real server
process: the intake form and case work read in English, while what they record stays in the
hall's words (the same events as in Chinese; lists' choices recorded in Chinese). And the
domain's labels the window translates are the domain's own.

Screenshots at 1366x768 go to ``SC_SCREENSHOT_DIR`` when it is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTranslator
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QWidget,
)

from counter_app.domain import case as case_domain
from counter_app.domain.catalog import MaterialForm, TimeUnit
from counter_app.domain.rating import LEVEL_LABELS
from counter_app.services.case_commands import DELIVERY_PICKUP
from counter_app.services.doc_types import DocType
from counter_app.ui import case_work
from counter_app.ui.i18n import DOMAIN_LABELS, domain_label, install_translator
from counter_app.ui.intake_form import IntakeForm
from counter_app.ui.main_window import MainWindow
from counter_app.ui.window_app import WindowApp
from tests.support import PERSON_ID
from tests.sync.sync_server import ServerProcess
from tests.ui.clerk_window import keyboard
from tests.ui.test_window import enrolled_window, events, log_in, open_window, shoot, shown_whole

pytestmark = pytest.mark.slow
ID_CARD = "居民身份证换领"
ADDRESS = "云溪市人民路1号"


@pytest.fixture
def english(app: QApplication) -> Iterator[QTranslator]:
    translator = install_translator(app, "en")
    assert translator is not None
    yield translator
    app.removeTranslator(translator)


@pytest.fixture
def app() -> QApplication:
    from counter_app.ui.look import apply_look

    instance = QApplication.instance() or QApplication([])
    assert isinstance(instance, QApplication)
    apply_look(instance, 12)
    return instance


@pytest.fixture
def clock() -> Any:
    from datetime import datetime

    from counter_app.services.clock import HALL_TZ, FixedClock

    return FixedClock(datetime.now(HALL_TZ).replace(microsecond=0))


def main_window(
    qtbot: Any, server: ServerProcess, tmp_path: Path, clock: Any
) -> tuple[WindowApp, MainWindow]:
    data, _hall = enrolled_window(server, tmp_path, clock)
    window, dialog = open_window(qtbot, data, clock, start_pusher=False)
    main: MainWindow = log_in(qtbot, window, dialog)
    main.resize(1366, 768)
    main.show()
    qtbot.waitUntil(lambda: main.intake.catalog is not None, timeout=15000)
    return window, main


def idle(qtbot: Any, form: Any) -> None:
    qtbot.waitUntil(lambda: form.session.db.pending == 0, timeout=15000)


def form_labels(layout: QFormLayout) -> list[str]:
    found = []
    for row in range(layout.rowCount()):
        item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
        widget = item.widget() if item is not None else None
        if isinstance(widget, QLabel) and widget.isVisibleTo(widget.window()):
            found.append(widget.text())
    return found


def shown_width(widget: QWidget) -> int:
    """The width of ``widget`` up to the right edge of its window (a layout too wide for the window
    runs past it)."""
    left = widget.mapTo(widget.window(), QPoint(0, 0)).x()
    return min(widget.width(), widget.window().width() - left)


def title_whole(box: QGroupBox) -> bool:
    """Whether the group box's title fits the part of it inside the window (a title never wraps)."""
    return box.fontMetrics().horizontalAdvance(box.title()) + 16 <= shown_width(box)


def text_whole(button: QPushButton) -> bool:
    """Whether the button's text fits the part of it inside the window."""
    button.ensurePolished()  # the font its style sheet sets
    lines = button.text().split("\n")
    return max(button.fontMetrics().horizontalAdvance(line) for line in lines) + 8 <= shown_width(button)


def headers(table: Any) -> list[str]:
    model = table.model()
    return [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]


def pick(qtbot: Any, form: IntakeForm, typed: str, name: str) -> None:
    form.finder.setFocus()
    keyboard(qtbot, form.finder, typed)
    rows = [form.matter_list.item(i).text() for i in range(form.matter_list.count())]
    index = [r.split(" (")[0].split("（")[0] for r in rows].index(name)
    form.matter_list.setCurrentRow(index)
    qtbot.keyClick(form.finder, Qt.Key.Key_Return)
    assert form.item is not None and form.item.name == name


def fill_person(qtbot: Any, form: IntakeForm) -> None:
    for key, text in (
        ("applicant.cert_no", PERSON_ID),
        ("applicant.name", "王建国"),
        ("phone", "13800138000"),
        ("address", ADDRESS),
    ):
        form.inputs[key].setFocus()
        keyboard(qtbot, form.inputs[key], text)


def record(qtbot: Any, form: IntakeForm, key: str) -> str:
    """Press the decision ``key``; the case number once recorded (its preview closed unprinted)."""
    before = form.last_result
    qtbot.mouseClick(form.buttons[key], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.last_result is not before, timeout=15000)
    assert form.last_result is not None
    qtbot.waitUntil(lambda: form.desk.preview is not None and form.desk.preview.isVisible(), timeout=15000)
    return form.last_result.project_no


def case_events(data: Any, project_no: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (kind, payload)
        for kind, payload, _clerk in events(data, "case.")
        if payload["project_no"] == project_no
    ]


def without_case_and_time(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in payload.items()
        if k not in ("project_no", "received_at", "check_code", "accepted_at")
    }


def test_the_domain_labels_the_window_translates_are_the_domains() -> None:
    domain = {
        *case_domain.STATE_LABELS.values(),
        *case_domain.CLOSED_LABELS.values(),
        *case_domain.RESULT_LABELS.values(),
        *case_domain.ACTION_LABELS.values(),
        *(form.label for form in MaterialForm),
        *(unit.value for unit in TimeUnit),
        *LEVEL_LABELS.values(),
        *(doc.label for doc in DocType),
    }
    assert sorted(set(DOMAIN_LABELS)) == sorted(domain)
    assert len(DOMAIN_LABELS) == 41
    assert case_work.DELIVERY_METHODS[0] == DELIVERY_PICKUP


def test_the_lists_recorded_in_chinese_read_in_english(app: QApplication, english: QTranslator) -> None:
    shown = {
        "delivery": [case_work._tr(m) for m in case_work.DELIVERY_METHODS],
        "nodes": [case_work._tr(n) for n in case_work.NODES],
        "actions": [case_work._tr(a) for a in case_work.PROCESS_ACTIONS],
        "forms": [domain_label(f.label) for f in MaterialForm],
        "states": [domain_label(s.label) for s in case_domain.CaseState],
    }
    assert shown == {
        "delivery": ["Collect at the window", "By post", "Electronic delivery"],
        "nodes": ["Handling", "Review", "Approval"],
        "actions": ["Pass", "Send back", "Other"],
        "forms": ["Original", "Copy", "Original and copy", "Electronic"],
        "states": [
            "Received",
            "Awaiting correction",
            "Accepted",
            "In process",
            "Special procedure",
            "Not accepted",
            "Closed",
            "Delivered",
        ],
    }
    assert case_work.DELIVERY_METHODS == ["窗口领取", "邮寄送达", "电子送达"]
    assert case_work.NODES == ["承办", "审核", "批准"]


def test_the_english_intake_form_reads_english_and_records_what_the_chinese_one_does(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: Any, english: QTranslator
) -> None:
    window, main = main_window(qtbot, server, tmp_path, clock)
    try:
        form = main.intake
        assert main.tabs.tabText(0) == "Intake (Ctrl+N)"
        assert form.finder.placeholderText() == (
            "Matter name, code or pinyin initials (e.g. spjy); ↑↓ to choose, Enter to pick"
        )
        assert form.matter_label.text() == "No matter chosen"
        assert form.hint.text() == "Choose a matter first"
        assert [b.title() for b in form.findChildren(QGroupBox)] == [
            "Matter",
            "Applicant",
            "Materials (tick those received; the unticked ones are missing)",
            "Refuse",
        ]
        assert (form.person.text(), form.entity.text()) == ("Person", "Entity")
        assert form_labels(form.form) == ["Applicant type", "ID card number", "Name", "Phone", "Address"]
        assert headers(form.materials) == ["Received", "Material", "Form", "Copies", "Requirement"]
        assert [b.text() for b in form.buttons.values()] == [
            "Accept (Ctrl+Enter)",
            "Finish now (Ctrl+J)",
            "Correction notice (Ctrl+G)",
            "Refuse (Ctrl+R)",
        ]
        assert form.reason.placeholderText() == "Reason for not accepting"
        basis = form.basis.lineEdit()
        assert basis is not None and basis.placeholderText() == "Choose or type the legal basis"
        form.entity.setChecked(True)
        assert form_labels(form.form) == [
            "Applicant type",
            "Credit code (USCC)",
            "Entity name",
            "Legal representative",
            "Phone",
            "Address",
            "Agent's name",
            "Agent's ID number",
        ]
        form.person.setChecked(True)

        pick(qtbot, form, "jmsfzhl", ID_CARD)
        item = form.item
        assert item is not None
        assert (
            form.matter_label.text()
            == f"{ID_CARD} (promised within 20 calendar days)\nMatter code {item.task_code}"
        )
        forms = form.materials.cellWidget(0, 2)
        assert isinstance(forms, QComboBox)
        assert [forms.itemText(i) for i in range(forms.count())] == [
            "Original",
            "Copy",
            "Original and copy",
            "Electronic",
        ]
        needs = [form.materials.item(r, 4).text() for r in range(form.materials.rowCount())]  # type: ignore[union-attr]
        assert needs == ["Required"] * len(needs)
        form.inputs["applicant.cert_no"].setFocus()
        keyboard(qtbot, form.inputs["applicant.cert_no"], "12345")
        assert form.hint.text() == "Correct or fill in: Name, ID card number, Phone"
        # beside the field: the domain's own message, in Chinese with its code kept in the issue
        beside = [i.message for i in form.issues() if i.field == "applicant.cert_no"]
        assert form.errors["applicant.cert_no"].text() == "\n".join(beside) and beside[0][0] > "\u4e00"
        form.inputs["applicant.cert_no"].clear()
        fill_person(qtbot, form)
        assert form.hint.text() == ""
        # the messages the form itself makes read in English
        qtbot.mouseClick(form.buttons["reject"], Qt.MouseButton.LeftButton)
        assert form.errors["reason"].text() == "Enter the reason for not accepting"
        assert form.message.text() == "Correct what is marked in red first"
        for material in item.materials:
            form.tick(material.name)
        qtbot.mouseClick(form.buttons["correction"], Qt.MouseButton.LeftButton)
        assert form.errors["materials"].text() == (
            "All materials are in, no correction notice is needed: accept the case"
        )
        qtbot.wait(100)  # the layout settles after the messages shown and hidden
        shoot(main, "window-intake-en")
        assert shown_whole(form.matter_label) and shown_whole(form.message)
        assert [b.title() for b in form.findChildren(QGroupBox) if not title_whole(b)] == []
        assert [b.text() for b in form.findChildren(QPushButton) if not text_whole(b)] == []

        english_no = record(qtbot, form, "accept")
        due = f"{form.last_result.promise_due:%Y-%m-%d}"  # type: ignore[union-attr]
        assert form.message.text() == f"Case {english_no} ({ID_CARD}): Accepted, due {due}"
        preview = form.desk.preview
        assert preview is not None
        assert preview.windowTitle() == f"Print preview - Acceptance receipt {english_no}"
        assert (preview.print_button.text(), preview.findChildren(type(preview.print_button))[1].text()) == (
            "Print (Ctrl+P)",
            "Close (Esc)",
        )
        qtbot.mouseClick(preview.print_button, Qt.MouseButton.LeftButton)  # no printer set: archived only
        qtbot.waitUntil(lambda: not preview.isVisible(), timeout=15000)
        assert (
            form.message.text() == "Acceptance receipt archived (no printer set for this window: not printed)"
        )
        idle(qtbot, form)
        # a correction notice in English: the missing material's reason is recorded in Chinese
        pick(qtbot, form, "jmsfzhl", ID_CARD)
        fill_person(qtbot, form)
        for material in item.materials[1:]:
            form.tick(material.name)
        correction_no = record(qtbot, form, "correction")
        assert form.message.text() == f"Case {correction_no} ({ID_CARD}): Awaiting correction"
        assert form.desk.preview.windowTitle() == f"Print preview - Correction notice {correction_no}"  # type: ignore[union-attr]
        form.desk.preview.reject()  # type: ignore[union-attr]
        idle(qtbot, form)

        # the same case taken in in Chinese records the same events
        app.removeTranslator(english)
        pick(qtbot, form, "jmsfzhl", ID_CARD)
        fill_person(qtbot, form)
        for material in item.materials:
            form.tick(material.name)
        chinese_no = record(qtbot, form, "accept")
        assert form.message.text() == f"办件 {chinese_no}（{ID_CARD}）已受理，承诺办结时间 {due}"
        form.desk.preview.reject()  # type: ignore[union-attr]
        idle(qtbot, form)
        data = form.session.store.data_dir
        in_english, in_chinese = case_events(data, english_no), case_events(data, chinese_no)
        assert [kind for kind, _ in in_english] == ["case.received", "case.accepted"]
        assert [(k, without_case_and_time(p)) for k, p in in_english] == [
            (k, without_case_and_time(p)) for k, p in in_chinese
        ]
        received = in_english[0][1]
        assert received["note"] == f"联系地址：{ADDRESS}"
        assert [(m["name"], m["form"]) for m in received["materials"]] == [
            (m.name, m.form.value) for m in item.materials
        ]
        correction = case_events(data, correction_no)
        assert [kind for kind, _ in correction] == ["case.received", "case.correction_requested"]
        assert correction[1][1]["missing"] == [{"name": item.materials[0].name, "reason": "未提供"}]
        assert [m["reason"] for m in correction[0][1]["materials"] if m["missing"]] == ["未提供"]
    finally:
        window.shutdown()


def step_dialog(qtbot: Any, work: Any, key: str) -> Any:
    qtbot.mouseClick(work.buttons[key], Qt.MouseButton.LeftButton)
    dialog = work.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def items(box: Any) -> list[str]:
    return [box.itemText(i) for i in range(box.count())]


def confirm(qtbot: Any, work: Any, dialog: Any) -> str:
    before = work.message.text()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: work.message.text() != before and work.session.db.pending == 0, timeout=15000)
    return str(work.message.text())


def history(work: Any) -> list[tuple[str, str, str]]:
    table = work.history
    return [tuple(table.item(r, c).text() for c in (1, 2, 3)) for r in range(table.rowCount())]  # type: ignore[misc]


def test_english_case_work_reads_english_and_records_the_chosen_steps_in_chinese(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: Any, english: QTranslator
) -> None:
    window, main = main_window(qtbot, server, tmp_path, clock)
    try:
        form = main.intake
        pick(qtbot, form, "jmsfzhl", ID_CARD)
        fill_person(qtbot, form)
        assert form.item is not None
        for material in form.item.materials:
            form.tick(material.name)
        project_no = record(qtbot, form, "accept")
        due = f"{form.last_result.promise_due:%Y-%m-%d}"  # type: ignore[union-attr]
        form.desk.preview.reject()  # type: ignore[union-attr]
        idle(qtbot, form)

        today = main.today
        main.tabs.setCurrentWidget(today)
        today.refresh()
        qtbot.waitUntil(lambda: today.model.rowCount() == 1, timeout=10000)
        state = today.model.data(today.model.index(0, 3))
        assert (today.model.rows[0].project_no, state) == (project_no, "Accepted")  # 已受理, shown

        work = main.case_work
        main.tabs.setCurrentWidget(main.case_page)
        assert main.tabs.tabText(1) == "Cases (Ctrl+F)"
        assert work.query.placeholderText() == (
            "Case number, ID number or credit code, name of the person or entity, matter's pinyin initials"
        )
        assert work.by_date.text() == "Received from"
        assert work.header.text() == "Search above and choose a case"
        assert headers(work.results) == [
            "Case number",
            "Matter",
            "Applicant",
            "ID number",
            "State",
            "Received",
            "Due",
        ]
        assert headers(work.history) == ["Time", "Step", "State", "Details", "Clerk"]
        assert headers(work.documents) == ["Time", "Document", "Copy", "Print result", "Clerk"]
        assert [b.text() for b in work.buttons.values()] == [
            "Accept corrected",
            "Start",
            "Record stage",
            "Special procedure",
            "Extend",
            "End special procedure",
            "Close",
            "Deliver",
            "Return",
            "Void",
            "Print/Reprint (Ctrl+P)",
        ]
        assert [b.title() for b in work.findChildren(QGroupBox)] == ["Case detail"]
        labels = [label.text() for label in work.findChildren(QLabel)]
        assert "to" in labels and "History" in labels and "Documents issued" in labels
        assert "Search (Enter)" in [b.text() for b in work.findChildren(QPushButton)]

        work.query.setFocus()
        keyboard(qtbot, work.query, project_no)
        qtbot.keyClick(work.query, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: work.detail is not None and work.session.db.pending == 0, timeout=15000)
        assert work.found.text() == "Found: 1"
        assert work.model.data(work.model.index(0, 4)) == "Accepted"
        assert work.header.text() == (
            f"<b>{project_no}</b>　{ID_CARD}<br>Applicant: 王建国 · ID number: {PERSON_ID} · Phone: 13800138000"
            f"<br>State: <b>Accepted</b> · Due: {due} 23:59 · Ticket: —"
        )
        assert history(work) == [("Received", "Received", ""), ("Accepted", "Accepted", "")]

        dialog = step_dialog(qtbot, work, "start_process")
        assert dialog.windowTitle() == f"Start - {project_no}"
        assert form_labels(dialog.layout_) == ["Stage"]
        assert items(dialog.fields["node"]) == ["Handling", "Review", "Approval"]
        dialog.fields["node"].setCurrentIndex(1)
        assert confirm(qtbot, work, dialog) == f"Case {project_no}: Start recorded (In process)"

        dialog = step_dialog(qtbot, work, "record_process")
        assert form_labels(dialog.layout_) == ["Stage", "Action", "Opinion"]
        assert items(dialog.fields["action"]) == ["Pass", "Send back", "Other"]
        dialog.fields["node"].setEditText("现场核查")  # a stage of the clerk's own, recorded as typed
        dialog.fields["action"].setCurrentIndex(1)
        dialog.fields["opinion"].setFocus()
        keyboard(qtbot, dialog.fields["opinion"], "照片不合格")
        assert confirm(qtbot, work, dialog) == f"Case {project_no}: Record stage recorded (In process)"

        dialog = step_dialog(qtbot, work, "close")
        assert form_labels(dialog.layout_) == [
            "Result",
            "Reason (required when denied or forwarded)",
            "Legal basis (when denied)",
            "Certificate",
            "Certificate number",
            "Delivery",
        ]
        assert items(dialog.fields["result"]) == ["Granted", "Denied", "Forwarded"]
        assert items(dialog.fields["delivery"]) == ["Collect at the window", "By post", "Electronic delivery"]
        dialog.fields["delivery"].setCurrentIndex(1)
        assert confirm(qtbot, work, dialog) == f"Case {project_no}: Close recorded (Closed)"
        qtbot.waitUntil(lambda: work.detail is not None and work.detail["state"] == "CLOSED", timeout=15000)
        assert history(work) == [
            ("Received", "Received", ""),
            ("Accepted", "Accepted", ""),
            ("Started", "In process", ""),
            ("Stage", "In process", "现场核查 退回：照片不合格"),
            ("Closed", "Closed", ""),
        ]
        main.resize(1366, 768)
        qtbot.wait(100)
        shoot(main, "window-cases-en")
        assert [b.text() for b in work.findChildren(QPushButton) if not text_whole(b)] == []
        assert shown_whole(work.header)

        recorded = dict(case_events(form.session.store.data_dir, project_no))
        assert recorded["case.process_started"]["node"] == "审核"
        assert (recorded["case.process_recorded"]["node"], recorded["case.process_recorded"]["action"]) == (
            "现场核查",
            "退回",
        )
        assert recorded["case.closed"]["delivery"] == "邮寄送达"
    finally:
        window.shutdown()


def test_the_english_rating_screen_reads_english_and_records_the_level(
    qtbot: Any, app: QApplication, counter: Any, english: QTranslator
) -> None:
    from counter_app.ui.rating import RatingScreen

    screen = RatingScreen(counter.session)
    screen.clock = counter.clock
    qtbot.addWidget(screen)
    payloads: list[dict[str, Any]] = []
    screen.rated.connect(payloads.append)
    screen.ask("A012", "2026-11-25", [])
    assert screen.windowTitle() == "Rate our service"
    assert "Please rate the service you received" in [label.text() for label in screen.findChildren(QLabel)]
    assert screen.who.text() == "Window 3 · Staff 李娜 (No. 0307) · Ticket A012"
    assert screen.countdown.text() == "Closes in 30 s"
    # two lines where one would not fit the button at the screen's 22pt
    assert [b.text() for b in screen.buttons.values()] == [
        "Very\nsatisfied",
        "Satisfied",
        "Fairly\nsatisfied",
        "Unsatisfied",
        "Very\nunsatisfied",
    ]
    assert screen.decline_button.text() == "No rating"
    qtbot.wait(100)
    shoot(screen, "rating-en")
    qtbot.mouseClick(screen.buttons[min(screen.buttons)], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: payloads != [])
    assert payloads[0]["level"] == 1 and payloads[0]["no_rating"] is None
