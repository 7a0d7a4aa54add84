"""Documents read back with real tools: poppler (pdftotext, pdftoppm, pdfinfo, pdffonts) and zbar.

Every required field is found in the extracted text; the Code128 barcode and the QR codes are
decoded from a 200 dpi rendering; fonts are embedded. No mocks: the tools must be installed
(poppler-utils, zbar-tools).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from reportlab.lib.units import mm

from counter_app.receipts import (
    check_url,
    missing_glyphs,
    render_acceptance_receipt,
    render_completion_notice,
    render_correction_notice,
    render_rejection_notice,
    render_ticket_slip,
    samples,
)
from counter_app.receipts.model import CORRECTION_COMPLETENESS, MaterialForm, MaterialLine, MaterialStatus


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


class Pdf:
    """A rendered document on disk, with the tools' views of it."""

    def __init__(self, data: bytes, folder: Path, name: str) -> None:
        self.path = folder / f"{name}.pdf"
        self.path.write_bytes(data)
        self.folder = folder
        self.name = name

    def text(self, page: int | None = None) -> str:
        pages = ["-f", str(page), "-l", str(page)] if page else []
        return run("pdftotext", "-layout", *pages, str(self.path), "-")

    def raw(self) -> str:
        """Text in content order, spaces as drawn."""
        return run("pdftotext", "-raw", str(self.path), "-")

    def flat(self) -> str:
        """Text in content order with all whitespace removed: wrapped lines join up again."""
        return re.sub(r"\s+", "", self.raw())

    def info(self) -> dict[str, str]:
        lines = run("pdfinfo", str(self.path)).splitlines()
        return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}

    def pages(self) -> int:
        return int(self.info()["Pages"])

    def page_size(self) -> tuple[float, float]:
        match = re.match(r"([\d.]+) x ([\d.]+) pts", self.info()["Page size"])
        assert match, self.info()["Page size"]
        return float(match.group(1)), float(match.group(2))

    def codes(self) -> list[str]:
        """Every barcode and QR code zbar decodes on every page at 200 dpi."""
        prefix = self.folder / f"{self.name}-png"
        run("pdftoppm", "-r", "200", "-png", str(self.path), str(prefix))
        found: list[str] = []
        for image in sorted(self.folder.glob(f"{self.name}-png*.png")):
            result = subprocess.run(
                ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=False
            )
            assert result.returncode in (0, 4), result.stderr  # 4: nothing found on this page
            found += [line for line in result.stdout.splitlines() if line]
        return found

    def fonts(self) -> list[list[str]]:
        rows = run("pdffonts", str(self.path)).splitlines()[2:]
        return [row.split() for row in rows]


@pytest.fixture
def pdf_dir(tmp_path: Path) -> Path:
    return tmp_path


def assert_fonts_embedded(pdf: Pdf) -> None:
    """Only the CJK font, embedded, and a glyph for every character of the text (no tofu)."""
    rows = pdf.fonts()
    assert rows, "no fonts listed"
    for row in rows:
        # name type encoding emb sub uni object ID
        assert "WenQuanYiMicroHei" in row[0], row
        assert row[-5] == "yes", f"font not embedded: {row}"
    assert missing_glyphs(pdf.raw()) == set()


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_all_in(needles: list[str], haystack: str) -> None:
    """Every needle occurs in haystack, whitespace ignored.

    ``pdftotext -layout`` lays text on a character grid sized for the line's average glyph: in
    lines of hanzi it drops the narrower ASCII spaces ("第 1 页" comes out as "第1页"), so spaces
    cannot be compared. ``-raw`` keeps them; the tests check a few exact strings with it.
    """
    flat = squash(haystack)
    missing = [needle for needle in needles if squash(needle) not in flat]
    assert missing == [], f"not found: {missing}"


