"""The written notices a window hands out besides the receipt (A4):
一次性告知书, 不予受理通知书 and 办结/领证通知书."""

from __future__ import annotations

from datetime import date

from reportlab.platypus import Flowable, Spacer

from counter_app.receipts.blocks import (
    applicant_rows,
    case_number_block,
    closing_block,
    header,
    materials_table,
)
from counter_app.receipts.flowables import bold, para
from counter_app.receipts.layout import (
    Row,
    build_pdf,
    cn_number,
    format_date,
    format_datetime,
    info_grid,
    window_text,
)
from counter_app.receipts.model import (
    CORRECTION_COMPLETENESS,
    STATUS_TEXT,
    CaseInfo,
    CompletionNotice,
    CorrectionNotice,
    MaterialLine,
    MaterialStatus,
    Refusal,
    RejectionNotice,
    check_url,
)
from counter_app.receipts.style import Sizes, Styles, sizes_for, styles_for

CORRECTION_TITLE = "一次性告知书"
REJECTION_TITLE = "不予受理通知书"
MISSING_DEFAULT_REASON = "未提交该材料，请按要求提交"


def _case_rows(case: CaseInfo) -> list[Row]:
    return [
        ("事项名称", case.matter_name),
        ("实施编码", case.task_code),
        ("受理部门", case.department),
        *applicant_rows(case.applicant),
    ]


def _contact_rows(case: CaseInfo) -> list[Row]:
    return [
        ("办理窗口", window_text(case.window_no), "承办人", f"{case.clerk_name}（工号 {case.clerk_id}）"),
        ("咨询电话", case.hall.phone),
    ]


