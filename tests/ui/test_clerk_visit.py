"""A clerk's whole visit through the real main window, with keyboard and mouse, against a real
server process: two tickets from the kiosk; for the first a person case and a company case
(each after an invalid ID / USCC was refused next to its field), the receipt printed, 结束办理
with both cases and the citizen's rating; for the second a 一次性告知 and a 不予受理. Once with
the server up (calling with F1), once with it stopped after login (calling by the number typed
into the panel), where the status bar counts the events waiting and drains after the restart.

Screenshots at 1366x768 go to ``SC_SCREENSHOT_DIR`` when it is set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from counter_app.domain.rating import Level
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import acked_seq, head
from counter_app.store.uow import Store
from counter_app.sync.backoff import Backoff
from counter_app.ui.intake_form import IntakeForm
from counter_app.ui.main_window import MainWindow
from counter_app.ui.printing import QtDocumentPrinter
from tests.support import ENTITY_USCC, PERSON_ID
from tests.sync.sync_server import ServerProcess
from tests.ui.clerk_window import keyboard
from tests.ui.test_intake_form import FOOD, ID_CARD, find, pdf_text, tick_required, type_in
from tests.ui.test_window import (  # noqa: F401  (app is a fixture)
    PASSWORD,
    app,
    enrolled_window,
    events,
    kiosk_tickets,
    log_in,
    open_window,
    shoot,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("app")]  # the look applied
PUSHER = {"backoff": Backoff(base_s=0.2, cap_s=0.5), "interval_s": 600.0, "heartbeat_every_s": None}


def unacked(data: DataDir) -> int:
    """Events in the window's ledger the server has not acknowledged."""
    store = Store(data)
    try:
        with store.read() as conn:
            seq, _hash = head(conn)
            return seq - acked_seq(conn)
    finally:
        store.close()


def clipped(buttons: Any) -> list[str]:
    """The buttons too narrow for their label at the window's size (the label would be cut)."""
    return [b.text() for b in buttons if b.width() < b.sizeHint().width()]


def payloads(data: DataDir, kind: str) -> list[tuple[dict[str, Any], str]]:
    return [(payload, clerk) for k, payload, clerk in events(data, kind) if k == kind]


