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
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.case import CaseState, ResultCode
from counter_app.domain.catalog import Catalog, ServiceItem
from counter_app.domain.errors import DomainError
from counter_app.receipts import (
    AcceptanceReceipt,
    Applicant,
    CaseInfo,
    CompletionNotice,
    CorrectionNotice,
    HallInfo,
    MaterialForm,
    MaterialLine,
    MaterialStatus,
    RejectionNotice,
    render_acceptance_receipt,
    render_completion_notice,
    render_correction_notice,
    render_rejection_notice,
)
from counter_app.services.case_rows import CaseRecord, load_case
from counter_app.services.clock import Clock
from counter_app.services.reference import current_catalog
from counter_app.store import schema
from counter_app.store.ledger_check import verify_case
from counter_app.store.uow import Store

CORRECTION_DAYS = 30  # days the applicant has to bring the missing materials (a hall setting)
CERT_TYPE_NAMES = {"111": "居民身份证", "001": "统一社会信用代码", "414": "护照"}


class DocType(StrEnum):
    """Kinds of documents a window hands out; the value names the archived file."""

    RECEIPT = "receipt"  # 受理回执
    CORRECTION = "correction"  # 一次性告知书
    REJECTION = "rejection"  # 不予受理通知书
    COMPLETION = "completion"  # 办结通知书 / 领证通知书

    @property
    def label(self) -> str:
        """The document's title."""
        return {"receipt": "受理回执", "correction": "一次性告知书", "rejection": "不予受理通知书"}.get(
            self.value, "办结通知书"
        )


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


def _hall(catalog: Catalog, settings: dict[str, str]) -> HallInfo:
    base = settings.get("check_base_url") or (settings.get("server_url", "").rstrip("/") + "/check")
    if not base.startswith("http"):
        base = "https://zwfw.example.gov.cn/check"
    return HallInfo(name=catalog.hall_name, phone=catalog.phone, check_base_url=base)


def _applicant(intake: dict[str, Any]) -> Applicant:
    person = intake["applicant"]
    agent = intake.get("agent") or {}
    return Applicant(
        name=person["name"],
        cert_type=CERT_TYPE_NAMES.get(person["cert_type"], person["cert_type"]),
        cert_no=person["cert_no"].upper(),
        is_entity=person.get("kind") == "entity",
        legal_rep=person.get("legal_rep", ""),
        agent_name=agent.get("name", ""),
        agent_cert_no=agent.get("cert_no", "").upper(),
        phone=intake.get("phone") or person.get("phone", ""),
    )


def _form(text: str) -> MaterialForm:
    for form in MaterialForm:
        if form.value == text:
            return form
    return MaterialForm.ORIGINAL


def _case_info(record: CaseRecord, catalog: Catalog, item: ServiceItem, settings: dict[str, str]) -> CaseInfo:
    intake = json.loads(record.header["intake"])
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


