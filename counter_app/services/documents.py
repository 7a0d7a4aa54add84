"""Documents for the citizen: build them from the books, archive them as PDF, record each print.

Every document handed out is archived under ``<data>/archive/<yyyy-mm>/`` named by case number
and document type, and every print (or failed print) is a ledger event. Printing itself is done
by whatever ``printer`` the caller passes in (the window's Qt printer, an ESC/POS device, or none
for archive only): a missing printer never blocks the case, the PDF stays for a reprint.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.case import CaseState, ResultCode
from counter_app.domain.catalog import Catalog, Department, MaterialForm, ServiceItem
from counter_app.domain.errors import DomainError
from counter_app.domain.names import CERT_TYPES
from counter_app.receipts import (
    AcceptanceReceipt,
    Applicant,
    CaseInfo,
    CompletionNotice,
    CorrectionNotice,
    HallInfo,
    MaterialLine,
    MaterialStatus,
    Refusal,
    RejectionNotice,
    render_acceptance_receipt,
    render_completion_notice,
    render_correction_notice,
    render_rejection_notice,
)
from counter_app.receipts.layout import window_text
from counter_app.services.case_commands import DELIVERY_PICKUP
from counter_app.services.case_rows import CaseRecord, load_case
from counter_app.services.clock import Clock
from counter_app.services.doc_types import DocType
from counter_app.services.reference import current_catalog
from counter_app.store import schema
from counter_app.store.ledger_check import verify_case
from counter_app.store.uow import Store

CORRECTION_DAYS = 30  # days the applicant has to bring the missing materials (a hall setting)
COLLECT_HOURS = "工作日 9:00—12:00、13:30—17:00"  # default of the hall setting collect_hours


@dataclass(frozen=True)
class PrintOutcome:
    """What the printer said: ``ok`` and, if not, a message for the clerk."""

    ok: bool
    printer: str
    message: str = ""


Printer = Callable[[bytes, DocType], PrintOutcome]


@dataclass(frozen=True)
class IssuedDocument:
    """A document rendered, archived and (maybe) printed."""

    project_no: str
    doc_type: DocType
    path: Path
    sha256: str
    outcome: PrintOutcome | None
    seq: int


def document_for_state(state: CaseState) -> DocType:
    """The document a case in ``state`` gets at the window."""
    if state is CaseState.CORRECTION:
        return DocType.CORRECTION
    if state is CaseState.NOT_ACCEPTED:
        return DocType.REJECTION
    if state in (CaseState.CLOSED, CaseState.DELIVERED):
        return DocType.COMPLETION
    return DocType.RECEIPT


class CheckAddressMissing(DomainError):
    """No address for the QR code: a citizen scanning it would land nowhere."""

    code = "CHECK_URL_MISSING"


def _hall(catalog: Catalog, settings: dict[str, str]) -> HallInfo:
    # The QR code sends the citizen to the e-supervision server's check page: its address comes
    # from enrollment (the server's own) or from the admin; a made-up domain is never printed.
    base = settings.get("check_base_url") or (
        settings["server_url"].rstrip("/") + "/check" if settings.get("server_url") else ""
    )
    if not base.startswith(("http://", "https://")):
        raise CheckAddressMissing(
            "尚未设置回执核验地址，二维码无处可查，暂不能出具文书：请先完成设备登记（counter sync enroll），"
            "或由管理员运行 counter config check_base_url https://<电子监察服务器>/check"
        )
    return HallInfo(name=catalog.hall_name, phone=catalog.phone, check_base_url=base)


def _applicant(intake: dict[str, Any]) -> Applicant:
    person = intake["applicant"]
    agent = intake.get("agent") or {}
    return Applicant(
        name=person["name"],
        cert_type=CERT_TYPES.get(person["cert_type"], person["cert_type"]),
        cert_no=person["cert_no"].upper(),
        is_entity=person.get("kind") == "entity",
        legal_rep=person.get("legal_rep", ""),
        agent_name=agent.get("name", ""),
        agent_cert_no=agent.get("cert_no", "").upper(),
        phone=intake.get("phone") or person.get("phone", ""),
    )


def _remedies(dept: Department) -> tuple[str, str]:
    """The department's 行政复议机关 and court; a notice that cannot name them is not printed."""
    if not dept.review_body.strip() or not dept.court.strip():
        raise DomainError(
            f"事项目录未配置{dept.name}的行政复议机关和管辖法院，不能出具载明救济途径的文书；"
            "请在事项目录的部门信息中填写 review_body 和 court 后重新下发",
            "NOTICE_NO_REMEDY_BODY",
        )
    return dept.review_body, dept.court


