"""Notices read against the Administrative Licensing Law, rendered from real cases on the books and
read back with pdftotext: refusals with reasons and remedies, the review body per department, the
material forms the catalog requires, the closing block kept with the text, 补正 and 容缺, note 2
of the receipt, and reprints marked 补打."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from counter_app.domain.case import ResultCode
from counter_app.domain.catalog import ServiceItem
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.receipts import render_correction_notice, samples
from counter_app.receipts.model import CORRECTION_COMPLETENESS, MaterialForm, MaterialLine, MaterialStatus
from counter_app.services import case_commands as cmd
from counter_app.services.clock import FixedClock
from counter_app.services.documents import DocType, issue_document
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Decision, MaterialIn
from counter_app.services.reference import current_catalog
from counter_app.services.setup import import_catalog
from counter_app.store.uow import Store
from tests.support import DEMO_CATALOG, intake_for

CLERK = "clerk-07"


def item_named(store: Store, name: str) -> ServiceItem:
    with store.read() as conn:
        return next(i for i in current_catalog(conn).items if i.name == name)


def text_of(path: Path, page: int | None = None) -> str:
    """The document's text with all whitespace removed, of one page or all of them."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", out.stdout)


def layout_lines(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Pages:\s+(\d+)", info)
    assert match
    return int(match.group(1))


def accepted(store: Store, clock: FixedClock, item: ServiceItem) -> str:
    return accept_case(store, clock, CLERK, intake_for(item)).project_no


# -- 1. 办结通知书: a refusal states reasons, basis and remedies; a grant says how to get it ---------


def test_refusal_states_reason_basis_and_remedies_and_asks_nobody_to_collect(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "食品经营许可证核发")
    no = accepted(store, clock, item)
    reason = "经营场所与住宅相连，未设置独立的食品处理区"
    with pytest.raises(DomainError) as info:
        cmd.close_case(store, clock, CLERK, no, ResultCode.DENIED, reason)
    assert (
        info.value.code == "CASE_BASIS_REQUIRED"
        and "1. 《中华人民共和国市场主体登记管理条例》" not in info.value.message
    )
    assert "1. 《中华人民共和国食品安全法》第三十五条" in info.value.message
    cmd.close_case(store, clock, CLERK, no, ResultCode.DENIED, reason, legal_basis="1")
    issued = issue_document(store, clock, CLERK, no)
    assert issued.doc_type is DocType.COMPLETION
    text = text_of(issued.path)
    assert f"一、不予许可理由：{reason}。" in text
    assert "二、法律依据：《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》。" in text
    assert (
        "三、如不服本决定，可以自收到本通知书之日起六十日内向云溪市人民政府申请行政复议，"
        "或者自收到本通知书之日起六个月内依法向云溪市人民法院提起行政诉讼。"
    ) in text
    assert "决定不予行政许可" in text
    assert "领取" not in text and "请携带" not in text


def test_a_granted_result_gives_pick_up_time_and_place_or_the_delivery(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "食品经营许可证核发")
    pickup = accepted(store, clock, item)
    cmd.close_case(store, clock, CLERK, pickup, ResultCode.ISSUED, cert_name="食品经营许可证", cert_no="JY1")
    text = text_of(issue_document(store, clock, CLERK, pickup).path)
    assert "领取地点云溪市政务服务中心3号窗口" in text
    assert "领取时间2026年11月25日起，工作日9:00—12:00、13:30—17:00" in text
    posted = accepted(store, clock, item)
    cmd.close_case(
        store, clock, CLERK, posted, ResultCode.ISSUED, cert_name="食品经营许可证", delivery="邮寄送达（EMS）"
    )
    text = text_of(issue_document(store, clock, CLERK, posted).path)
    assert "办理结果将以邮寄送达（EMS）方式送达" in text and "送达方式邮寄送达（EMS）" in text
    assert "领取地点" not in text and "领取时请携带" not in text
    with pytest.raises(DomainError) as info:
        cmd.close_case(store, clock, CLERK, accepted(store, clock, item), ResultCode.ISSUED, delivery=" ")
    assert info.value.code == "CASE_DELIVERY_REQUIRED"


# -- 2. 不予受理通知书: the review body of the department; a basis the clerk gave ----------------------


def test_tax_rejection_names_the_tax_review_body_and_the_basis_given(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "增值税专用发票最高开票限额审批")
    rejection = intake_for(item, Decision.REJECT, reason="申请人不是增值税一般纳税人")
    with pytest.raises(ValidationError) as info:
        accept_case(store, clock, CLERK, rejection)
    assert info.value.code == "CASE_BASIS_REQUIRED"
    assert [i.field for i in info.value.issues] == ["legal_basis"]
    basis = "《增值税专用发票使用规定》第二条"
    no = accept_case(store, clock, CLERK, replace(rejection, legal_basis=basis)).project_no
    issued = issue_document(store, clock, CLERK, no)
    text = text_of(issued.path)
    assert f"法律依据：{basis}。" in text
    assert "六十日内向国家税务总局金华市税务局申请行政复议" in text
    assert "云溪市人民政府" not in text
    assert "依法向云溪市人民法院提起行政诉讼" in text


def test_a_notice_whose_department_has_no_review_body_is_refused(store, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    data["version"] = "2025.11.2"
    tax = next(d for d in data["departments"] if d["code"] == "SW")
    del tax["review_body"]
    changed = tmp_path / "catalog.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    import_catalog(store, changed, clock)
    item = item_named(store, "增值税专用发票最高开票限额审批")
    rejection = intake_for(item, Decision.REJECT, reason="不是一般纳税人", legal_basis="2")
    no = accept_case(store, clock, CLERK, rejection).project_no
    with pytest.raises(DomainError) as info:
        issue_document(store, clock, CLERK, no)
    assert info.value.code == "NOTICE_NO_REMEDY_BODY"
    assert "国家税务总局云溪市税务局" in info.value.message and "review_body" in info.value.message
    assert not list(store.data_dir.archive_dir.rglob(f"{no}-*.pdf"))


# -- 3. 一次性告知书: each material in its real form; the closing block stays with the text ----------


def test_correction_notice_prints_each_material_in_the_form_the_catalog_requires(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "建设工程规划许可证核发")
    missing = tuple(MaterialIn(m.name, missing=True) for m in item.materials)
    no = accept_case(store, clock, CLERK, intake_for(item, Decision.CORRECTION, materials=missing)).project_no
    path = issue_document(store, clock, CLERK, no).path
    rows = {m.name: next(line for line in layout_lines(path) if m.name in line) for m in item.materials}
    forms = {name: re.split(r"\s{2,}", line.strip())[2] for name, line in rows.items()}
    assert forms == {
        "建设工程规划许可申请表": "原件",
        "土地权属证明": "复印件",
        "建设工程设计方案": "原件",
        "总平面图及建筑单体图": "电子件",
    }
    assert "原件及复印件" not in text_of(path)


def test_an_electronic_material_prints_as_electronic_on_the_receipt(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "建设工程规划许可证核发")
    path = issue_document(store, clock, CLERK, accepted(store, clock, item)).path
    line = next(line for line in layout_lines(path) if "总平面图及建筑单体图" in line)
    assert re.split(r"\s{2,}", line.strip())[2] == "电子件"


@pytest.mark.parametrize("count", [6, 26])
def test_the_closing_block_stays_on_the_page_of_the_last_text_line(count: int, tmp_path: Path) -> None:
    items = tuple(
        MaterialLine(
            f"补正材料第{index}项：建设项目环境影响评价文件及批复",
            MaterialForm.COPY,
            status=MaterialStatus.DEFECTIVE,
            reason=f"第{index}页缺少建设单位盖章，请加盖公章后重新提交",
        )
        for index in range(1, count + 1)
    )
    path = tmp_path / "long.pdf"
    path.write_bytes(render_correction_notice(replace(samples.correction_notice(), items=items)))
    pages = page_count(path)
    assert pages == {6: 2, 26: 3}[count]
    last = text_of(path, pages)
    for block in ("特此告知", "申请人（签收）", "扫码核验办件真实性", "（受理专用章）"):
        assert block in last
    assert re.sub(r"\s+", "", CORRECTION_COMPLETENESS) in last  # the last line of text, on that page too
    assert "本告知书所列为需补正的全部材料" not in text_of(path, pages - 1)


# -- 4. 补正受理: every missing material, or 容缺 with a promised date; the receipt lists it all -------


def test_acceptance_after_correction_needs_every_missing_material(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "建设工程规划许可证核发")
    missing = tuple(MaterialIn(m.name, m.form, missing=True) for m in item.materials[1:])
    given = MaterialIn(item.materials[0].name, item.materials[0].form)
    intake = intake_for(item, Decision.CORRECTION, materials=(given, *missing))
    no = accept_case(store, clock, CLERK, intake).project_no
    with pytest.raises(DomainError) as info:
        cmd.accept_corrected(store, clock, CLERK, no, [missing[0].name])
    assert info.value.code == "CASE_CORRECTION_INCOMPLETE"
    assert info.value.message.startswith("尚缺 2 项材料：建设工程设计方案、总平面图及建筑单体图")
    with pytest.raises(DomainError) as info:
        cmd.accept_corrected(store, clock, CLERK, no, [missing[0].name], deferred_until=date(2026, 12, 4))
    assert info.value.code == "CASE_DEFER_NOT_ALLOWED"
    with pytest.raises(DomainError) as info:
        cmd.accept_corrected(store, clock, CLERK, no, ["营业执照"])
    assert info.value.code == "CASE_SUPPLIED_UNKNOWN"
    cmd.accept_corrected(store, clock, CLERK, no, [m.name for m in missing])
    path = issue_document(store, clock, CLERK, no, DocType.RECEIPT).path
    text = text_of(path)
    assert "收取材料（共4项）" in text
    for material in item.materials:
        assert material.name in text
    assert text.count("补正时提交") == 3


def test_deferred_acceptance_records_and_prints_the_promised_date(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "食品经营许可证核发")
    optional = next(m for m in item.materials if not m.required)
    first = item.materials[0]
    received = tuple(MaterialIn(m.name, m.form) for m in item.materials if m.required and m is not first)
    intake = intake_for(
        item,
        Decision.CORRECTION,
        materials=(*received, MaterialIn(first.name, missing=True), MaterialIn(optional.name, missing=True)),
    )
    no = accept_case(store, clock, CLERK, intake).project_no
    with pytest.raises(DomainError) as info:
        cmd.accept_corrected(store, clock, CLERK, no, [first.name], deferred_until=date(2026, 11, 25))
    assert info.value.code == "CASE_DEFER_DATE"
    cmd.accept_corrected(store, clock, CLERK, no, [first.name], deferred_until=date(2026, 12, 4))
    text = text_of(issue_document(store, clock, CLERK, no, DocType.RECEIPT).path)
    assert "收取材料（共6项；容缺后补1项）" in text
    assert f"{optional.name}复印件1容缺后补：承诺于2026年12月4日前补交" in text


# -- 5. note 2 says how the matter's limit counts ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "said", "not_said"),
    [
        ("居住证申领", "按自然日计算，含法定节假日和休息日", "按工作日计算"),
        ("食品经营许可证核发", "按工作日计算，不含法定节假日", "按自然日计算"),
    ],
)
def test_receipt_note_two_says_how_the_limit_counts(
    store, clock, name: str, said: str, not_said: str
) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, name)
    text = text_of(issue_document(store, clock, CLERK, accepted(store, clock, item)).path)
    assert f"2.承诺办结时间{said}" in text and not_said not in text


