"""What the documents print: plain frozen dataclasses the service layer fills in.

Nothing here reads the clock or a database; every time on a document comes in the data.

- :class:`AcceptanceReceipt` 受理回执
- :class:`CorrectionNotice` 一次性告知书 (补正材料)
- :class:`RejectionNotice` 不予受理通知书
- :class:`CompletionNotice` 办结通知书 / 领证通知书
- :class:`TicketSlip` 排队取号小票
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from counter_app.domain.catalog import MaterialForm, TimeUnit
from counter_app.domain.masking import mask_cert_no

PROJECT_NO_PATTERN = re.compile(r"^[A-Z0-9-]{1,50}$")


class ReceiptDataError(ValueError):
    """Document data that cannot be printed as given (a programming error in the caller)."""


class MaterialStatus(StrEnum):
    """Whether a material was received, is missing (缺少), does not meet the requirements
    (不符合要求), or is still owed under 容缺受理 (deferred, with the promised date as reason)."""

    RECEIVED = "received"
    MISSING = "missing"
    DEFECTIVE = "defective"
    DEFERRED = "deferred"


STATUS_TEXT = {
    MaterialStatus.RECEIVED: "已收取",
    MaterialStatus.MISSING: "缺少",
    MaterialStatus.DEFECTIVE: "不符合要求",
    MaterialStatus.DEFERRED: "容缺后补",
}


def check_url(base: str, project_no: str, check_code: str) -> str:
    """The public check URL printed as a QR code: ``{base}?no={project_no}&code={check_code}``."""
    _check_project_no(project_no)
    if not check_code:
        raise ReceiptDataError("check_code is empty")
    separator = "&" if "?" in base else "?"
    return base + separator + urlencode({"no": project_no, "code": check_code})


def _check_project_no(project_no: str) -> None:
    if not PROJECT_NO_PATTERN.match(project_no):
        raise ReceiptDataError(f"project_no must be 1-50 characters of A-Z, 0-9 and '-': {project_no!r}")


@dataclass(frozen=True)
class HallInfo:
    """The service hall (行政服务中心) printing the document."""

    name: str
    phone: str  # 咨询电话
    check_base_url: str  # public receipt check page, e.g. https://zwfw.example.gov.cn/check
    address: str = ""


@dataclass(frozen=True)
class Applicant:
    """The applicant (申请人): a person, or an entity with its legal representative; maybe an agent."""

    name: str
    cert_type: str  # 证件类型 as printed: 居民身份证, 统一社会信用代码, 护照 ...
    cert_no: str
    is_entity: bool = False
    legal_rep: str = ""  # 法定代表人 (entities)
    agent_name: str = ""  # 经办人 / 代理人
    agent_cert_type: str = "居民身份证"
    agent_cert_no: str = ""
    phone: str = ""

    def printed_cert_no(self) -> str:
        """The certificate number as printed: masked for a person, in full for an entity's public USCC."""
        return self.cert_no if self.is_entity else mask_cert_no(self.cert_no)


@dataclass(frozen=True)
class MaterialLine:
    """One application material (申请材料)."""

    name: str
    form: MaterialForm  # as the catalog requires it: no default, a guess would print a wrong form
    copies: int = 1
    status: MaterialStatus = MaterialStatus.RECEIVED
    reason: str = ""  # why it is missing or defective, what to bring instead

    def __post_init__(self) -> None:
        if not isinstance(self.form, MaterialForm):
            raise ReceiptDataError(f"material {self.name!r} has no valid form: {self.form!r}")


@dataclass(frozen=True)
class CaseInfo:
    """The case (办件) a notice is about."""

    hall: HallInfo
    department: str  # 受理部门
    matter_name: str  # 事项名称
    task_code: str  # 实施编码
    project_no: str  # 办件编号
    applicant: Applicant
    window_no: str | int
    clerk_name: str
    clerk_id: str
    check_code: str = ""  # 核验码; when set, a QR code with the check URL is printed

    def __post_init__(self) -> None:
        _check_project_no(self.project_no)


_EXCLUDED_TIME = "依法需要听证、检验、检测、鉴定、专家评审的，所需时间不计算在内。"
LIMIT_NOTES = {
    TimeUnit.WORKDAY: "承诺办结时间按工作日计算，不含法定节假日；" + _EXCLUDED_TIME,
    TimeUnit.NATURAL_DAY: "承诺办结时间按自然日计算，含法定节假日和休息日；" + _EXCLUDED_TIME,
}


