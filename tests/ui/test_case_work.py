"""Case work driven through real widgets: search (number, ID number, name, date range), the
detail with its history and documents, each lifecycle step through its dialog, reprint."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QSpinBox,
    QWidget,
)

from counter_app.domain.case import CaseState
from counter_app.services.case_rows import load_case
from counter_app.services.documents import next_issue_pdf
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Decision, MaterialIn, Party
from counter_app.services.reference import current_catalog
from counter_app.ui.case_work import CaseWork
from counter_app.ui.printing import QtDocumentPrinter
from tests.support import ENTITY_USCC, PERSON_ID, intake_for
from tests.ui.clerk_window import Counter, keyboard

FOOD = "食品经营许可证核发"


def item_named(counter: Counter, name: str):  # type: ignore[no-untyped-def]
    with counter.session.store.read() as conn:
        return next(i for i in current_catalog(conn).items if i.name == name)


def take_in(counter: Counter, decision: Decision = Decision.ACCEPT, **changes: Any) -> str:
    item = item_named(counter, FOOD)
    intake = intake_for(item, decision, **changes)
    return accept_case(counter.session.store, counter.clock, "0307", intake).project_no


def make_work(qtbot, counter: Counter) -> CaseWork:  # type: ignore[no-untyped-def]
    work = CaseWork(counter.session)
    work.clock = work.desk.clock = counter.clock
    qtbot.addWidget(work)
    work.resize(1366, 768)
    work.show()
    return work


def search(qtbot, work: CaseWork, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    work.query.clear()
    work.query.setFocus()
    keyboard(qtbot, work.query, text)
    work.model.set_rows([])
    qtbot.keyClick(work.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: work.found.text() != "" and work.session.db.pending == 0)
    return [row.project_no for row in work.model.rows]


def opened(qtbot, work: CaseWork, project_no: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    work.open_case(project_no)
    qtbot.waitUntil(lambda: work.detail is not None and work.detail["project_no"] == project_no)
    qtbot.waitUntil(lambda: work.session.db.pending == 0)
    assert work.detail is not None
    return work.detail


def step(qtbot, work: CaseWork, counter: Counter, key: str, **values: Any) -> str:  # type: ignore[no-untyped-def]
    """Click the step's button, fill its dialog, press OK; returns the message shown."""
    button = work.buttons[key]
    assert button.isEnabled(), key
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = work.dialog
    assert dialog is not None and dialog.isVisible()
    for name, value in values.items():
        field: QWidget = dialog.fields[name]
        if isinstance(field, QLineEdit):
            field.setFocus()
            keyboard(qtbot, field, value)
        elif isinstance(field, QComboBox):
            index = field.findText(value)
            if index >= 0:
                field.setCurrentIndex(index)
            else:
                field.setEditText(value)
        elif isinstance(field, QSpinBox):
            field.setValue(value)
        else:
            raise TypeError(name)
    before = work.message.text()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: work.message.text() != before and work.session.db.pending == 0)
    return work.message.text()


def history(work: CaseWork) -> list[tuple[str, str, str]]:
    table = work.history
    return [
        (table.item(r, 1).text(), table.item(r, 2).text(), table.item(r, 3).text())  # type: ignore[union-attr]
        for r in range(table.rowCount())
    ]