# -- 7. a reprint is marked 补打 with its count and time; the original stays as it was ----------------


def test_a_reprint_is_marked_and_the_original_is_kept(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "食品经营许可证核发")
    no = accepted(store, clock, item)
    first = issue_document(store, clock, CLERK, no)
    original = first.path.read_bytes()
    clock.advance(days=4, hours=1)
    again = issue_document(store, clock, "clerk-08", no)
    clock.advance(minutes=5)
    third = issue_document(store, clock, "clerk-08", no)
    assert first.path.read_bytes() == original
    assert (again.path.name, third.path.name) == (
        f"{no}-receipt-reprint-1.pdf",
        f"{no}-receipt-reprint-2.pdf",
    )
    assert "补打（第1次）2026-11-2910:30" in text_of(again.path)
    assert "补打（第2次）2026-11-2910:35" in text_of(third.path)
    assert "补打" not in text_of(first.path)
    assert text_of(again.path).replace("补打（第1次）2026-11-2910:30", "") == text_of(first.path)


def test_cli_asks_for_the_basis_and_takes_a_choice(tmp_path: Path) -> None:
    from tests.integration.test_cli import counter

    data = tmp_path / "counter"
    assert counter(data, "init", "--hall", "YX330781", "--window", "5").returncode == 0
    assert counter(data, "import-catalog").returncode == 0
    assert counter(data, "config", "check_base_url", "https://zwfw.example.gov.cn/check").returncode == 0
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    item = next(i for i in catalog["items"] if i["name"] == "增值税专用发票最高开票限额审批")
    intake = {
        "task_code": item["task_code"],
        "applicant": {"name": "周明", "cert_no": "11010519491231002X", "phone": "13800138000"},
        "materials": [{"name": m["name"]} for m in item["materials"]],
        "decision": "reject",
        "reason": "申请人不是增值税一般纳税人",
    }
    raw = json.dumps(intake, ensure_ascii=False)
    refused = counter(data, "intake", "-", stdin=raw)
    assert refused.returncode == 2 and "CASE_BASIS_REQUIRED" in refused.stderr
    assert "2. 《中华人民共和国税收征收管理法》" in refused.stderr
    taken = counter(data, "--json", "intake", "-", "--basis", "2", stdin=raw)
    assert taken.returncode == 0, taken.stderr
    printed = json.loads(counter(data, "--json", "print", json.loads(taken.stdout)["project_no"]).stdout)
    assert "法律依据：《中华人民共和国税收征收管理法》。" in text_of(Path(printed["file"]))
    del intake["decision"]
    number = json.loads(counter(data, "--json", "intake", "-", stdin=json.dumps(intake)).stdout)["project_no"]
    no_basis = counter(data, "case", "close", number, "--result", "1", "--reason", "不符合条件")
    assert no_basis.returncode == 2 and "CASE_BASIS_REQUIRED" in no_basis.stderr
    closed = counter(data, "case", "close", number, "--result", "1", "--reason", "不符合条件", "--basis", "1")
    assert closed.returncode == 0, closed.stderr


def test_a_voided_or_forwarded_case_gets_no_notice_telling_anyone_to_collect(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = item_named(store, "食品经营许可证核发")
    voided, forwarded = accepted(store, clock, item), accepted(store, clock, item)
    cmd.void_case(store, clock, CLERK, voided, "录入错误")
    cmd.close_case(store, clock, CLERK, forwarded, ResultCode.FORWARDED, "报金华市市场监督管理局审批")
    for no, label in ((voided, "作废办结"), (forwarded, "转报办结")):
        with pytest.raises(DomainError) as info:
            issue_document(store, clock, CLERK, no)
        assert info.value.code == "DOC_NO_COMPLETION" and f"「{label}」" in info.value.message