def receipt_notes(unit: TimeUnit = TimeUnit.WORKDAY) -> tuple[str, ...]:
    """The receipt's small print; note 2 says how the matter's limit counts (工作日 or 自然日)."""
    return (
        "请妥善保管本回执，凭本回执及申请人身份证件查询办理进度、领取办理结果。",
        LIMIT_NOTES[unit],
        "扫描本回执二维码或登录政务服务网，输入办件编号和核验码，可核验本回执真实性并查询办理进度。",
    )


DEFAULT_RECEIPT_NOTES: tuple[str, ...] = receipt_notes(TimeUnit.WORKDAY)


@dataclass(frozen=True)
class AcceptanceReceipt:
    """受理回执: the case was accepted; what was received and when it will be done."""

    hall: HallInfo
    department: str
    matter_name: str
    task_code: str
    project_no: str
    applicant: Applicant
    materials: tuple[MaterialLine, ...]
    accepted_at: datetime
    promise_due: datetime | None  # 承诺办结时间; None for an 即办件 closed on the spot
    window_no: str | int
    clerk_name: str
    clerk_id: str
    check_code: str
    promise_estimated: bool = False  # the holiday calendar for that period is not published yet
    promise_limit: str = ""  # 承诺时限 as printed, e.g. "15个工作日"
    limit_unit: TimeUnit = TimeUnit.WORKDAY  # how the limit counts; picks the wording of note 2
    notes: tuple[str, ...] | None = None  # None: :func:`receipt_notes` for ``limit_unit``

    def __post_init__(self) -> None:
        _check_project_no(self.project_no)
        object.__setattr__(self, "materials", tuple(self.materials))
        notes = receipt_notes(self.limit_unit) if self.notes is None else self.notes
        object.__setattr__(self, "notes", tuple(notes))

    @classmethod
    def for_case(
        cls,
        case: CaseInfo,
        materials: tuple[MaterialLine, ...],
        accepted_at: datetime,
        promise_due: datetime | None,
        **extra: Any,
    ) -> AcceptanceReceipt:
        """A receipt for ``case``; ``extra`` sets the optional fields (promise_limit, notes, ...)."""
        return cls(
            hall=case.hall,
            department=case.department,
            matter_name=case.matter_name,
            task_code=case.task_code,
            project_no=case.project_no,
            applicant=case.applicant,
            materials=materials,
            accepted_at=accepted_at,
            promise_due=promise_due,
            window_no=case.window_no,
            clerk_name=case.clerk_name,
            clerk_id=case.clerk_id,
            check_code=case.check_code,
            **extra,
        )

    @property
    def case(self) -> CaseInfo:
        """The case part of the receipt, as the notices carry it."""
        return CaseInfo(
            hall=self.hall,
            department=self.department,
            matter_name=self.matter_name,
            task_code=self.task_code,
            project_no=self.project_no,
            applicant=self.applicant,
            window_no=self.window_no,
            clerk_name=self.clerk_name,
            clerk_id=self.clerk_id,
            check_code=self.check_code,
        )


CORRECTION_LEGAL_BASIS = "《中华人民共和国行政许可法》第三十二条第一款第（四）项"
CORRECTION_COMPLETENESS = (
    "本告知书所列为需补正的全部材料，一次性告知。申请人按上述要求补正后，本机关不再要求补正其他材料。"
)


@dataclass(frozen=True)
class CorrectionNotice:
    """一次性告知书: every material to supply or fix, with the reason, and the deadline."""

    case: CaseInfo
    received_at: datetime  # when the application was received (收件时间)
    items: tuple[MaterialLine, ...]  # every missing or defective material
    supply_deadline: date  # 补正期限
    issued_on: date
    legal_basis: str = CORRECTION_LEGAL_BASIS

    def __post_init__(self) -> None:
        items = tuple(self.items)
        if not items:
            raise ReceiptDataError("a correction notice needs at least one material to correct")
        for item in items:
            if item.status is MaterialStatus.RECEIVED:
                raise ReceiptDataError(f"material {item.name!r} was received: not a correction item")
            if item.status is MaterialStatus.DEFECTIVE and not item.reason.strip():
                raise ReceiptDataError(f"defective material {item.name!r} needs a reason")
        object.__setattr__(self, "items", items)