def _received_lines(
    intake: dict[str, Any], item: ServiceItem, events: dict[str, dict[str, Any]]
) -> tuple[MaterialLine, ...]:
    """Everything received over the whole case: at intake, then supplied after 补正, then what is
    still owed under 容缺受理 with its promised date. A material that was missing at intake is
    shown in the form the catalog requires (the clerk entered none for it)."""
    accepted = events.get("case.accepted", {})
    supplied = set(accepted.get("supplied", []))
    deferred = {d["name"]: date.fromisoformat(d["due"]) for d in accepted.get("deferred", [])}
    spec = {m.name: m for m in item.materials}

    def line(m: dict[str, Any], status: MaterialStatus, remark: str) -> MaterialLine:
        form = (
            spec[m["name"]].form if m.get("missing") and m["name"] in spec else MaterialForm.parse(m["form"])
        )
        return MaterialLine(m["name"], form, m["copies"], status, remark)

    received = MaterialStatus.RECEIVED
    lines = [line(m, received, "") for m in intake["materials"] if not m.get("missing")]
    lines += [line(m, received, "补正时提交") for m in intake["materials"] if m["name"] in supplied]
    for m in intake["materials"]:
        if m.get("missing") and (due := deferred.get(m["name"])):
            promise = f"承诺于{due.year}年{due.month}月{due.day}日前补交"
            lines.append(line(m, MaterialStatus.DEFERRED, promise))
    return tuple(lines)


def _correction_lines(
    intake: dict[str, Any], item: ServiceItem, missing: list[dict[str, Any]]
) -> tuple[MaterialLine, ...]:
    """The 一次性告知书 items, each in the form the catalog requires (else as the clerk entered it)."""
    entered = {m["name"]: m for m in intake["materials"]}
    required = {m.name: m for m in item.materials}
    lines = []
    for m in missing:
        spec = required.get(m["name"])
        form = spec.form if spec else MaterialForm.parse(entered.get(m["name"], {}).get("form", "ORIGINAL"))
        copies = spec.copies if spec else int(entered.get(m["name"], {}).get("copies", 1))
        status = MaterialStatus.DEFECTIVE if m["reason"] != "未提供" else MaterialStatus.MISSING
        lines.append(MaterialLine(m["name"], form, copies, status, m["reason"]))
    return tuple(lines)


def _case_info(record: CaseRecord, catalog: Catalog, item: ServiceItem, settings: dict[str, str]) -> CaseInfo:
    intake = record.intake
    return CaseInfo(
        hall=_hall(catalog, settings),
        department=catalog.department(item.dept_code).name,
        matter_name=item.name,
        task_code=item.task_code,
        project_no=record.case.project_no,
        applicant=_applicant(intake),
        window_no=record.header["window_no"],
        clerk_name=settings.get(f"clerk_name:{record.header['clerk_id']}", record.header["clerk_id"]),
        clerk_id=record.header["clerk_id"],
        check_code=settings.get("_check_code", ""),
    )


def build_document(
    store: Store, project_no: str, doc_type: DocType, copy_mark: str = "", pagesize: str = ""
) -> bytes:
    """Render the document of ``doc_type`` for a case, from what is on the books.

    ``copy_mark`` (补打…) marks a reprint on every page; ``pagesize`` (a reprint's: the original's)
    overrides the receipt_pagesize setting. DomainError when the books lack what the
    document must state: the acceptance, the correction, the legal basis of a refusal, or the
    department's review body and court.
    """
    with store.read() as conn:
        record = load_case(conn, project_no)
        catalog = current_catalog(conn)
        events = _case_events(conn, project_no)
    settings = {**store.settings(), "_check_code": _check_code(events)}
    item = catalog.item(record.header["task_code"])
    dept = catalog.department(item.dept_code)
    info = _case_info(record, catalog, item, settings)
    intake = record.intake
    received_at = datetime.fromisoformat(intake["received_at"])
    if doc_type is DocType.RECEIPT:
        if record.case.accepted_at is None:
            raise DomainError("办件尚未受理，不能出具受理回执", "DOC_NOT_ACCEPTED")
        receipt = AcceptanceReceipt.for_case(
            info,
            _received_lines(intake, item, events),
            record.case.accepted_at,
            None if item.instant else record.promise_due,
            promise_estimated=record.promise_estimated,
            promise_limit=str(item.promise_limit),
            limit_unit=item.promise_limit.unit,
        )
        size = pagesize or settings.get("receipt_pagesize", "A4")
        return render_acceptance_receipt(receipt, size, copy_mark)
    if doc_type is DocType.CORRECTION:
        missing = events.get("case.correction_requested", {}).get("missing", [])
        if not missing:
            raise DomainError("该办件没有补正告知记录", "DOC_NO_CORRECTION")
        notice = CorrectionNotice(
            info,
            received_at,
            _correction_lines(intake, item, missing),
            (received_at + timedelta(days=CORRECTION_DAYS)).date(),
            received_at.date(),
        )
        return render_correction_notice(notice, copy_mark)
    if doc_type is DocType.REJECTION:
        data = events.get("case.not_accepted")
        if data is None:
            raise DomainError("该办件没有不予受理记录", "DOC_NOT_REJECTED")
        body, court = _remedies(dept)
        basis = _stated_basis(data)
        rejection = RejectionNotice(
            info, received_at, data["reason"], basis, body, received_at.date(), court=court
        )
        return render_rejection_notice(rejection, copy_mark)
    closed = events.get("case.closed") or events.get("case.voided")
    if closed is None or record.case.closed_at is None:
        raise DomainError("办件尚未办结，不能出具办结通知书", "DOC_NOT_CLOSED")
    return render_completion_notice(_completion(record, info, dept, closed, settings), copy_mark)


