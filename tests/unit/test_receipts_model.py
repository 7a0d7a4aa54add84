"""Receipt data: masking, the check URL, validation and the text helpers of the documents."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from counter_app.receipts import (
    Applicant,
    CorrectionNotice,
    MaterialForm,
    MaterialLine,
    MaterialStatus,
    ReceiptDataError,
    RejectionNotice,
    TicketSlip,
    check_url,
    mask_cert_no,
    mask_phone,
    samples,
)
from counter_app.receipts.layout import cn_number, format_date, format_datetime, format_due, window_text
from counter_app.receipts.notices import rights_text, sentence

FORM = MaterialForm.ORIGINAL


@pytest.mark.parametrize(
    ("cert_no", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("110105491231002", "110105*****1002"),  # 15-digit first-generation ID
        (" 11010519491231002X ", "110105********002X"),
        ("E12345678", "E1*****78"),  # passport
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_cert_no(cert_no: str, masked: str) -> None:
    assert mask_cert_no(cert_no) == masked


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0571-87012345") == "057******2345"
    assert mask_phone("110") == "110"


def test_person_cert_is_masked_entity_code_is_not() -> None:
    assert samples.PERSON.printed_cert_no() == "110105********002X"
    assert samples.ENTITY.printed_cert_no() == "91330106MA2H3K4L5N"


def test_check_url() -> None:
    url = check_url("https://zwfw.example.gov.cn/check", "K01-W03-20261125-0007", "8F3K2Q9M")
    assert url == "https://zwfw.example.gov.cn/check?no=K01-W03-20261125-0007&code=8F3K2Q9M"
    assert check_url("https://x.example/c?hall=1", "A1", "c d") == "https://x.example/c?hall=1&no=A1&code=c+d"


@pytest.mark.parametrize("project_no", ["", "k01-w03", "A" * 51, "K01 W03", "K01_W03"])
def test_check_url_refuses_bad_project_no(project_no: str) -> None:
    with pytest.raises(ReceiptDataError):
        check_url("https://x.example/check", project_no, "CODE")


def test_check_url_refuses_empty_code() -> None:
    with pytest.raises(ReceiptDataError):
        check_url("https://x.example/check", "A1", "")


def test_fifty_character_project_no_is_accepted() -> None:
    receipt = replace(samples.acceptance_receipt(), project_no="A" * 50)
    assert receipt.case.project_no == "A" * 50


def test_receipt_refuses_bad_project_no() -> None:
    with pytest.raises(ReceiptDataError):
        replace(samples.acceptance_receipt(), project_no="k01-lowercase")


def test_receipt_stores_materials_as_tuple() -> None:
    line = MaterialLine("申请书", MaterialForm.ELECTRONIC)
    receipt = replace(samples.acceptance_receipt(), materials=[line])  # type: ignore[arg-type]
    assert receipt.materials == (line,)


def test_a_material_line_needs_a_real_form() -> None:
    with pytest.raises(ReceiptDataError):
        MaterialLine("申请书", "原件")  # type: ignore[arg-type]


def test_receipt_case_carries_the_case_fields() -> None:
    receipt = samples.acceptance_receipt()
    case = receipt.case
    assert (case.project_no, case.matter_name, case.clerk_id) == (
        receipt.project_no,
        receipt.matter_name,
        receipt.clerk_id,
    )


def test_correction_notice_validation() -> None:
    notice = samples.correction_notice()
    with pytest.raises(ReceiptDataError):
        replace(notice, items=())
    with pytest.raises(ReceiptDataError):
        replace(notice, items=(MaterialLine("申请书", FORM, status=MaterialStatus.RECEIVED),))
    with pytest.raises(ReceiptDataError):
        replace(notice, items=(MaterialLine("申请书", FORM, status=MaterialStatus.DEFECTIVE, reason=" "),))
    missing_without_reason = replace(
        notice, items=(MaterialLine("申请书", FORM, status=MaterialStatus.MISSING),)
    )
    assert isinstance(missing_without_reason, CorrectionNotice)


def test_rejection_notice_validation_and_defaults() -> None:
    notice = samples.rejection_notice()
    assert (notice.reconsideration_days, notice.lawsuit_months, notice.court) == (60, 6, "东湖市人民法院")
    with pytest.raises(ReceiptDataError):
        replace(notice, reason="")
    with pytest.raises(ReceiptDataError):
        replace(notice, legal_basis=" ")
    with pytest.raises(ReceiptDataError):
        replace(notice, reconsideration_body=" ")


def test_rights_text_wording() -> None:
    assert rights_text(samples.rejection_notice()) == (
        "如不服本决定，可以自收到本通知书之日起六十日内向东湖市人民政府申请行政复议，"
        "或者自收到本通知书之日起六个月内依法向东湖市人民法院提起行政诉讼。"
    )


def test_rights_text_follows_the_data() -> None:
    notice = replace(
        samples.rejection_notice(), reconsideration_days=15, lawsuit_months=3, court="东湖市人民法院"
    )
    assert "十五日内" in rights_text(notice)
    assert "之日起三个月内依法向东湖市人民法院提起行政诉讼" in rights_text(notice)


def test_ticket_slip_validation() -> None:
    with pytest.raises(ReceiptDataError):
        replace(samples.ticket_slip(), people_ahead=-1)
    assert isinstance(replace(samples.ticket_slip(), people_ahead=0), TicketSlip)


def test_completion_title() -> None:
    notice = samples.completion_notice()
    assert notice.title == "领证通知书"
    assert replace(notice, certificate_name="").title == "办结通知书"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "零"),
        (6, "六"),
        (10, "十"),
        (15, "十五"),
        (60, "六十"),
        (99, "九十九"),
        (100, "一百"),
        (105, "一百零五"),
    ],
)
def test_cn_number(n: int, text: str) -> None:
    assert cn_number(n) == text


def test_cn_number_range() -> None:
    assert cn_number(180) == "一百八十"
    with pytest.raises(ValueError):
        cn_number(1000)


def test_date_formats() -> None:
    assert format_datetime(datetime(2026, 11, 5, 9, 3)) == "2026年11月5日 09:03"
    assert format_date(date(2026, 1, 2)) == "2026年1月2日"
    assert format_due(datetime(2026, 12, 16, 0, 0)) == "2026年12月16日"
    assert format_due(datetime(2026, 12, 16, 23, 59, 59)) == "2026年12月16日"
    assert format_due(datetime(2026, 12, 16, 17, 0)) == "2026年12月16日 17:00"


def test_window_and_sentence_helpers() -> None:
    assert window_text(3) == "3号窗口"
    assert window_text("综合窗口") == "综合窗口"
    assert sentence("理由") == "理由。"
    assert sentence("理由。") == "理由。"


def test_rejection_needs_a_body_for_reconsideration() -> None:
    with pytest.raises(TypeError):
        RejectionNotice(  # type: ignore[call-arg]
            case=samples.case_info(),
            received_at=datetime(2026, 11, 25, 9, 0),
            reason="理由",
            legal_basis="依据",
            issued_on=date(2026, 11, 25),
        )


def test_applicant_defaults() -> None:
    person = Applicant("张三", "居民身份证", "11010519491231002X")
    assert (person.is_entity, person.agent_name, person.phone) == (False, "", "")
