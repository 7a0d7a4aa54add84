"""The intake form driven with keyboard and mouse on a real data folder: matter finder, live
validation next to each field, 受理 / 一次性告知 / 不予受理 / 即办, the receipt printed through the
window's printing path to a PDF file and read back with pdftotext."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from counter_app.domain.case import CaseState
from counter_app.services.case_rows import load_case
from counter_app.ui.intake_form import IntakeForm
from counter_app.ui.printing import QtDocumentPrinter
from tests.support import ENTITY_USCC, PERSON_ID
from tests.ui.clerk_window import Counter, keyboard

FOOD = "食品经营许可证核发"
ID_CARD = "居民身份证换领"
SHOP = "个体工商户设立登记"  # 即办件


def make_form(qtbot, counter: Counter) -> IntakeForm:  # type: ignore[no-untyped-def]
    form = IntakeForm(counter.session)
    form.clock = form.desk.clock = counter.clock
    qtbot.addWidget(form)
    form.resize(1366, 768)
    form.show()
    qtbot.waitUntil(lambda: form.catalog is not None)
    return form


def find(qtbot, form: IntakeForm, typed: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """Type into the finder, arrow down to ``name``, press Enter."""
    form.finder.setFocus()
    keyboard(qtbot, form.finder, typed)
    names = [form.matter_list.item(i).text().split("（")[0] for i in range(form.matter_list.count())]
    assert name in names, names
    for _ in range(names.index(name)):
        qtbot.keyClick(form.finder, Qt.Key.Key_Down)
    qtbot.keyClick(form.finder, Qt.Key.Key_Return)
    assert form.item is not None and form.item.name == name


def type_in(qtbot, form: IntakeForm, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    form.inputs[key].setFocus()
    keyboard(qtbot, form.inputs[key], text)


def tick_required(form: IntakeForm) -> None:
    assert form.item is not None
    for material in form.item.materials:
        if material.required:
            form.tick(material.name)


def recorded(qtbot, form: IntakeForm, counter: Counter, before: int) -> str:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: counter.commits > before and form.last_result is not None)
    assert form.last_result is not None
    return form.last_result.project_no


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pinyin_initials_find_the_matter_with_the_keyboard(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    qtbot.keyClicks(form.finder, "spjy")
    first = [form.matter_list.item(i).text().split("（")[0] for i in range(3)]
    assert first == ["食品经营许可证核发", "食品经营许可证变更", "食品经营许可证延续"]
    qtbot.keyClick(form.finder, Qt.Key.Key_Down)
    qtbot.keyClick(form.finder, Qt.Key.Key_Return)
    assert form.item is not None and form.item.name == "食品经营许可证变更"
    assert form.materials.rowCount() == 3
    assert [form.materials.item(r, 1).text() for r in range(3)] == [
        "食品经营许可变更申请书",
        "食品经营许可证正、副本",
        "与变更事项有关的材料",
    ]
    assert form.inputs["applicant.cert_no"].hasFocus()


def test_person_case_accepted_linked_to_the_ticket_and_receipt_printed(  # type: ignore[no-untyped-def]
    qtbot, counter: Counter, tmp_path: Path
) -> None:
    counter.serve("A012")
    form = make_form(qtbot, counter)
    out = tmp_path / "printer.pdf"
    form.desk.make_printer = lambda: QtDocumentPrinter(output_file=str(out))
    recorded_nos: list[str] = []
    form.case_recorded.connect(recorded_nos.append)
    find(qtbot, form, "jmsfzhl", ID_CARD)
    type_in(qtbot, form, "applicant.cert_no", PERSON_ID)
    type_in(qtbot, form, "applicant.name", "王建国")
    type_in(qtbot, form, "phone", "13800138000")
    tick_required(form)
    assert form.buttons["accept"].isEnabled() and form.hint.text() == ""
    before = counter.commits
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    project_no = recorded(qtbot, form, counter, before)
    assert recorded_nos == [project_no] and form.cases_of("A012") == [project_no]
    assert project_no.startswith("YX330781-20261125-03")
    with counter.session.store.read() as conn:
        record = load_case(conn, project_no)
    assert record.case.state is CaseState.ACCEPTED
    assert record.header["ticket_no"] == "A012" and record.header["clerk_id"] == "0307"
    assert record.header["applicant_name"] == "王建国" and record.header["cert_no"] == PERSON_ID
    assert form.message.text().startswith(f"办件 {project_no}（{ID_CARD}）已受理，承诺办结时间 ")
    # the preview opens on the receipt; 打印 prints it and records the print
    qtbot.waitUntil(lambda: form.desk.preview is not None and form.desk.preview.isVisible())
    preview = form.desk.preview
    assert preview is not None and preview.windowTitle() == f"打印预览 - 受理回执 {project_no}"
    assert len(preview.pages) == 1
    qtbot.mouseClick(preview.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: counter.events("document.printed") != [])
    qtbot.waitUntil(lambda: not preview.isVisible())
    printed = counter.events("document.printed")[0]
    assert printed["payload"]["doc_type"] == "receipt" and printed["payload"]["printed"] is True
    assert printed["clerk_id"] == "0307" and printed["payload"]["printer"] == f"PDF:{out}"
    archived = counter.session.store.data_dir.root / printed["payload"]["file"]
    text = pdf_text(archived)  # the archived original, the same pages the printer was sent
    assert "受理回执" in text and project_no in text and "王建国" in text and "A012" not in text
    # the printer's output is those pages rasterised: its barcode reads back as the case number
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(str(p) for p in tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--raw", "-q", *pages], capture_output=True, text=True)
    assert project_no in decoded.stdout.split()
    assert form.message.text() == f"受理回执已打印（PDF:{out}）并存档"
    # the form is empty for the next citizen
    assert form.item is None and form.inputs["applicant.name"].text() == ""


def test_company_case_with_a_real_uscc(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    counter.serve("B003")
    form = make_form(qtbot, counter)
    find(qtbot, form, "spjy", FOOD)
    qtbot.mouseClick(form.entity, Qt.MouseButton.LeftButton)
    assert form._label("applicant.cert_no").text() == "统一社会信用代码"
    assert form.inputs["applicant.legal_rep"].isVisible()
    type_in(qtbot, form, "applicant.cert_no", ENTITY_USCC)
    type_in(qtbot, form, "applicant.name", "余杭区味道餐饮有限公司")
    assert form.hint.text() == "请更正或填写：法定代表人、联系电话"
    type_in(qtbot, form, "applicant.legal_rep", "陈晓峰")
    type_in(qtbot, form, "phone", "0571-88889999")
    type_in(qtbot, form, "agent.name", "刘洋")
    type_in(qtbot, form, "agent.cert_no", PERSON_ID)
    tick_required(form)
    before = counter.commits
    qtbot.mouseClick(form.buttons["accept"], Qt.MouseButton.LeftButton)
    project_no = recorded(qtbot, form, counter, before)
    received = counter.events("case.received")[-1]["payload"]
    assert received["project_no"] == project_no and received["ticket_no"] == "B003"
    assert form.cases_of("B003") == [project_no] and form.cases_of("A012") == []
    assert received["applicant"]["kind"] == "entity" and received["applicant"]["cert_type"] == "001"
    assert received["applicant"]["cert_no"] == ENTITY_USCC and received["applicant"]["legal_rep"] == "陈晓峰"
    assert received["agent"]["name"] == "刘洋" and received["phone"] == "0571-88889999"
    assert len(received["materials"]) == 6  # the six required of seven


def test_invalid_id_shows_its_message_next_to_the_field_and_blocks_acceptance(
    qtbot, counter: Counter
) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    find(qtbot, form, ID_CARD, ID_CARD)
    type_in(qtbot, form, "applicant.cert_no", PERSON_ID[:-1] + "3")
    type_in(qtbot, form, "applicant.name", "王建国")
    type_in(qtbot, form, "phone", "13800138000")
    tick_required(form)
    error = form.errors["applicant.cert_no"]
    assert error.isVisible() and error.text() == "申请人：身份证号校验位错误，请核对最后一位"
    assert not form.buttons["accept"].isEnabled() and not form.buttons["correction"].isEnabled()
    assert form.hint.text() == "请更正或填写：身份证号"
    assert not form.errors["applicant.name"].isVisible() and not form.errors["phone"].isVisible()
    before = counter.commits
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert counter.commits == before and counter.events("case.received") == []
    # corrected, the message goes and acceptance is possible
    form.inputs["applicant.cert_no"].setFocus()
    qtbot.keyClick(form.inputs["applicant.cert_no"], Qt.Key.Key_Backspace)
    qtbot.keyClicks(form.inputs["applicant.cert_no"], "X")
    assert not error.isVisible() and form.buttons["accept"].isEnabled()


def test_invalid_uscc_shows_its_message_and_blocks_acceptance(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    find(qtbot, form, "spjy", FOOD)
    form.entity.setChecked(True)
    type_in(qtbot, form, "applicant.cert_no", "91110000600037341I")
    type_in(qtbot, form, "applicant.name", "余杭区味道餐饮有限公司")
    type_in(qtbot, form, "applicant.legal_rep", "陈晓峰")
    type_in(qtbot, form, "phone", "13800138000")
    error = form.errors["applicant.cert_no"]
    assert error.text() == "申请人：统一社会信用代码含非法字符：I（不使用 I、O、Z、S、V）"
    assert not form.buttons["accept"].isEnabled()
    assert form.hint.text() == "请更正或填写：统一社会信用代码"


def test_name_with_a_character_no_font_prints_is_a_warning_only(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    find(qtbot, form, ID_CARD, ID_CARD)
    type_in(qtbot, form, "applicant.cert_no", PERSON_ID)
    type_in(qtbot, form, "applicant.name", "王\U00030041")
    type_in(qtbot, form, "phone", "13800138000")
    warning = form.errors["applicant.name"]
    assert warning.isVisible() and warning.property("role") == "warning"
    assert warning.text().startswith("申请人姓名/名称中的“\U00030041”（U+30041）本机字库没有该字")
    assert form.buttons["accept"].isEnabled()


def test_correction_lists_the_unticked_materials(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    find(qtbot, form, ID_CARD, ID_CARD)
    type_in(qtbot, form, "applicant.cert_no", PERSON_ID)
    type_in(qtbot, form, "applicant.name", "王建国")
    type_in(qtbot, form, "phone", "13800138000")
    form.tick("申请人身份证件")
    # accepting without every required material is refused, next to the checklist
    qtbot.mouseClick(form.buttons["accept"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.errors["materials"].isVisible())
    assert form.errors["materials"].text() == "缺少必要材料：居民户口簿、近期免冠证件照片，请出具一次性告知书"
    before = counter.commits
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    project_no = recorded(qtbot, form, counter, before)
    event = counter.events("case.correction_requested")[-1]["payload"]
    assert event["project_no"] == project_no
    assert event["missing"] == [
        {"name": "居民户口簿", "reason": "未提供"},
        {"name": "近期免冠证件照片", "reason": "未提供"},
    ]
    qtbot.waitUntil(lambda: form.desk.preview is not None and form.desk.preview.isVisible())
    assert form.desk.preview is not None
    assert form.desk.preview.windowTitle() == f"打印预览 - 一次性告知书 {project_no}"


def test_refusal_needs_reason_and_basis(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    find(qtbot, form, "spjy", FOOD)
    form.entity.setChecked(True)
    type_in(qtbot, form, "applicant.cert_no", ENTITY_USCC)
    type_in(qtbot, form, "applicant.name", "余杭区味道餐饮有限公司")
    type_in(qtbot, form, "applicant.legal_rep", "陈晓峰")
    type_in(qtbot, form, "phone", "13800138000")
    qtbot.mouseClick(form.buttons["reject"], Qt.MouseButton.LeftButton)
    assert form.errors["reason"].text() == "请填写不予受理的理由"
    assert counter.events("case.received") == []
    keyboard(qtbot, form.reason, "申请事项不属于本机关职权范围")
    qtbot.mouseClick(form.buttons["reject"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.errors["legal_basis"].isVisible())
    assert (
        form.errors["legal_basis"]
        .text()
        .startswith("请选择或填写不予受理/不予许可的法律依据，可填写序号选择：")
    )
    assert counter.events("case.received") == []
    assert form.item is not None
    form.basis.setCurrentIndex(2)  # the matter's second refusal basis
    before = counter.commits
    qtbot.mouseClick(form.buttons["reject"], Qt.MouseButton.LeftButton)
    project_no = recorded(qtbot, form, counter, before)
    event = counter.events("case.not_accepted")[-1]["payload"]
    assert event["project_no"] == project_no and event["reason"] == "申请事项不属于本机关职权范围"
    assert event["legal_basis"] == form_bases(counter, FOOD)[1]


def form_bases(counter: Counter, name: str) -> tuple[str, ...]:
    from counter_app.services.reference import current_catalog

    with counter.session.store.read() as conn:
        catalog = current_catalog(conn)
    return next(i for i in catalog.items if i.name == name).refusal_bases


def test_instant_matter_accepted_and_closed_in_one_step(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    find(qtbot, form, "gtgshsldj", SHOP)
    assert form.buttons["instant"].isEnabled() is False  # nothing typed yet
    type_in(qtbot, form, "applicant.cert_no", PERSON_ID)
    type_in(qtbot, form, "applicant.name", "王建国")
    type_in(qtbot, form, "phone", "13800138000")
    tick_required(form)
    assert form.buttons["instant"].isEnabled()
    before = counter.commits
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    project_no = recorded(qtbot, form, counter, before)
    with counter.session.store.read() as conn:
        record = load_case(conn, project_no)
    assert record.case.state is CaseState.CLOSED and int(record.case.result or 0) == 0
    closed = counter.events("case.closed")[-1]["payload"]
    assert closed["delivery"] == "窗口领取" and closed["result_code"] == 0
    assert form.message.text() == f"办件 {project_no}（{SHOP}）已受理并当场办结"


def test_instant_is_not_offered_for_a_promised_matter(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    find(qtbot, form, ID_CARD, ID_CARD)
    type_in(qtbot, form, "applicant.cert_no", PERSON_ID)
    type_in(qtbot, form, "applicant.name", "王建国")
    type_in(qtbot, form, "phone", "13800138000")
    assert form.buttons["accept"].isEnabled() and not form.buttons["instant"].isEnabled()


def test_screenshot_with_a_validation_error(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    folder = os.environ.get("SC_SCREENSHOT_DIR")
    form = make_form(qtbot, counter)
    find(qtbot, form, "spjy", FOOD)
    form.entity.setChecked(True)
    type_in(qtbot, form, "applicant.cert_no", "91110000600037341A")
    type_in(qtbot, form, "applicant.name", "余杭区味道餐饮有限公司")
    type_in(qtbot, form, "phone", "1380013800")
    tick_required(form)
    assert form.errors["applicant.cert_no"].text() == "申请人：统一社会信用代码校验位错误，请核对最后一位"
    assert form.errors["phone"].text() == "联系电话格式不正确，应为11位手机号码或带区号的固定电话"
    if folder:
        form.resize(1366, 768)
        form.grab().save(str(Path(folder) / "intake-validation-error-1366x768.png"))


def test_checklist_ticks_with_the_space_bar(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    form = make_form(qtbot, counter)
    find(qtbot, form, ID_CARD, ID_CARD)
    form.materials.setFocus()
    form.materials.setCurrentCell(1, 0)
    qtbot.keyClick(form.materials, Qt.Key.Key_Space)
    states = [form.materials.item(r, 0).checkState() for r in range(3)]  # type: ignore[union-attr]
    assert states == [Qt.CheckState.Unchecked, Qt.CheckState.Checked, Qt.CheckState.Unchecked]


def test_a_visit_two_cases_for_one_ticket_then_the_rating(qtbot, counter: Counter) -> None:  # type: ignore[no-untyped-def]
    from counter_app.ui.rating import RatingScreen

    ticket = counter.serve("A020")
    form = make_form(qtbot, counter)
    for name in (ID_CARD, "居民身份证补领"):
        find(qtbot, form, name, name)
        type_in(qtbot, form, "applicant.cert_no", PERSON_ID)
        type_in(qtbot, form, "applicant.name", "王建国")
        type_in(qtbot, form, "phone", "13800138000")
        tick_required(form)
        before = counter.commits
        qtbot.mouseClick(form.buttons["accept"], Qt.MouseButton.LeftButton)
        recorded(qtbot, form, counter, before)
        qtbot.waitUntil(lambda: form.desk.preview is not None and form.desk.preview.isVisible())
        assert form.desk.preview is not None
        form.desk.preview.reject()
        form.desk.preview = None
    cases = form.cases_of("A020")
    assert len(cases) == 2
    screen = RatingScreen(counter.session)
    screen.clock = counter.clock
    qtbot.addWidget(screen)
    payloads: list[dict] = []
    screen.rated.connect(lambda payload: payloads.append(payload))
    screen.ask(ticket.number, ticket.business_date.isoformat(), cases)
    qtbot.mouseClick(screen.buttons[next(iter(screen.buttons))], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: payloads != [])
    event = counter.events("service.rated")[0]
    assert event["payload"]["case_nos"] == cases and event["payload"]["level"] == 5
    assert event["payload"]["ticket_no"] == "A020" and event["clerk_id"] == "0307"
    assert [e["payload"]["ticket_no"] for e in counter.events("case.received")] == ["A020", "A020"]


def test_the_fonts_of_the_name_check_load_on_the_worker(tmp_path: Path) -> None:
    from counter_app.receipts.fonts import CHAIN, EXTRA_FONT_ENV
    from tests.support import REPO

    env = {k: v for k, v in os.environ.items() if k != EXTRA_FONT_ENV} | {"QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.intake_fonts_probe", str(tmp_path / "counter")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == f"during=0 after={len(CHAIN)}"