def _stated_basis(data: dict[str, Any]) -> str:
    """The legal basis the clerk gave; never one filled in from the catalog."""
    basis = str(data.get("legal_basis") or "").strip()
    if not basis:
        raise DomainError("该办件的决定未记录法律依据，不能出具文书", "NOTICE_NO_LEGAL_BASIS")
    return basis


def _completion(
    record: CaseRecord, info: CaseInfo, dept: Department, closed: dict[str, Any], settings: dict[str, str]
) -> CompletionNotice:
    """办结通知书: a refusal with reasons, basis and remedies; a grant with pick-up or delivery."""
    assert record.case.closed_at is not None
    closed_at = record.case.closed_at
    result = ResultCode(closed["result_code"])
    base: dict[str, Any] = {
        "case": info,
        "completed_at": closed_at,
        "result": "准予许可" if result is ResultCode.ISSUED else result.label,
        "issued_on": closed_at.date(),
    }
    if result not in (ResultCode.ISSUED, ResultCode.DENIED):
        raise DomainError(
            f"办结结果为「{result.label}」的办件不出具办结通知书（仅限出证办结、不予许可）",
            "DOC_NO_COMPLETION",
        )
    if result is ResultCode.DENIED:
        body, court = _remedies(dept)
        refusal = Refusal(closed.get("reason", ""), _stated_basis(closed), body, court)
        return CompletionNotice(**base, refusal=refusal)
    delivery = closed.get("delivery", DELIVERY_PICKUP)
    base.update(certificate_name=closed.get("cert_name", ""), certificate_no=closed.get("cert_no", ""))
    if delivery != DELIVERY_PICKUP:
        return CompletionNotice(**base, delivery=delivery)
    hours = settings.get("collect_hours") or COLLECT_HOURS
    return CompletionNotice(
        **base,
        collect_place=f"{info.hall.name} {window_text(info.window_no)}",
        collect_time=f"{closed_at.year}年{closed_at.month}月{closed_at.day}日起，{hours}",
    )


def _case_events(conn: Connection, project_no: str) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        select(schema.events.c.type, schema.events.c.envelope, schema.events.c.hash)
        .where(schema.events.c.project_no == project_no)
        .order_by(schema.events.c.seq)
    ).all()
    found: dict[str, dict[str, Any]] = {}
    for r in rows:
        found[r.type] = {**json.loads(r.envelope)["payload"], "_hash": r.hash}
    return found


def _check_code(events: dict[str, dict[str, Any]]) -> str:
    for kind in ("case.accepted", "case.correction_requested", "case.not_accepted"):
        if kind in events and events[kind].get("check_code"):
            return str(events[kind]["check_code"])
    return ""


