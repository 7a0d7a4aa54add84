"""accept_case: take in a case at the window, in one transaction with its ledger events."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from counter_app.domain.calendar import LimitUnit, TimeLimit, promise_due
from counter_app.domain.case import TRANSITIONS, Case, CaseState
from counter_app.domain.case_numbers import make_case_number
from counter_app.domain.catalog import ServiceItem, TimeUnit
from counter_app.domain.errors import DomainError, Issue, ValidationError
from counter_app.domain.names import check_cert_type, check_name
from counter_app.domain.validation import check_contact_phone, check_document
from counter_app.receipts.name_check import name_glyph_issues
from counter_app.services.case_rows import add_transition
from counter_app.services.clock import Clock
from counter_app.services.intake_model import CaseIntake, Decision, Party
from counter_app.services.reference import current_calendar, current_catalog
from counter_app.store import prepared, schema, search_index
from counter_app.store.case_snapshot import iso_ms
from counter_app.store.uow import Store, UnitOfWork

CHECK_CODE_LENGTH = 10


@dataclass(frozen=True)
class IntakeResult:
    """What the window tells the clerk (and prints) after taking in a case."""

    project_no: str
    state: CaseState
    item_name: str
    accepted_at: datetime
    promise_due: datetime | None
    promise_estimated: bool
    check_code: str
    warnings: tuple[Issue, ...]
    seqs: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "project_no": self.project_no,
            "state": self.state.value,
            "state_label": self.state.label,
            "item_name": self.item_name,
            "accepted_at": self.accepted_at.isoformat(timespec="seconds"),
            "promise_due": self.promise_due.isoformat(timespec="seconds") if self.promise_due else None,
            "promise_estimated": self.promise_estimated,
            "check_code": self.check_code,
            "warnings": [w.as_dict() for w in self.warnings],
            "seqs": list(self.seqs),
        }


def item_time_limit(item: ServiceItem) -> TimeLimit:
    """The item's 承诺时限 as a calendar TimeLimit."""
    natural = item.promise_limit.unit is TimeUnit.NATURAL_DAY
    return TimeLimit(item.promise_limit.value, LimitUnit.NATURAL_DAY if natural else LimitUnit.WORKING_DAY)


def validate_parties(intake: CaseIntake, today: date) -> list[Issue]:
    """Check applicant, agent and phone; every problem is collected, not just the first, and each
    names the form field it is about (``applicant.name``, ``agent.cert_no``, ``phone`` …)."""
    issues: list[Issue] = []

    def party(p: Party, role: str, key: str) -> None:
        entity = p.kind == "entity"
        if not p.name.strip():
            issues.append(Issue("PARTY_NAME_EMPTY", f"{role}姓名/名称不能为空", field=f"{key}.name"))
        else:
            label = f"{role}{'名称' if entity else '姓名'}"
            issues.extend(check_name(p.name, f"{key}.name", label, "entity" if entity else "person"))
        issues.extend(name_glyph_issues(p.name, f"{key}.name", f"{role}姓名/名称"))
        issues.extend(name_glyph_issues(p.legal_rep, f"{key}.legal_rep", f"{role}法定代表人"))
        type_issues = check_cert_type(p.cert_type, f"{key}.cert_type", role)
        issues.extend(type_issues)
        if not type_issues:
            result = check_document(p.cert_type, p.cert_no, today)
            issues.extend(
                Issue(i.code, f"{role}：{i.message}", i.warning, f"{key}.cert_no") for i in result.issues
            )
        if entity and not p.legal_rep.strip():
            issues.append(
                Issue("PARTY_LEGAL_REP", f"{role}为单位时须填写法定代表人", field=f"{key}.legal_rep")
            )
        elif entity:
            issues.extend(check_name(p.legal_rep, f"{key}.legal_rep", f"{role}法定代表人", "legal_rep"))

    party(intake.applicant, "申请人", "applicant")
    if intake.agent is not None:
        party(intake.agent, "经办人", "agent")
    phone = intake.phone or intake.applicant.phone
    if not phone:
        issues.append(Issue("PHONE_EMPTY", "请填写联系电话", field="phone"))
    else:
        issues.extend(replace(i, field="phone") for i in check_contact_phone(phone).issues)
    return issues


_NEXT_SERIAL = prepared.Prepared(
    text(
        "INSERT INTO case_serials (day, last_serial) VALUES (:day, 1)"
        " ON CONFLICT (day) DO UPDATE SET last_serial = last_serial + 1 RETURNING last_serial"
    )
)
_INSERT_CASE = prepared.insert(schema.cases)


def _next_serial(uow: UnitOfWork, day: date) -> int:
    return int(_NEXT_SERIAL.scalar(uow.driver, {"day": day.isoformat()}))