def test_acceptance_receipt_entity_a4(pdf_dir: Path) -> None:
    data = samples.acceptance_receipt()
    pdf = Pdf(render_acceptance_receipt(data), pdf_dir, "receipt")
    text = pdf.text()
    assert pdf.pages() == 1
    assert_all_in(
        [
            "东湖市行政服务中心",
            "受 理 回 执",
            "办件编号",
            data.project_no,
            "食品经营许可证核发",
            data.task_code,
            "东湖市市场监督管理局",
            "东湖市味之源餐饮管理有限公司",
            "统一社会信用代码".replace("代码", ""),  # the label wraps in its cell
            "91330106MA2H3K4L5N",
            "法定代表人",
            "王建国",
            "经办人",
            "刘晓敏",
            "330106********4528",
            "139****2345",
            "收取材料（共 7 项）",
            "序号",
            "材料名称",
            "材料形式",
            "份数",
            "食品经营许可申请书",
            "营业执照或者其他主体资格证明文件",
            "法定代表人（负责人）身份证明",
            "经营场所平面图及周边环境示意图",
            "授权委托书及经办人身份证件",
            "已核验原件",
            "原件及复印件",
            "复印件",
            "受理时间",
            "2026年11月25日 09:32",
            "承诺办结时间",
            "2026年12月16日 17:00（预计，节假日安排未公布）",
            "承诺时限",
            "15个工作日",
            "3号窗口",
            "李娜（工号 0312）",
            "0571-87012345",
            "核验码",
            "8F3K2Q9M",
            "扫码核验办件真实性",
            "（受理专用章）",
            "2026年11月25日",
            "第 1 页 共 1 页",
        ],
        text,
    )
    flat = pdf.flat()
    for material in data.materials:
        assert material.name in flat
    assert "第 1 页 共 1 页" in pdf.raw()
    assert "330106199203154528" not in text  # the agent's full ID
    assert "13957112345" not in text  # the full phone number
    codes = pdf.codes()
    assert data.project_no in codes
    assert check_url(data.hall.check_base_url, data.project_no, data.check_code) in codes
    assert_fonts_embedded(pdf)


def test_acceptance_receipt_person_masks_id(pdf_dir: Path) -> None:
    data = replace(samples.acceptance_receipt(), applicant=samples.PERSON, promise_estimated=False)
    pdf = Pdf(render_acceptance_receipt(data), pdf_dir, "person")
    text = pdf.text()
    assert_all_in(["张丽华", "居民身份证", "110105********002X", "138****5678"], text)
    assert "11010519491231002X" not in text
    assert "11010519491231002X" not in pdf.flat()
    assert "13812345678" not in text
    assert "预计" not in text


def test_long_receipt_flows_onto_two_pages(pdf_dir: Path) -> None:
    data = samples.long_receipt()
    assert len(data.matter_name) == 60
    assert len(data.materials) == 30
    pdf = Pdf(render_acceptance_receipt(data), pdf_dir, "long")
    assert pdf.pages() == 2
    text = pdf.text()
    for material in data.materials:
        assert material.name in text, material.name
    assert data.matter_name in pdf.flat()
    raw = pdf.raw()
    assert "第 1 页 共 2 页" in raw
    assert "第 2 页 共 2 页" in raw
    first, second = pdf.text(1), pdf.text(2)
    assert "材料名称" in first and "材料名称" in second  # the table header repeats
    assert "第30项附件：申请人承诺书" in second
    assert "扫码核验办件真实性" in second
    codes = pdf.codes()
    assert data.project_no in codes
    assert check_url(data.hall.check_base_url, data.project_no, data.check_code) in codes


@pytest.mark.parametrize(
    ("pagesize", "project_no"),
    [
        ("A5", "K01-W03-20261125-0007"),
        ("A5", "YX330781-20261125-03K7Q-0007"),
        ("A4", "YX330781-20261125-03K7Q-0007"),
        ("A4", "ZWFW-330781-" + "Q7K9" * 9 + "-7"),  # 50 characters, few digit runs
        ("A5", "ABCDEFGHJKLMNPQRSTUVWXYZ-ABCDEFGHJKLMNPQRSTUVWXYZ-"),  # 50, no digits: widest symbol
    ],
)
def test_receipt_codes_decode(pdf_dir: Path, pagesize: str, project_no: str) -> None:
    assert len(project_no) <= 50
    data = replace(samples.acceptance_receipt(), project_no=project_no)
    pdf = Pdf(render_acceptance_receipt(data, pagesize=pagesize), pdf_dir, f"{pagesize}-{len(project_no)}")
    codes = pdf.codes()
    assert project_no in codes
    assert check_url(data.hall.check_base_url, project_no, data.check_code) in codes
    assert project_no in pdf.text()


def test_a5_receipt(pdf_dir: Path) -> None:
    data = samples.acceptance_receipt()
    pdf = Pdf(render_acceptance_receipt(data, pagesize="A5"), pdf_dir, "a5")
    width, height = pdf.page_size()
    assert width == pytest.approx(148 * mm, abs=0.5)
    assert height == pytest.approx(210 * mm, abs=0.5)
    assert pdf.pages() == 1
    text = pdf.text()
    assert_all_in(
        [
            data.project_no,
            "食品经营许可证核发",
            "91330106MA2H3K4L5N",
            "（预计，节假日安排未公布）",
            "第 1 页 共 1 页",
        ],
        text,
    )
    flat = pdf.flat()
    for material in data.materials:
        assert material.name in flat
    assert_fonts_embedded(pdf)