RECONSIDERATION_DAYS = 60  # 《中华人民共和国行政复议法》第二十条: 知道或者应当知道之日起六十日内
LAWSUIT_MONTHS = 6  # 《中华人民共和国行政诉讼法》第四十六条: 知道或者应当知道之日起六个月内


@dataclass(frozen=True)
class RejectionNotice:
    """不予受理通知书: the decision not to accept, its reason and legal basis, and the applicant's remedies."""

    case: CaseInfo
    received_at: datetime
    reason: str  # 不予受理理由
    legal_basis: str  # 法律依据
    reconsideration_body: str  # 行政复议机关, e.g. "××市人民政府"
    issued_on: date
    doc_no: str = ""  # 文号, e.g. "×市监不受〔2026〕7号"
    redirect_to: str = ""  # 依法不属于本机关职权范围时，告知向哪一机关申请
    reconsideration_days: int = RECONSIDERATION_DAYS
    lawsuit_months: int = LAWSUIT_MONTHS
    court: str = "人民法院"

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ReceiptDataError("a rejection notice needs a reason")
        if not self.legal_basis.strip():
            raise ReceiptDataError("a rejection notice needs a legal basis")
        if not self.reconsideration_body.strip() or not self.court.strip():
            raise ReceiptDataError("a rejection notice needs the review body and the court")


@dataclass(frozen=True)
class Refusal:
    """不予许可 (行政许可法 第38条): the reasons, the legal basis, and where to seek remedies."""

    reason: str
    legal_basis: str
    reconsideration_body: str  # 行政复议机关
    court: str  # 有管辖权的人民法院
    reconsideration_days: int = RECONSIDERATION_DAYS
    lawsuit_months: int = LAWSUIT_MONTHS

    def __post_init__(self) -> None:
        for name in ("reason", "legal_basis", "reconsideration_body", "court"):
            if not str(getattr(self, name)).strip():
                raise ReceiptDataError(f"a refusal needs {name}")


DEFAULT_COLLECT_REQUIREMENTS: tuple[str, ...] = (
    "本通知书或受理回执；",
    "申请人身份证件原件（单位申请的，携带营业执照副本或加盖公章的复印件）；",
    "委托他人领取的，另带授权委托书和受托人身份证件原件。",
)


@dataclass(frozen=True)
class CompletionNotice:
    """办结通知书 / 领证通知书: the result, the certificate, where and when to collect it."""

    case: CaseInfo
    completed_at: datetime  # 办结时间
    result: str  # 办理结果, e.g. 准予许可
    issued_on: date
    certificate_name: str = ""  # 证照名称
    certificate_no: str = ""  # 证照编号
    collect_place: str = ""  # 领取地点
    collect_time: str = ""  # 领取时间, e.g. "2026年11月28日起，工作日 9:00—17:00"
    collect_requirements: tuple[str, ...] = DEFAULT_COLLECT_REQUIREMENTS
    delivery: str = ""  # 送达方式 when the result is sent, e.g. "邮寄送达（中国邮政EMS）"
    refusal: Refusal | None = None  # set for 不予许可: nothing to collect, reasons and remedies instead

    def __post_init__(self) -> None:
        object.__setattr__(self, "collect_requirements", tuple(self.collect_requirements))
        if self.refusal is None and not self.delivery and not (self.collect_place and self.collect_time):
            raise ReceiptDataError("a completion notice needs the pick-up place and time, or the delivery")

    @property
    def title(self) -> str:
        """领证通知书 when there is a certificate to collect, else 办结通知书."""
        return "领证通知书" if self.certificate_name and self.refusal is None else "办结通知书"


@dataclass(frozen=True)
class TicketSlip:
    """排队小票 printed by the kiosk: ticket number, queue position and a QR code for rating (好差评)."""

    ticket_no: str  # e.g. A012
    category_name: str  # 业务类别
    people_ahead: int
    issued_at: datetime
    hall_name: str
    rating_url: str
    window_hint: str = ""  # e.g. "请留意叫号，前往 3—6 号窗口办理"
    holder_name: str = ""  # 取号人, when the ticket was taken with an ID card
    footer: str = "请留意叫号屏幕和语音提示，过号请重新取号。"

    def __post_init__(self) -> None:
        if self.people_ahead < 0:
            raise ReceiptDataError("people_ahead must not be negative")