def test_search_by_number_id_name_and_date_range(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    first = take_in(counter)
    company = Party("余杭区味道餐饮有限公司", "001", ENTITY_USCC, "entity", "陈晓峰", "13800138000")
    counter.clock.advance(days=1)
    second = take_in(counter, applicant=company)
    work = make_work(qtbot, counter)
    assert search(qtbot, work, first) == [first]
    assert work.found.text() == "共 1 件"
    assert search(qtbot, work, PERSON_ID) == [first]
    assert search(qtbot, work, ENTITY_USCC[:10]) == [second]
    assert search(qtbot, work, "味道餐饮") == [second]
    assert sorted(search(qtbot, work, "spjy")) == sorted([first, second])
    # the table shows the applicant and a masked ID number
    assert work.model.rowCount() == 2
    values = [work.model.data(work.model.index(1, c)) for c in range(7)]
    assert values[0] == first and values[1] == FOOD and values[2] == "王建国"
    assert values[3] == "110105********002X" and values[4] == "已受理" and values[5] == "2026-11-25 09:30"
    # date range: only the second day
    work.by_date.setChecked(True)
    work.date_from.setDate(QDate(2026, 11, 26))
    work.date_to.setDate(QDate(2026, 11, 26))
    assert search(qtbot, work, "spjy") == [second]
    assert search(qtbot, work, "") == [second]
    work.date_from.setDate(QDate(2026, 11, 25))
    assert sorted(search(qtbot, work, "")) == sorted([first, second])


def test_detail_shows_history_and_documents(qtbot, counter: Counter, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project_no = take_in(counter)
    work = make_work(qtbot, counter)
    work.desk.make_printer = lambda: QtDocumentPrinter(output_file=str(tmp_path / "out.pdf"))
    assert search(qtbot, work, project_no) == [project_no]
    qtbot.waitUntil(lambda: work.detail is not None)
    header = work.header.text()
    assert (
        f"<b>{project_no}</b>　{FOOD}" in header and "申请人：王建国　证件号码：11010519491231002X" in header
    )
    assert "状态：<b>已受理</b>" in header and "排队号：A012" in header
    assert history(work) == [("接件", "已接件", ""), ("受理", "已受理", "")]
    assert work.history.item(0, 4).text() == "0307"  # type: ignore[union-attr]
    enabled = sorted(k for k, b in work.buttons.items() if b.isEnabled())
    assert enabled == ["close", "print", "start_process", "void"]
    # print, then reprint: both listed, the second as 补打
    for _ in range(2):
        before = work.documents.rowCount()
        qtbot.keyClick(work.query, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: work.desk.preview is not None and work.desk.preview.isVisible())
        preview = work.desk.preview
        assert preview is not None
        qtbot.mouseClick(preview.print_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda b=before: work.documents.rowCount() == b + 1)
        work.desk.preview = None
        # what the next preview shows: the reprint, marked as such
        _kind, pdf = next_issue_pdf(counter.session.store, counter.clock, project_no)
        (tmp_path / "next.pdf").write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "next.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert f"补打（第{before + 1}次）2026-11-25 09:30" in text
    docs = [[work.documents.item(r, c).text() for c in range(4)] for r in range(2)]  # type: ignore[union-attr]
    assert [d[1:3] for d in docs] == [["受理回执", "原件"], ["受理回执", "补打第1次"]]
    assert docs[1][3] == f"已打印（PDF:{tmp_path / 'out.pdf'}）"
    printed = counter.events("document.printed")
    assert [e["payload"]["reprint"] for e in printed] == [False, True]
    if folder := os.environ.get("SC_SCREENSHOT_DIR"):
        work.resize(1366, 768)
        work.grab().save(str(Path(folder) / "case-detail-1366x768.png"))


def test_each_lifecycle_step_through_its_dialog(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    project_no = take_in(counter)
    work = make_work(qtbot, counter)
    opened(qtbot, work, project_no)
    assert (
        step(qtbot, work, counter, "start_process", node="承办")
        == f"办件 {project_no}：开始办理已记录（办理中）"
    )
    step(qtbot, work, counter, "record_process", node="审核", action="通过", opinion="材料齐全，同意")
    step(qtbot, work, counter, "suspend", reason="现场核查")
    assert counter.events("case.suspended")[-1]["payload"]["kind"] == 2
    step(qtbot, work, counter, "resume", outcome="核查合格")
    step(qtbot, work, counter, "extend", days=5, reason="情况复杂，经负责人批准延长")
    extended = counter.events("case.suspended")[-1]["payload"]
    assert extended["kind"] == 1 and extended["extend_days"] == 5
    step(qtbot, work, counter, "resume", outcome="延长期满")
    step(
        qtbot,
        work,
        counter,
        "close",
        result="出证办结",
        cert_name="食品经营许可证",
        cert_no="JY13301100012345",
    )
    closed = counter.events("case.closed")[-1]["payload"]
    assert (
        closed["result_code"] == 0
        and closed["cert_no"] == "JY13301100012345"
        and closed["delivery"] == "窗口领取"
    )
    assert work.buttons["deliver"].isEnabled() and not work.buttons["void"].isEnabled()
    step(qtbot, work, counter, "deliver", method="邮寄送达")
    assert counter.events("case.delivered")[-1]["payload"]["method"] == "邮寄送达"
    assert history(work) == [
        ("接件", "已接件", ""),
        ("受理", "已受理", ""),
        ("开始办理", "办理中", ""),
        ("办理环节", "办理中", "审核 通过：材料齐全，同意"),
        ("特别程序开始", "特别程序", "现场核查"),
        ("特别程序结束", "办理中", "核查合格"),
        ("特别程序开始", "特别程序", "情况复杂，经负责人批准延长（延长 5 个工作日）"),
        ("特别程序结束", "办理中", "延长期满"),
        ("办结", "已办结", ""),
        ("送达", "已送达", "邮寄送达"),
    ]
    assert all(e["clerk_id"] == "0307" for e in counter.events("case.process_recorded"))
    assert not any(b.isEnabled() for k, b in work.buttons.items() if k != "print")


def test_correction_then_accepted_when_supplied(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    item = item_named(counter, FOOD)
    missing = MaterialIn(item.materials[0].name, missing=True, reason="未提供")
    present = tuple(MaterialIn(m.name) for m in item.materials[1:] if m.required)
    project_no = take_in(counter, Decision.CORRECTION, materials=(missing, *present))
    work = make_work(qtbot, counter)
    detail = opened(qtbot, work, project_no)
    assert detail["state"] == "CORRECTION"
    assert sorted(k for k, b in work.buttons.items() if b.isEnabled()) == [
        "accept_corrected",
        "print",
        "return_case",
        "void",
    ]
    message = step(qtbot, work, counter, "accept_corrected")
    assert message == f"办件 {project_no}：补正后受理已记录（已受理）"
    accepted = counter.events("case.accepted")[-1]["payload"]
    assert accepted["supplied"] == [item.materials[0].name] and accepted["deferred"] == []


def test_void_needs_a_reason(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    project_no = take_in(counter)
    work = make_work(qtbot, counter)
    opened(qtbot, work, project_no)
    message = step(qtbot, work, counter, "void")
    assert message.startswith("[") and "理由" in message
    assert counter.events("case.voided") == []
    qtbot.waitUntil(lambda: work.buttons["void"].isEnabled())
    assert (
        step(qtbot, work, counter, "void", reason="申请人撤回申请")
        == f"办件 {project_no}：作废已记录（已办结）"
    )
    with counter.session.store.read() as conn:
        record = load_case(conn, project_no)
    assert record.case.state is CaseState.CLOSED and record.case.reason == "申请人撤回申请"
    assert work.detail is not None and work.detail["state_label"] == "已作废"


def test_denial_needs_its_legal_basis(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    project_no = take_in(counter)
    work = make_work(qtbot, counter)
    opened(qtbot, work, project_no)
    message = step(qtbot, work, counter, "close", result="不予许可", reason="经营场所不符合要求")
    assert message.startswith("[CASE_BASIS_REQUIRED] 请选择或填写不予受理/不予许可的法律依据")
    assert counter.events("case.closed") == []
    basis = item_named(counter, FOOD).refusal_bases[0]
    qtbot.waitUntil(lambda: work.buttons["close"].isEnabled())
    step(qtbot, work, counter, "close", result="不予许可", reason="经营场所不符合要求", legal_basis=basis)
    closed = counter.events("case.closed")[-1]["payload"]
    assert closed["result_code"] == 1 and closed["legal_basis"] == basis
    assert not work.buttons["deliver"].isEnabled()  # only an issued certificate is delivered


def test_accept_corrected_with_a_deferred_optional_material(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    item = item_named(counter, FOOD)
    required = item.materials[0].name
    optional = next(m.name for m in item.materials if not m.required)
    owed = (
        MaterialIn(required, missing=True, reason="未提供"),
        MaterialIn(optional, missing=True, reason="未提供"),
    )
    present = tuple(MaterialIn(m.name) for m in item.materials[1:] if m.required)
    project_no = take_in(counter, Decision.CORRECTION, materials=(*owed, *present))
    work = make_work(qtbot, counter)
    opened(qtbot, work, project_no)
    qtbot.mouseClick(work.buttons["accept_corrected"], Qt.MouseButton.LeftButton)
    dialog = work.dialog
    assert dialog is not None
    supplied = dialog.fields["supplied"]
    assert isinstance(supplied, QListWidget)
    assert [supplied.item(i).text() for i in range(supplied.count())] == [required, optional]  # type: ignore[union-attr]
    supplied.item(1).setCheckState(Qt.CheckState.Unchecked)  # type: ignore[union-attr]
    # without 容缺 the missing material refuses the acceptance
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: work.message.text().startswith("[CASE_CORRECTION_INCOMPLETE]"))
    qtbot.waitUntil(lambda: work.buttons["accept_corrected"].isEnabled())
    qtbot.mouseClick(work.buttons["accept_corrected"], Qt.MouseButton.LeftButton)
    dialog = work.dialog
    assert dialog is not None
    supplied = dialog.fields["supplied"]
    assert isinstance(supplied, QListWidget)
    supplied.item(1).setCheckState(Qt.CheckState.Unchecked)  # type: ignore[union-attr]
    defer = dialog.fields["defer"]
    until = dialog.fields["defer_until"]
    assert isinstance(defer, QCheckBox) and isinstance(until, QDateEdit)
    qtbot.mouseClick(defer, Qt.MouseButton.LeftButton)
    until.setDate(QDate(2026, 12, 4))
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: work.message.text() == f"办件 {project_no}：补正后受理已记录（已受理）")
    accepted = counter.events("case.accepted")[-1]["payload"]
    assert accepted["supplied"] == [required]
    assert accepted["deferred"] == [{"name": optional, "due": "2026-12-04"}]


def shown_whole(table: Any, row: int, column: int) -> bool:
    """Whether the cell shows all of its text: as wide and as tall as its delegate needs it."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    index = table.model().index(row, column)
    option = QStyleOptionViewItem()
    table.initViewItemOption(option)
    option.rect = table.visualRect(index)
    needed = table.itemDelegateForIndex(index).sizeHint(option, index)
    return bool(needed.width() <= table.columnWidth(column) and needed.height() <= table.rowHeight(row))


def test_a_long_print_result_is_shown_whole_and_in_its_tooltip(
    qtbot, counter: Counter, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    project_no = take_in(counter)
    work = make_work(qtbot, counter)
    work.resize(1010, 700)  # its tab's size in the main window at 1366x768
    folder = tmp_path / "window-3-receipts-archive" / "2026-11-25" / "printed-documents-of-the-day"
    folder.mkdir(parents=True)
    out = folder / "acceptance-receipt-of-the-food-business-licence.pdf"
    work.desk.make_printer = lambda: QtDocumentPrinter(output_file=str(out))
    opened(qtbot, work, project_no)
    qtbot.keyClick(work.query, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: work.desk.preview is not None and work.desk.preview.isVisible())
    assert work.desk.preview is not None
    qtbot.mouseClick(work.desk.preview.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: work.documents.rowCount() == 1)
    cell = work.documents.item(0, 3)
    assert cell is not None
    assert cell.text() == f"已打印（PDF:{out}）"
    assert cell.toolTip() == f"已打印（PDF:{out}）"
    assert work.documents.item(0, 1).toolTip() == ""  # type: ignore[union-attr]  # short columns: no tooltip
    qtbot.waitUntil(lambda: shown_whole(work.documents, 0, 3))
    assert (
        work.documents.rowHeight(0) > work.documents.fontMetrics().height() * 3
    )  # wrapped, not one cut line
    if shots := os.environ.get("SC_SCREENSHOT_DIR"):
        work.grab().save(str(Path(shots) / "case-documents-long-result.png"))