def sentence(text: str) -> str:
    """``text`` ending with a full stop (kept if it already ends with closing punctuation)."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "；", ".")) else text + "。"


def _opening(case: CaseInfo, styles: Styles) -> Flowable:
    return para(f"{case.applicant.name}：", styles.body)


def _check(case: CaseInfo) -> str | None:
    if not case.check_code:
        return None
    return check_url(case.hall.check_base_url, case.project_no, case.check_code)


def _closing(
    case: CaseInfo,
    issued_on: date,
    sizes: Sizes,
    styles: Styles,
    seal_label: str,
    lead: str,
    sign_off: bool = False,
    last_text: list[Flowable] | None = None,
) -> Flowable:
    """The notice's end: the closing phrase, the check QR, the applicant's signature and the seal.

    ``last_text`` (the notice's last paragraphs) is kept on the page of the seal, so that the
    signature, seal and QR code never stand alone on a page of their own.
    """
    return closing_block(
        sizes,
        styles,
        seal_label=seal_label,
        seal_lines=[case.department, format_date(issued_on)],
        check=_check(case),
        check_code=case.check_code,
        sign_off=sign_off,
        lead=[*(last_text or []), para(lead, styles.body_indent)],
    )


def _start(case: CaseInfo, title: str, sizes: Sizes, styles: Styles, doc_no: str = "") -> list[Flowable]:
    story = header(case.hall.name, title, sizes, styles, doc_no=doc_no)
    story.append(case_number_block(case.project_no, sizes, styles))
    story.append(Spacer(1, sizes.body * 0.6))
    story.append(info_grid(_case_rows(case) + _contact_rows(case), sizes, styles))
    story.append(Spacer(1, sizes.body * 0.8))
    story.append(_opening(case, styles))
    return story


def _build(story: list[Flowable], case: CaseInfo, title: str, sizes: Sizes, copy_mark: str) -> bytes:
    return build_pdf(
        story,
        sizes,
        title=f"{title} {case.project_no}",
        author=case.hall.name,
        footer_left=f"{title} · 办件编号 {case.project_no}",
        copy_mark=copy_mark,
    )


def _correction_reason(line: MaterialLine) -> str:
    if line.reason:
        return line.reason
    return MISSING_DEFAULT_REASON if line.status is MaterialStatus.MISSING else ""


def _correction_remark(line: MaterialLine) -> str:
    return f"{STATUS_TEXT[line.status]}：{_correction_reason(line)}"


def render_correction_notice(data: CorrectionNotice, copy_mark: str = "") -> bytes:
    """Render a 一次性告知书 (A4): every missing or defective material with its form and reason, the
    deadline, and the statement that the list is complete. ``copy_mark`` (补打…) marks a reprint.
    Returns the PDF bytes."""
    sizes = sizes_for("A4")
    styles = styles_for(sizes)
    case = data.case
    story = _start(case, CORRECTION_TITLE, sizes, styles)
    story.append(
        para(
            f"你（单位）于{format_datetime(data.received_at)}提交的“{case.matter_name}”申请，经审查，"
            f"申请材料不齐全或者不符合法定形式。根据{data.legal_basis}的规定，"
            f"现将需要补正的全部材料（共 {len(data.items)} 项）一次性告知如下：",
            styles.body_indent,
        )
    )
    story.append(Spacer(1, sizes.body * 0.3))
    story.append(
        materials_table(
            data.items,
            sizes,
            styles,
            remark_title="问题及补正要求",
            remark=_correction_remark,
            remark_share=0.38,
        )
    )
    story.append(Spacer(1, sizes.body * 0.6))
    last = [
        para(
            f"请于{format_date(data.supply_deadline)}前将上述材料补正齐全，"
            f"携带本告知书到{case.hall.name}{window_text(case.window_no)}提交。",
            styles.body_indent,
        ),
        bold(CORRECTION_COMPLETENESS, styles.body_indent),
    ]
    story.append(_closing(case, data.issued_on, sizes, styles, "（受理专用章）", "特此告知。", True, last))
    return _build(story, case, CORRECTION_TITLE, sizes, copy_mark)


def rights_text(data: RejectionNotice | Refusal, document: str = "本通知书") -> str:
    """The remedies sentence: administrative reconsideration and lawsuit, with their time limits
    (行政复议法 第20条: 60 days; 行政诉讼法 第46条: 6 months) and the bodies that hear them."""
    days = cn_number(data.reconsideration_days)
    months = cn_number(data.lawsuit_months)
    return (
        f"如不服本决定，可以自收到{document}之日起{days}日内向{data.reconsideration_body}申请行政复议，"
        f"或者自收到{document}之日起{months}个月内依法向{data.court}提起行政诉讼。"
    )


def render_rejection_notice(data: RejectionNotice, copy_mark: str = "") -> bytes:
    """Render a 不予受理通知书 (A4): reason, legal basis and the applicant's remedies; ``copy_mark``
    (补打…) marks a reprint. Returns PDF bytes."""
    sizes = sizes_for("A4")
    styles = styles_for(sizes)
    case = data.case
    story = _start(case, REJECTION_TITLE, sizes, styles, doc_no=data.doc_no)
    story.append(
        para(
            f"你（单位）于{format_datetime(data.received_at)}提出的“{case.matter_name}”申请，经审查，"
            "本机关决定不予受理。理由和依据如下：",
            styles.body_indent,
        )
    )
    points = [f"不予受理理由：{sentence(data.reason)}", f"法律依据：{sentence(data.legal_basis)}"]
    if data.redirect_to:
        points.append(f"请向{data.redirect_to}提出申请。")
    numerals = "一二三四五六"
    for index, point in enumerate(points):
        story.append(para(f"{numerals[index]}、{point}", styles.body_indent))
    last = [para(rights_text(data), styles.body_indent)]
    story.append(_closing(case, data.issued_on, sizes, styles, "（行政机关印章）", "特此通知。", True, last))
    return _build(story, case, REJECTION_TITLE, sizes, copy_mark)


def _refusal_story(data: CompletionNotice, refusal: Refusal, styles: Styles) -> list[Flowable]:
    """不予许可 (行政许可法 第38条): the decision, its reasons and legal basis, then the remedies."""
    case = data.case
    return [
        para(
            f"你（单位）申请办理的“{case.matter_name}”，经审查，本机关于{format_datetime(data.completed_at)}"
            "决定不予行政许可。理由和依据如下：",
            styles.body_indent,
        ),
        para(f"一、不予许可理由：{sentence(refusal.reason)}", styles.body_indent),
        para(f"二、法律依据：{sentence(refusal.legal_basis)}", styles.body_indent),
        para(f"三、{rights_text(refusal)}", styles.body_indent),
    ]


def _grant_story(data: CompletionNotice, sizes: Sizes, styles: Styles) -> list[Flowable]:
    """A result to hand over: where and when to collect it, or how it is sent."""
    case = data.case
    how = "请按以下时间和地点领取办理结果" if not data.delivery else f"办理结果将以{data.delivery}方式送达"
    story: list[Flowable] = [
        para(
            f"你（单位）申请办理的“{case.matter_name}”已于{format_datetime(data.completed_at)}办结，"
            f"办理结果：{data.result}，{how}。",
            styles.body_indent,
        ),
        para("办理结果及领取方式" if not data.delivery else "办理结果及送达方式", styles.heading),
        Spacer(1, sizes.body * 0.2),
    ]
    rows: list[Row] = [("办理结果", data.result)]
    if data.certificate_name:
        rows.append(("证照名称", data.certificate_name))
    if data.certificate_no:
        rows.append(("证照编号", data.certificate_no))
    if data.delivery:
        rows.append(("送达方式", data.delivery))
    else:
        rows += [("领取地点", data.collect_place), ("领取时间", data.collect_time)]
    story += [info_grid(rows, sizes, styles), Spacer(1, sizes.body * 0.4)]
    if data.collect_requirements and not data.delivery:
        story.append(para("领取时请携带：", styles.body))
        story += [
            para(f"{index}. {item}", styles.body_indent)
            for index, item in enumerate(data.collect_requirements, start=1)
        ]
    return story


def render_completion_notice(data: CompletionNotice, copy_mark: str = "") -> bytes:
    """Render a 办结通知书, or a 领证通知书 when a certificate is to be collected (A4).

    A 不予许可 states the reasons, the legal basis and the remedies (行政复议, 行政诉讼) and asks
    nobody to collect anything; a granted result says where and when to collect it, or how it is
    sent. ``copy_mark`` (补打…) marks a reprint. Returns PDF bytes.
    """
    sizes = sizes_for("A4")
    styles = styles_for(sizes)
    case = data.case
    title = data.title
    story = _start(case, title, sizes, styles)
    if data.refusal is not None:
        body = _refusal_story(data, data.refusal, styles)
        seal, sign_off = "（行政机关印章）", True
    else:
        body = _grant_story(data, sizes, styles)
        seal, sign_off = "（受理专用章）", False
    story += body[:-1]
    story.append(_closing(case, data.issued_on, sizes, styles, seal, "特此通知。", sign_off, body[-1:]))
    return _build(story, case, title, sizes, copy_mark)
