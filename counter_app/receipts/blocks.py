"""Blocks the A4/A5 documents share: header, case number with barcode, applicant rows, materials
table, and the closing block with the check QR code and the seal area."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from counter_app.domain.masking import mask_cert_no, mask_phone
from counter_app.receipts.codes import Code128Flowable, QRFlowable
from counter_app.receipts.flowables import Rule, SealArea, bold, para
from counter_app.receipts.layout import Row, grid_style, plain_style
from counter_app.receipts.model import (
    STATUS_TEXT,
    Applicant,
    MaterialLine,
    MaterialStatus,
)
from counter_app.receipts.style import INK, LABEL_FILL, Sizes, Styles

CHECK_CAPTION = "扫码核验办件真实性"


def header(hall_name: str, title: str, sizes: Sizes, styles: Styles, doc_no: str = "") -> list[Flowable]:
    """Hall name, the title in bold with letter spacing, an optional document number, a double rule."""
    spaced = " ".join(title) if len(title) <= 5 else title
    story: list[Flowable] = [
        para(hall_name, styles.hall),
        Spacer(1, sizes.body * 0.5),
        bold(spaced, styles.title),
    ]
    if doc_no:
        story.append(para(doc_no, styles.subtitle))
    story.append(Rule(thickness=1.6, double=True, space=sizes.body * 0.45))
    return story


def case_number_block(project_no: str, sizes: Sizes, styles: Styles) -> Flowable:
    """The case number in large type beside its Code128 barcode (stacked when the code is long)."""
    barcode = Code128Flowable(project_no, bar_height=sizes.bar_height, max_module=sizes.bar_module)
    caption = para(project_no, styles.small_center)
    left: list[Flowable] = [para("办件编号", styles.label), para(project_no, styles.case_no)]
    width = sizes.frame_width
    code_width = barcode.natural_width()
    if code_width <= width * 0.62:
        return Table(
            [[left, [barcode, caption]]],
            colWidths=[width - code_width, code_width],
            style=plain_style([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]),
        )
    return KeepTogether([*left, Spacer(1, 3), barcode, caption])


def applicant_rows(applicant: Applicant) -> list[Row]:
    """Grid rows for the applicant, the legal representative, the agent and the phone."""
    phone = mask_phone(applicant.phone) if applicant.phone else ""
    rows: list[Row] = []
    if applicant.is_entity:
        rows.append(("申请单位", applicant.name))
        rows.append((applicant.cert_type, applicant.printed_cert_no(), "法定代表人", applicant.legal_rep))
    else:
        rows.append(("申请人", applicant.name, applicant.cert_type, applicant.printed_cert_no()))
    if applicant.agent_name:
        rows.append(("经办人", applicant.agent_name, "联系电话", phone))
        agent_cert = applicant.agent_cert_type
        if applicant.agent_cert_no:
            agent_cert = f"{agent_cert} {mask_cert_no(applicant.agent_cert_no)}"
        rows.append(("经办人证件", agent_cert))
    elif phone:
        rows.append(("联系电话", phone))
    return rows


def material_remark(line: MaterialLine) -> str:
    """备注 column text: the status when not received, with its reason."""
    if line.status is MaterialStatus.RECEIVED:
        return line.reason
    status = STATUS_TEXT[line.status]
    return f"{status}：{line.reason}" if line.reason else status


def materials_table(
    lines: Sequence[MaterialLine],
    sizes: Sizes,
    styles: Styles,
    *,
    remark_title: str = "备注",
    remark: Callable[[MaterialLine], str] = material_remark,
    remark_share: float | None = None,
) -> Table:
    """序号 / 材料名称 / 材料形式 (原件, 复印件, 原件及复印件, 电子件) / 份数 / remark; the header row
    repeats on every page."""
    width = sizes.frame_width
    unit = sizes.body
    no_w, form_w, copies_w = unit * 3.2, unit * 7.2, unit * 3.6
    remark_w = width * (remark_share if remark_share is not None else sizes.remark_share)
    name_w = width - no_w - form_w - copies_w - remark_w
    head = [
        bold("序号", styles.head_cell),
        bold("材料名称", styles.head_cell),
        bold("材料形式", styles.head_cell),
        bold("份数", styles.head_cell),
        bold(remark_title, styles.head_cell),
    ]
    data: list[list[Any]] = [head]
    # Number, form and copies never wrap: plain string cells, which cost a fraction of a Paragraph.
    for index, line in enumerate(lines, start=1):
        text = remark(line)
        data.append(
            [
                str(index),
                para(line.name, styles.cell),
                line.form.label,
                str(line.copies),
                para(text, styles.cell) if text else "",
            ]
        )
    if len(data) == 1:
        data.append(["—", para("无", styles.cell), "", "", ""])
    return Table(
        data,
        colWidths=[no_w, name_w, form_w, copies_w, remark_w],
        repeatRows=1,
        style=grid_style(
            sizes,
            [
                ("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL),
                ("FONTSIZE", (0, 1), (-1, -1), sizes.body),
                ("LEADING", (0, 1), (-1, -1), sizes.body * sizes.cell_leading),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                ("ALIGN", (0, 1), (0, -1), "CENTER"),
                ("ALIGN", (2, 1), (3, -1), "CENTER"),
            ],
        ),
        hAlign="CENTER",
    )


def _qr_column(check: str, sizes: Sizes, styles: Styles, check_code: str) -> Table:
    rows: list[list[Any]] = [[QRFlowable(check, sizes.qr)], [para(CHECK_CAPTION, styles.small_center)]]
    if check_code:
        rows.append([para(f"核验码：{check_code}", styles.small_center)])
    return Table(
        rows,
        colWidths=[sizes.qr + sizes.small * 2],
        style=plain_style([("ALIGN", (0, 0), (-1, -1), "CENTER")]),
    )


def closing_block(
    sizes: Sizes,
    styles: Styles,
    *,
    seal_label: str,
    seal_lines: Sequence[str],
    check: str | None = None,
    check_code: str = "",
    notes: Sequence[Flowable] = (),
    sign_off: bool = False,
    lead: Sequence[Flowable] = (),
) -> Flowable:
    """The foot of a document, kept on one page: the check QR code with its caption, small-print
    notes or (``sign_off``) the applicant's acknowledgement blanks, and the seal area.

    ``lead`` (the closing sentence, 特此告知。) stays on the page of the seal: a seal must never
    stand on a page without text.
    """
    width = sizes.frame_width
    seal_w = sizes.seal * 1.15
    seal = SealArea(seal_lines, seal_label, sizes, seal_w)
    cells: list[Any] = []
    widths: list[float] = []
    if check:
        cells.append(_qr_column(check, sizes, styles, check_code))
        widths.append(sizes.qr + sizes.small * 2.5)
    middle = [*notes, *sign_off_lines(styles)] if sign_off else list(notes)
    cells += [middle, seal]
    widths += [width - sum(widths) - seal_w, seal_w]
    middle_col = len(cells) - 2
    table = Table(
        [cells],
        colWidths=widths,
        style=plain_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("VALIGN", (middle_col, 0), (middle_col, 0), "BOTTOM" if sign_off else "MIDDLE"),
                ("LEFTPADDING", (middle_col, 0), (middle_col, 0), sizes.small),
            ]
        ),
    )
    return KeepTogether([*lead, Spacer(1, sizes.body * 0.6), table])


def sign_off_lines(styles: Styles) -> list[Flowable]:
    """The applicant's acknowledgement: 申请人（签收） and the date, with blanks to fill in by hand."""
    return [
        para("申请人（签收）：________________", styles.body),
        para("签收日期：______年____月____日", styles.body),
    ]


def notes_block(title: str, notes: Sequence[str], styles: Styles) -> list[Flowable]:
    """Numbered small-print notes under a short title."""
    if not notes:
        return []
    story: list[Flowable] = [para(title, styles.small)]
    story += [para(f"{index}. {note}", styles.note) for index, note in enumerate(notes, start=1)]
    return story