def accept_case(store: Store, clock: Clock, clerk_id: str, intake: CaseIntake) -> IntakeResult:
    """Take in a case: receive it and decide (受理 / 一次性告知补正 / 不予受理) in one visit.

    The case row, its transitions and their ledger events are written in one transaction: the
    clerk sees the case number only after COMMIT returned, and then it is on the books.
    """
    now = clock()
    issues = validate_parties(intake, now.date())
    errors = [i for i in issues if not i.warning]
    with store.unit_of_work() as uow:
        catalog = current_catalog(uow.driver)
        try:
            item: ServiceItem | None = catalog.item(intake.task_code)
        except DomainError as exc:
            item = None
            errors.append(Issue(exc.code, exc.message, field="task_code"))
        if item is not None and intake.decision is Decision.ACCEPT:
            received = {m.name for m in intake.received}
            lacking = [m.name for m in item.materials if m.required and m.name not in received]
            if lacking:
                errors.append(
                    Issue(
                        "CASE_MATERIALS_MISSING",
                        f"缺少必要材料：{'、'.join(lacking)}，请出具一次性告知书",
                        field="materials",
                    )
                )
        basis = ""
        if item is not None and intake.decision is Decision.REJECT:
            try:
                basis = item.refusal_basis(intake.legal_basis)
            except DomainError as exc:
                errors.append(Issue(exc.code, exc.message, field="legal_basis"))
        if errors:
            raise ValidationError(errors)
        assert item is not None
        s = uow.settings
        window_no = int(s["window_no"])
        serial = _next_serial(uow, now.date())
        project_no = make_case_number(s["hall_code"], now.date(), window_no, s["device_tag"], serial)
        case = Case.receive(project_no, instant=int(item.project_type) == 1, at=now)
        at = iso_ms(now)
        intake_data = intake.as_payload()
        received_payload = {
            "project_no": project_no,
            "task_code": item.task_code,
            "item_name": item.name,
            "dept_code": item.dept_code,
            "project_type": int(item.project_type),
            "window_no": window_no,
            "ticket_no": intake.ticket_no,
            "received_at": at,
            **{k: intake_data[k] for k in ("applicant", "agent", "phone", "materials", "note")},
        }
        received_event = uow.ledger.append(
            TRANSITIONS["receive"].event_type, received_payload, clerk_id, now, project_no
        )
        applicant = intake.applicant
        inserted = _INSERT_CASE.run(
            uow.driver,
            {
                "project_no": project_no,
                "task_code": item.task_code,
                "item_name": item.name,
                "dept_code": item.dept_code,
                "project_type": int(item.project_type),
                "applicant_kind": applicant.kind,
                "applicant_name": applicant.name,
                "cert_type": applicant.cert_type,
                "cert_no": applicant.cert_no.strip().upper(),
                "phone": intake.phone or applicant.phone,
                "window_no": window_no,
                "clerk_id": clerk_id,
                "ticket_no": intake.ticket_no,
                "received_at": at,
                "seq": received_event.seq,
            },
        )
        assert inserted.lastrowid is not None
        search_index.index_case(uow.driver, inserted.lastrowid, search_index.names_in(received_payload))
        add_transition(uow.driver, received_event.seq, "receive", case, now, None, False, 0)
        check_code = received_event.hash[:CHECK_CODE_LENGTH].upper()
        due = None
        estimated = False
        if intake.decision is Decision.ACCEPT:
            case = case.accept(now)
            deadline = promise_due(now, item_time_limit(item), current_calendar(uow.driver))
            due, estimated = deadline.due, deadline.estimated
            payload: dict[str, Any] = {
                "project_no": project_no,
                "accepted_at": at,
                "promise_due": due.isoformat(timespec="seconds"),
                "promise_estimated": estimated,
                "check_code": check_code,
            }
            event = uow.ledger.append(TRANSITIONS["accept"].event_type, payload, clerk_id, now, project_no)
            action = "accept"
        elif intake.decision is Decision.CORRECTION:
            case = case.request_correction([m.name for m in intake.missing])
            missing = [{"name": m.name, "reason": m.reason or "未提供"} for m in intake.missing]
            payload = {"project_no": project_no, "missing": missing, "check_code": check_code}
            event = uow.ledger.append(
                TRANSITIONS["request_correction"].event_type, payload, clerk_id, now, project_no
            )
            action = "request_correction"
        else:
            case = case.reject(intake.reason, now)
            payload = {
                "project_no": project_no,
                "reason": intake.reason,
                "legal_basis": basis,
                "check_code": check_code,
            }
            event = uow.ledger.append(TRANSITIONS["reject"].event_type, payload, clerk_id, now, project_no)
            action = "reject"
        add_transition(uow.driver, event.seq, action, case, now, due, estimated, 0)
        uow.commit()
    return IntakeResult(
        project_no=project_no,
        state=case.state,
        item_name=item.name,
        accepted_at=now,
        promise_due=due,
        promise_estimated=estimated,
        check_code=check_code,
        warnings=tuple(i for i in issues if i.warning),
        seqs=(received_event.seq, event.seq),
    )
