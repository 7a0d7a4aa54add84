"""Document renderers: data in, PDF bytes out.

- :func:`render_acceptance_receipt` 受理回执 (A4 or A5)
- :func:`render_correction_notice` 一次性告知书, :func:`render_rejection_notice` 不予受理通知书,
  :func:`render_completion_notice` 办结/领证通知书 (A4; in :mod:`counter_app.receipts.notices`)
- :func:`render_ticket_slip` 排队小票 on 80 mm thermal paper (in :mod:`counter_app.receipts.slip`)
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from counter_app.receipts.blocks import (
    applicant_rows,
    case_number_block,
    closing_block,
    header,
    materials_table,
    notes_block,
)
from counter_app.receipts.flowables import para
from counter_app.receipts.layout import (
    Row,
    build_pdf,
    format_date,
    format_datetime,
    format_due,
    info_grid,
    window_text,
)
from counter_app.receipts.model import AcceptanceReceipt, MaterialStatus, check_url
from counter_app.receipts.notices import (
    render_completion_notice,
    render_correction_notice,
    render_rejection_notice,
)
from counter_app.receipts.slip import render_ticket_slip
from counter_app.receipts.style import sizes_for, styles_for

__all__ = [
    "ESTIMATED_NOTE",
    "render_acceptance_receipt",
    "render_completion_notice",
    "render_correction_notice",
    "render_rejection_notice",
    "render_ticket_slip",
]

ESTIMATED_NOTE = "（预计，节假日安排未公布）"
RECEIPT_TITLE = "受理回执"


def _promise_text(data: AcceptanceReceipt) -> str:
    if data.promise_due is None:
        return "即办件，当场办结"
    text = format_due(data.promise_due)
    return text + ESTIMATED_NOTE if data.promise_estimated else text


def render_acceptance_receipt(data: AcceptanceReceipt, pagesize: str = "A4", copy_mark: str = "") -> bytes:
    """Render a 受理回执 on ``"A4"`` or ``"A5"`` paper and return the PDF bytes.

    Materials still owed under 容缺受理 are listed after those received, each with the promised
    date. ``copy_mark`` (补打…) marks a reprint.

    The applicant's ID number is masked; the case number is printed as a Code128 barcode and the
    check URL (case number and check code) as a QR code. Long material lists flow onto further
    pages with the table header repeated.
    """
    sizes = sizes_for(pagesize)
    styles = styles_for(sizes)
    story: list[Flowable] = header(data.hall.name, RECEIPT_TITLE, sizes, styles)
    story.append(case_number_block(data.project_no, sizes, styles))
    story.append(Spacer(1, sizes.body * 0.6))

    case_rows: list[Row] = [
        ("事项名称", data.matter_name),
        ("实施编码", data.task_code),
        ("受理部门", data.department),
        *applicant_rows(data.applicant),
    ]
    story.append(info_grid(case_rows, sizes, styles))

    received = sum(1 for m in data.materials if m.status is MaterialStatus.RECEIVED)
    deferred = sum(1 for m in data.materials if m.status is MaterialStatus.DEFERRED)
    heading = f"收取材料（共 {received} 项" + (f"；容缺后补 {deferred} 项）" if deferred else "）")
    story.append(para(heading, styles.heading))
    story.append(Spacer(1, sizes.body * 0.2))
    story.append(materials_table(data.materials, sizes, styles))
    story.append(Spacer(1, sizes.body * 0.8))

    time_rows: list[Row] = []
    if data.promise_limit:
        time_rows.append(("受理时间", format_datetime(data.accepted_at), "承诺时限", data.promise_limit))
    else:
        time_rows.append(("受理时间", format_datetime(data.accepted_at)))
    time_rows += [
        ("承诺办结时间", _promise_text(data)),
        ("受理窗口", window_text(data.window_no), "受理人", f"{data.clerk_name}（工号 {data.clerk_id}）"),
        ("咨询电话", data.hall.phone, "核验码", data.check_code),
    ]
    url = check_url(data.hall.check_base_url, data.project_no, data.check_code)
    story.append(
        closing_block(
            sizes,
            styles,
            seal_label="（受理专用章）",
            seal_lines=[data.department, format_date(data.accepted_at)],
            check=url,
            notes=notes_block("说明：", data.notes or (), styles),
            lead=[info_grid(time_rows, sizes, styles)],
        )
    )
    return build_pdf(
        story,
        sizes,
        title=f"{RECEIPT_TITLE} {data.project_no}",
        author=data.hall.name,
        footer_left=f"{RECEIPT_TITLE} · 办件编号 {data.project_no}",
        copy_mark=copy_mark,
    )