def test_correction_notice(pdf_dir: Path) -> None:
    data = samples.correction_notice()
    pdf = Pdf(render_correction_notice(data), pdf_dir, "correction")
    text = pdf.text()
    flat = pdf.flat()
    assert_all_in(
        ["一次性告知书", data.case.project_no, "东湖市味之源餐饮管理有限公司：", "问题及补正要求"], text
    )
    assert_all_in(
        [
            "《中华人民共和国行政许可法》第三十二条第一款第（四）项",
            "现将需要补正的全部材料（共3项）一次性告知如下",
            "请于2026年12月2日前将上述材料补正齐全",
            CORRECTION_COMPLETENESS,
            "缺少：未提交；租赁合同应在有效期内并附出租方产权证明",
            "不符合要求：未加盖申请单位公章，请盖章后重新提交",
            "申请人（签收）",
            "（受理专用章）",
        ],
        flat,
    )
    for item in data.items:
        assert item.name in flat
        assert item.reason in flat
    codes = pdf.codes()
    assert data.case.project_no in codes
    assert check_url(data.case.hall.check_base_url, data.case.project_no, data.case.check_code) in codes
    assert_fonts_embedded(pdf)


def test_rejection_notice(pdf_dir: Path) -> None:
    data = samples.rejection_notice()
    pdf = Pdf(render_rejection_notice(data), pdf_dir, "rejection")
    text = pdf.text()
    flat = pdf.flat()
    assert_all_in(["不予受理通知书", "东市监不受〔2026〕第0007号", data.case.project_no], text)
    assert_all_in(
        [
            "不予受理理由：" + data.reason,
            "法律依据：《中华人民共和国行政许可法》第三十二条第一款第（二）项",
            "请向东湖市临江新区市场监督管理局提出申请",
            "如不服本决定，可以自收到本通知书之日起六十日内向东湖市人民政府申请行政复议，"
            "或者自收到本通知书之日起六个月内依法向东湖市人民法院提起行政诉讼。",
            "（行政机关印章）",
            "2026年11月25日",
        ],
        flat,
    )
    assert data.case.project_no in pdf.codes()
    assert_fonts_embedded(pdf)


def test_completion_notice(pdf_dir: Path) -> None:
    data = samples.completion_notice()
    pdf = Pdf(render_completion_notice(data), pdf_dir, "completion")
    text = pdf.text()
    flat = pdf.flat()
    assert_all_in(
        ["领 证 通 知 书", data.case.project_no, "准予许可", "食品经营许可证", "JY13301060012345"], text
    )
    assert_all_in(
        [
            "已于2026年12月9日15:20办结",
            "东湖市行政服务中心一楼综合出件窗口（12号窗口）",
            "2026年12月10日起，工作日9:00—12:00、13:30—17:00",
            "领取时请携带",
            "本通知书或受理回执",
            "2026年12月9日",
        ],
        flat,
    )
    assert data.case.project_no in pdf.codes()
    assert_fonts_embedded(pdf)


def test_ticket_slip(pdf_dir: Path) -> None:
    data = samples.ticket_slip()
    pdf = Pdf(render_ticket_slip(data), pdf_dir, "slip")
    width, height = pdf.page_size()
    assert width == pytest.approx(226.8, abs=0.1)  # 80 mm
    assert 60 * mm < height < 120 * mm
    assert pdf.pages() == 1
    text = pdf.text()
    assert_all_in(
        [
            "东湖市行政服务中心",
            "企业开办（市场主体登记）",
            "A012",
            "您前面还有 7 人等候",
            "2026-11-25 09:12:30",
            "请留意叫号，前往 3—6 号窗口办理",
            "好差评",
        ],
        text,
    )
    assert "您前面还有 7 人等候" in pdf.raw()
    assert pdf.codes() == [data.rating_url]
    assert_fonts_embedded(pdf)


def test_long_correction_notice_keeps_every_item_and_the_closing_statement(pdf_dir: Path) -> None:
    items = tuple(
        MaterialLine(
            f"补正材料第{index}项：建设项目环境影响评价文件及批复",
            MaterialForm.COPY,
            status=MaterialStatus.DEFECTIVE,
            reason=f"第{index}页缺少建设单位盖章，请加盖公章后重新提交",
        )
        for index in range(1, 26)
    )
    data = replace(samples.correction_notice(), items=items)
    pdf = Pdf(render_correction_notice(data), pdf_dir, "correction-long")
    pages = pdf.pages()
    assert pages >= 2
    flat = pdf.flat()
    for item in items:
        assert item.name in flat
        assert item.reason in flat
    assert "现将需要补正的全部材料（共25项）一次性告知如下" in flat
    assert squash(CORRECTION_COMPLETENESS) in flat
    assert "问题及补正要求" in pdf.text(2)  # the table header repeats
    last = pdf.text(pages)
    assert "特此告知" in last and "（受理专用章）" in last  # the seal never stands alone on a page
    assert f"第 {pages} 页 共 {pages} 页" in pdf.raw()
    assert data.case.project_no in pdf.codes()