def archive_path(store: Store, project_no: str, doc_type: DocType, at: datetime) -> Path:
    """Where the document is kept: ``archive/<yyyy-mm>/<project_no>-<type>.pdf``."""
    return store.data_dir.archive_dir / f"{at:%Y-%m}" / f"{project_no}-{doc_type.value}.pdf"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` durably; the archive holds personal data, so folders are 0700, files 0600."""
    archive = path.parent.parent
    for folder in (archive, path.parent):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    tmp = path.with_suffix(".tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _prints(conn: Connection, project_no: str, doc_type: DocType) -> list[dict[str, Any]]:
    """Every recorded print of this document, first to last."""
    rows = conn.execute(
        select(schema.events.c.envelope)
        .where(schema.events.c.project_no == project_no, schema.events.c.type == "document.printed")
        .order_by(schema.events.c.seq)
    ).scalars()
    payloads = (json.loads(r)["payload"] for r in rows)
    return [p for p in payloads if p["doc_type"] == doc_type.value]


def copy_mark(count: int, at: datetime) -> str:
    """The mark a reprint carries on every page: ``补打（第1次）2026-11-29 10:30``."""
    return f"补打（第{count}次）{at:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class _Issue:
    """What the next issue of a document will be: the original (count 0) or reprint N."""

    count: int
    path: Path
    size: str
    mark: str


def _next_issue(store: Store, record: CaseRecord, kind: DocType, now: datetime) -> _Issue:
    """The original if none was archived yet, else the next reprint, marked 补打 with its count
    and on the original's page size; DOC_ARCHIVE_TAMPERED if the archived original changed."""
    project_no = record.case.project_no
    with store.read() as conn:
        earlier = _prints(conn, project_no, kind)
    at = datetime.fromisoformat(record.header["received_at"])
    original = archive_path(store, project_no, kind, at)
    if not original.exists():
        size = store.settings().get("receipt_pagesize", "A4") if kind is DocType.RECEIPT else "A4"
        return _Issue(0, original, size, "")
    first = next((str(p["sha256"]) for p in earlier if not p.get("reprint")), None)
    if first is not None and first != hashlib.sha256(original.read_bytes()).hexdigest():
        raise DomainError(
            f"存档的{kind.label}与首次出具时记录的摘要不一致（存档文件被改动），拒绝补打",
            "DOC_ARCHIVE_TAMPERED",
        )
    count = sum(1 for p in earlier if p.get("reprint")) + 1
    size = next((p["pagesize"] for p in earlier if p.get("pagesize")), "")
    return _Issue(
        count, original.with_name(f"{original.stem}-reprint-{count}.pdf"), size, copy_mark(count, now)
    )


def next_issue_pdf(
    store: Store, clock: Clock, project_no: str, doc_type: DocType | None = None
) -> tuple[DocType, bytes]:
    """The document :func:`issue_document` would issue now (a reprint marked 补打 as it would
    be), for a preview: nothing is archived or recorded."""
    with store.read() as conn:
        record = load_case(conn, project_no)
    kind = doc_type or document_for_state(record.case.state)
    issue = _next_issue(store, record, kind, clock())
    return kind, build_document(store, project_no, kind, issue.mark, issue.size)


def issue_document(
    store: Store,
    clock: Clock,
    clerk_id: str,
    project_no: str,
    doc_type: DocType | None = None,
    printer: Printer | None = None,
) -> IssuedDocument:
    """Render, archive, print if a printer is given, and record it.

    The first issue writes the original to the archive. A reprint leaves the original untouched:
    it is rendered again marked 补打 with its count and time on every page, archived beside the
    original (``…-<type>-reprint-<n>.pdf``) and printed, so that nobody takes it for the original.
    Either way a ``document.printed`` event records what, when, by whom and how the printer
    answered.
    """
    now = clock()
    with store.read() as conn:
        record = load_case(conn, project_no)
    problem = verify_case(store, project_no)
    if problem is not None:  # never hand a citizen a paper built from rows edited by hand
        raise DomainError(f"办件记录与签名事件不一致，拒绝出具文书：{problem.message}", "DOC_CASE_TAMPERED")
    kind = doc_type or document_for_state(record.case.state)
    issue = _next_issue(store, record, kind, now)
    data = build_document(store, project_no, kind, issue.mark, issue.size)
    reprint, count, path, size = issue.count > 0, issue.count, issue.path, issue.size
    _write_atomically(path, data)
    digest = hashlib.sha256(data).hexdigest()
    outcome = printer(data, kind) if printer is not None else None
    with store.unit_of_work() as uow:
        event = uow.ledger.append(
            "document.printed",
            {
                "project_no": project_no,
                "doc_type": kind.value,
                "sha256": digest,
                "file": str(path.relative_to(store.data_dir.root)),
                "reprint": reprint,
                "reprint_no": count,
                "pagesize": size,
                "printer": outcome.printer if outcome else "",
                "printed": bool(outcome and outcome.ok),
                "message": outcome.message if outcome else "已存档，未打印",
            },
            clerk_id,
            now,
            project_no,
        )
        uow.commit()
    return IssuedDocument(project_no, kind, path, digest, outcome, event.seq)