class Visit:
    """Drives the logged-in main window as the clerk does."""

    def __init__(self, qtbot: Any, main: MainWindow, data: DataDir, printer_pdf: Path) -> None:
        self.qtbot = qtbot
        self.main = main
        self.data = data
        self.panel = main.queue_panel
        assert isinstance(main.intake, IntakeForm)
        self.form: IntakeForm = main.intake
        self.form.desk.make_printer = lambda: QtDocumentPrinter(output_file=str(printer_pdf))
        self.seen: set[str] = set()
        qtbot.waitUntil(lambda: self.form.catalog is not None, timeout=15000)  # loaded on the worker

    def key(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.main.activateWindow()
        self.qtbot.waitUntil(self.main.isActiveWindow, timeout=5000)
        self.qtbot.keyClick(self.main, key, modifier)

    def call_f1(self, number: str) -> None:
        self.key(Qt.Key.Key_F1)
        self.qtbot.waitUntil(lambda: self.panel.ticket.text() == number, timeout=15000)

    def call_typed(self, number: str) -> None:
        """Offline: F1 says the server is away and puts the cursor in the manual-call box."""
        self.key(Qt.Key.Key_F1)
        self.qtbot.waitUntil(lambda: self.panel.message.text().startswith("[QUEUE_OFFLINE]"), timeout=15000)
        assert self.panel.message.text() == (
            "[QUEUE_OFFLINE] 无法连接电子监察服务器：请按取号单上的号码手工叫号，或无号办理"
        )
        self.qtbot.waitUntil(self.panel.typed.hasFocus, timeout=5000)
        self.qtbot.keyClicks(self.panel.typed, number)
        self.qtbot.keyClick(self.panel.typed, Qt.Key.Key_Return)
        self.qtbot.waitUntil(lambda: self.panel.ticket.text() == number, timeout=15000)
        assert self.panel.message.text() == "离线办理：将在网络恢复后上报"

    def start(self) -> None:
        self.key(Qt.Key.Key_F6)
        self.qtbot.waitUntil(lambda: self.panel.buttons["finish"].isEnabled(), timeout=15000)
        assert self.panel.state.text() == "办理中"

    def new_case(self, typed: str, name: str) -> None:
        self.key(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert self.main.tabs.currentWidget() is self.form
        find(self.qtbot, self.form, typed, name)

    def recorded(self) -> str:
        """The number of the case just committed."""
        form = self.form
        self.qtbot.waitUntil(
            lambda: form.last_result is not None and form.last_result.project_no not in self.seen,
            timeout=15000,
        )
        assert form.last_result is not None
        self.seen.add(form.last_result.project_no)
        return form.last_result.project_no

    def preview(self, title: str) -> Any:
        desk = self.form.desk
        self.qtbot.waitUntil(lambda: desk.preview is not None and desk.preview.isVisible(), timeout=15000)
        assert desk.preview is not None and desk.preview.windowTitle() == title
        return desk.preview

    def close_preview(self, title: str) -> None:
        preview = self.preview(title)
        self.qtbot.keyClick(preview, Qt.Key.Key_Escape)
        self.qtbot.waitUntil(lambda: not preview.isVisible(), timeout=5000)
        self.form.desk.preview = None

    def finish(self, case_nos: list[str]) -> None:
        """F8: the dialog offers exactly the cases taken in for the ticket; OK."""
        self.key(Qt.Key.Key_F8)
        dialog: Any = self.panel.dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.case_choice.isChecked() and dialog.case_nos.text() == "，".join(case_nos)
        box = dialog.findChild(QDialogButtonBox)
        self.qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    def rate(self, level: Level) -> None:
        self.qtbot.waitUntil(
            lambda: self.main.rating is not None and self.main.rating.isVisible(), timeout=15000
        )
        rating = self.main.rating
        self.qtbot.addWidget(rating)
        self.qtbot.mouseClick(rating.buttons[level], Qt.MouseButton.LeftButton)
        self.qtbot.waitUntil(lambda: not rating.isVisible(), timeout=5000)


def whole_visit(
    visit: Visit, numbers: list[str], call: Callable[[str], None], tmp_path: Path, shots: bool = False
) -> dict[str, Any]:
    """The visit of the module docstring; what it recorded. ``shots``: take the screenshots."""
    qtbot, form, data = visit.qtbot, visit.form, visit.data
    first, second = numbers
    call(first)
    visit.start()

    # a person: the ID typed wrong first, then corrected; 受理 with Ctrl+Enter
    visit.new_case("jmsfzhl", ID_CARD)
    type_in(qtbot, form, "applicant.cert_no", PERSON_ID[:-1] + "3")
    type_in(qtbot, form, "applicant.name", "王建国")
    type_in(qtbot, form, "phone", "13800138000")
    tick_required(form)
    error = form.errors["applicant.cert_no"]
    assert error.isVisible() and error.text() == "申请人：身份证号校验位错误，请核对最后一位"
    assert not form.buttons["accept"].isEnabled() and form.hint.text() == "请更正或填写：身份证号"
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert payloads(data, "case.received") == []
    form.inputs["applicant.cert_no"].setFocus()
    qtbot.keyClick(form.inputs["applicant.cert_no"], Qt.Key.Key_Backspace)
    qtbot.keyClicks(form.inputs["applicant.cert_no"], PERSON_ID[-1])
    assert not error.isVisible() and form.buttons["accept"].isEnabled()
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    person = visit.recorded()
    # the receipt: preview, 打印, the archived pages read back
    preview = visit.preview(f"打印预览 - 受理回执 {person}")
    qtbot.mouseClick(preview.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: payloads(data, "document.printed") != [], timeout=15000)
    qtbot.waitUntil(lambda: not preview.isVisible(), timeout=5000)
    form.desk.preview = None
    ((printed, printed_by),) = payloads(data, "document.printed")
    assert printed["project_no"] == person and printed["doc_type"] == "receipt" and printed_by == "0307"
    assert printed["printer"] == f"PDF:{tmp_path / 'printer.pdf'}" and printed["printed"] is True
    text = pdf_text(data.root / printed["file"])
    assert "受理回执" in text and person in text and "王建国" in text
    receipt_lines = [line for line in text.splitlines() if "受理人" in line]
    assert len(receipt_lines) == 1 and receipt_lines[0].split("受理人")[1].strip() == "张丽（工号 0307）"

    # a company for the same ticket: an illegal character in the USCC first
    visit.new_case("spjy", FOOD)
    qtbot.mouseClick(form.entity, Qt.MouseButton.LeftButton)
    type_in(qtbot, form, "applicant.cert_no", ENTITY_USCC[:-1] + "I")
    type_in(qtbot, form, "applicant.name", "余杭区味道餐饮有限公司")
    type_in(qtbot, form, "applicant.legal_rep", "陈晓峰")
    type_in(qtbot, form, "phone", "0571-88889999")
    tick_required(form)
    error = form.errors["applicant.cert_no"]
    assert error.isVisible()
    assert error.text() == "申请人：统一社会信用代码含非法字符：I（不使用 I、O、Z、S、V）"
    assert not form.buttons["accept"].isEnabled() and form.hint.text() == "请更正或填写：统一社会信用代码"
    visit.main.resize(1366, 768)
    qtbot.waitUntil(lambda: clipped(visit.panel.buttons.values()) == [], timeout=5000)
    if shots:
        shoot(visit.main, "main-intake-1366x768")
    form.inputs["applicant.cert_no"].setFocus()
    qtbot.keyClick(form.inputs["applicant.cert_no"], Qt.Key.Key_Backspace)
    qtbot.keyClicks(form.inputs["applicant.cert_no"], ENTITY_USCC[-1])
    assert not error.isVisible() and form.buttons["accept"].isEnabled()
    qtbot.mouseClick(form.buttons["accept"], Qt.MouseButton.LeftButton)
    company = visit.recorded()
    visit.close_preview(f"打印预览 - 受理回执 {company}")

    # 结束办理 with both cases, and the citizen rates 满意
    visit.finish([person, company])
    visit.rate(Level.SATISFIED)
    qtbot.waitUntil(lambda: payloads(data, "service.rated") != [], timeout=15000)
    ((rated, rated_by),) = payloads(data, "service.rated")
    assert rated_by == "0307"
    assert {k: rated[k] for k in ("ticket_no", "case_nos", "level", "no_rating")} == {
        "ticket_no": first,
        "case_nos": [person, company],
        "level": 4,
        "no_rating": None,
    }
    received = {
        p["project_no"]: (p["ticket_no"], p["applicant"]["kind"]) for p, _c in payloads(data, "case.received")
    }
    assert received == {person: (first, "person"), company: (first, "entity")}

    # the second ticket: a 一次性告知 (two materials missing) and a 不予受理
    call(second)
    visit.start()
    visit.new_case("jmsfzhl", ID_CARD)
    type_in(qtbot, form, "applicant.cert_no", PERSON_ID)
    type_in(qtbot, form, "applicant.name", "李秀英")
    type_in(qtbot, form, "phone", "13900139000")
    form.tick("申请人身份证件")
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    correction = visit.recorded()
    visit.close_preview(f"打印预览 - 一次性告知书 {correction}")
    ((asked, _by),) = payloads(data, "case.correction_requested")
    assert asked["project_no"] == correction
    assert [m["name"] for m in asked["missing"]] == ["居民户口簿", "近期免冠证件照片"]

    visit.new_case("spjy", FOOD)
    qtbot.mouseClick(form.entity, Qt.MouseButton.LeftButton)
    type_in(qtbot, form, "applicant.cert_no", ENTITY_USCC)
    type_in(qtbot, form, "applicant.name", "余杭区味道餐饮有限公司")
    type_in(qtbot, form, "applicant.legal_rep", "陈晓峰")
    type_in(qtbot, form, "phone", "13800138000")
    form.reason.setFocus()
    keyboard(qtbot, form.reason, "申请事项不属于本机关职权范围")
    form.basis.setFocus()
    qtbot.keyClick(form.basis, Qt.Key.Key_Down)  # the matter's first refusal basis
    basis = form.basis.currentText()
    assert basis != "" and form.basis.currentIndex() == 1
    qtbot.keyClick(form.reason, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    refusal = visit.recorded()
    ((refused, _by),) = payloads(data, "case.not_accepted")
    assert refused["project_no"] == refusal and refused["reason"] == "申请事项不属于本机关职权范围"
    assert refused["legal_basis"] == basis
    visit.close_preview(f"打印预览 - 不予受理通知书 {refusal}")
    visit.finish([correction, refusal])
    visit.rate(Level.VERY_SATISFIED)
    qtbot.waitUntil(lambda: len(payloads(data, "service.rated")) == 2, timeout=15000)
    assert payloads(data, "service.rated")[1][0]["case_nos"] == [correction, refusal]
    # the first case in case work: its history, its printed receipt
    visit.main.open_case(person)
    case_work: Any = visit.main.case_work
    qtbot.waitUntil(
        lambda: case_work.detail is not None and case_work.detail["project_no"] == person, timeout=15000
    )
    assert (
        visit.main.tabs.currentWidget() is visit.main.case_page and case_work.parent() is visit.main.case_page
    )
    visit.main.resize(1366, 768)
    header = case_work.header
    qtbot.waitUntil(
        lambda: (
            clipped(case_work.buttons.values()) == []
            and header.height() >= header.heightForWidth(header.width())
        ),
        timeout=5000,
    )
    if shots:
        shoot(visit.main, "main-casework-1366x768")
    return {
        "states": {
            person: "ACCEPTED",
            company: "ACCEPTED",
            correction: "CORRECTION",
            refusal: "NOT_ACCEPTED",
        },
        "tickets": {person: first, company: first, correction: second, refusal: second},
        "ratings": [(first, person, 4), (second, correction, 5)],  # the server keeps the first case
    }


def server_cases(server: ServerProcess, numbers: list[str]) -> dict[str, tuple[str, str, str]]:
    rows = server.query("SELECT project_no, state, ticket_no, clerk_id FROM cases")
    return {r.project_no: (r.state, r.ticket_no, r.clerk_id) for r in rows if r.project_no in numbers}


def server_ratings(server: ServerProcess, numbers: list[str]) -> list[tuple[str, str, int]]:
    rows = server.query("SELECT ticket_no, project_no, satisfaction FROM ratings")
    return sorted((r.ticket_no, r.project_no, r.satisfaction) for r in rows if r.project_no in numbers)


def expected_on_server(done: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {no: (state, done["tickets"][no], "0307") for no, state in done["states"].items()}


def test_a_whole_visit_online(qtbot: Any, tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "server")
    server.start()
    try:
        clock = FixedClock(datetime.now(HALL_TZ).replace(microsecond=0))
        data, hall = enrolled_window(server, tmp_path, clock)
        tickets = kiosk_tickets(server, hall, tmp_path, clock, 2)
        window, dialog = open_window(qtbot, data, FixedClock(datetime.now(HALL_TZ)), pusher_options=PUSHER)
        try:
            main: MainWindow = log_in(qtbot, window, dialog)
            visit = Visit(qtbot, main, data, tmp_path / "printer.pdf")
            done = whole_visit(visit, [t.number for t in tickets], visit.call_f1, tmp_path, shots=True)
            qtbot.waitUntil(lambda: main.status.waiting_count == 0 and unacked(data) == 0, timeout=30000)
            assert main.status.waiting.text() == "已全部上报"
        finally:
            window.shutdown()
        assert server_cases(server, list(done["states"])) == expected_on_server(done)
        assert server_ratings(server, list(done["states"])) == done["ratings"]
        rows = server.query("SELECT ticket_no, state FROM tickets WHERE hall_code = :hall", hall=hall)
        assert sorted((r.ticket_no, r.state) for r in rows) == sorted((t.number, "FINISHED") for t in tickets)
    finally:
        server.stop()


def test_the_same_visit_with_the_server_stopped(qtbot: Any, tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "server")
    server.start()
    try:
        clock = FixedClock(datetime.now(HALL_TZ).replace(microsecond=0))
        data, hall = enrolled_window(server, tmp_path, clock)
        tickets = kiosk_tickets(server, hall, tmp_path, clock, 2)
        window, dialog = open_window(qtbot, data, FixedClock(datetime.now(HALL_TZ)), pusher_options=PUSHER)
        try:
            main: MainWindow = log_in(qtbot, window, dialog)
            qtbot.waitUntil(lambda: main.status.waiting_count == 0 and unacked(data) == 0, timeout=30000)
            server.kill()
            visit = Visit(qtbot, main, data, tmp_path / "printer.pdf")
            done = whole_visit(visit, [t.number for t in tickets], visit.call_typed, tmp_path)
            qtbot.waitUntil(lambda: main.status.online.text() == "离线", timeout=20000)
            waiting = unacked(data)
            qtbot.waitUntil(lambda: main.status.waiting_count == unacked(data), timeout=20000)
            assert main.status.waiting_count == waiting
            # every event of the visit waits: from the first call to the last rating
            kinds = [k for k, _p, _c in events(data, "")]
            assert kinds.count("ticket.called") == 2 and waiting == len(kinds) - kinds.index("ticket.called")
            assert main.status.waiting.text().startswith(f"待上报 {waiting} 条，最早 ")
            main.resize(1366, 768)
            shoot(main, "visit-offline-waiting")
            server.start()
            qtbot.waitUntil(lambda: main.status.waiting_count == 0 and unacked(data) == 0, timeout=30000)
            assert main.status.waiting.text() == "已全部上报"
        finally:
            window.shutdown()
        assert server_cases(server, list(done["states"])) == expected_on_server(done)
        assert server_ratings(server, list(done["states"])) == done["ratings"]
    finally:
        server.stop()