def build_document(store: Store, project_no: str, doc_type: DocType) -> bytes:
    """Render the document of ``doc_type`` for a case, from what is on the books."""
    with store.read() as conn:
        record = load_case(conn, project_no)
        catalog = current_catalog(conn)
        events = _case_events(conn, project_no)
    settings = {**store.settings(), "_check_code": _check_code(events)}
    item = catalog.item(record.header["task_code"])
    info = _case_info(record, catalog, item, settings)
    intake = json.loads(record.header["intake"])
    received_at = datetime.fromisoformat(intake["received_at"])
    if doc_type is DocType.RECEIPT:
        if record.case.accepted_at is None:
            raise DomainError("办件尚未受理，不能出具受理回执", "DOC_NOT_ACCEPTED")
        materials = tuple(
            MaterialLine(m["name"], _form(m["form"]), m["copies"])
            for m in intake["materials"]
            if not m.get("missing")
        )
        receipt = AcceptanceReceipt.for_case(
            info,
            materials,
            record.case.accepted_at,
            None if item.instant else record.promise_due,
            promise_estimated=record.promise_estimated,
            promise_limit=str(item.promise_limit),
        )
        return render_acceptance_receipt(receipt, settings.get("receipt_pagesize", "A4"))
    if doc_type is DocType.CORRECTION:
        missing = events.get("case.correction_requested", {}).get("missing", [])
        if not missing:
            raise DomainError("该办件没有补正告知记录", "DOC_NO_CORRECTION")
        lines = tuple(
            MaterialLine(
                m["name"],
                status=MaterialStatus.DEFECTIVE if m["reason"] != "未提供" else MaterialStatus.MISSING,
                reason=m["reason"],
            )
            for m in missing
        )
        return render_correction_notice(
            CorrectionNotice(
                info,
                received_at,
                lines,
                (received_at + timedelta(days=CORRECTION_DAYS)).date(),
                received_at.date(),
            )
        )
    if doc_type is DocType.REJECTION:
        data = events.get("case.not_accepted")
        if data is None:
            raise DomainError("该办件没有不予受理记录", "DOC_NOT_REJECTED")
        body = catalog.hall_name.replace("政务服务中心", "").replace("行政服务中心", "") + "人民政府"
        return render_rejection_notice(
            RejectionNotice(
                info,
                received_at,
                data["reason"],
                data.get("legal_basis") or item.legal_basis or "《中华人民共和国行政许可法》第三十二条",
                body,
                received_at.date(),
            )
        )
    closed = events.get("case.closed")
    if closed is None or record.case.closed_at is None:
        raise DomainError("办件尚未办结，不能出具办结通知书", "DOC_NOT_CLOSED")
    result = ResultCode(closed["result_code"])
    return render_completion_notice(
        CompletionNotice(
            info,
            record.case.closed_at,
            "准予许可" if result is ResultCode.ISSUED else result.label,
            record.case.closed_at.date(),
            closed.get("cert_name", ""),
            closed.get("cert_no", ""),
            collect_place=f"{catalog.hall_name} {info.window_no} 号窗口",
        )
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


def _first_print_digest(store: Store, project_no: str, kind: DocType) -> str | None:
    """The SHA-256 the ledger recorded when this document was first issued."""
    with store.read() as conn:
        rows = conn.execute(
            select(schema.events.c.envelope)
            .where(schema.events.c.project_no == project_no, schema.events.c.type == "document.printed")
            .order_by(schema.events.c.seq)
        ).scalars()
        for text in rows:
            payload = json.loads(text)["payload"]
            if payload.get("doc_type") == kind.value and not payload.get("reprint"):
                return str(payload.get("sha256"))
    return None


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


def issue_document(
    store: Store,
    clock: Clock,
    clerk_id: str,
    project_no: str,
    doc_type: DocType | None = None,
    printer: Printer | None = None,
) -> IssuedDocument:
    """Render (or take from the archive), print if a printer is given, and record it.

    The first issue of a document writes it to the archive; a reprint prints the archived file
    byte for byte. Either way a ``document.printed`` event records what, when, by whom and how
    the printer answered.
    """
    now = clock()
    with store.read() as conn:
        record = load_case(conn, project_no)
    problem = verify_case(store, project_no)
    if problem is not None:  # never hand a citizen a paper built from rows edited by hand
        raise DomainError(f"办件记录与签名事件不一致，拒绝出具文书：{problem.message}", "DOC_CASE_TAMPERED")
    kind = doc_type or document_for_state(record.case.state)
    at = datetime.fromisoformat(record.header["received_at"])
    path = archive_path(store, project_no, kind, at)
    reprint = path.exists()
    data = path.read_bytes() if reprint else build_document(store, project_no, kind)
    digest = hashlib.sha256(data).hexdigest()
    if reprint:
        first = _first_print_digest(store, project_no, kind)
        if first is not None and first != digest:
            raise DomainError(
                f"存档的{kind.label}与首次出具时记录的摘要不一致（存档文件被改动），拒绝补打",
                "DOC_ARCHIVE_TAMPERED",
            )
    else:
        _write_atomically(path, data)
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
