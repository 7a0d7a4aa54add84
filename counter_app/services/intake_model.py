"""What a clerk enters at the window to take in a case, parsed from forms or JSON."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from counter_app.domain.catalog import MaterialForm
from counter_app.domain.errors import DomainError


class Decision(StrEnum):
    """What the window decides on the spot."""

    ACCEPT = "accept"  # 受理
    CORRECTION = "correction"  # 一次性告知补正
    REJECT = "reject"  # 不予受理


@dataclass(frozen=True)
class Party:
    """An applicant (person or entity) or an agent (经办人)."""

    name: str
    cert_type: str  # GA/T 2000.156: 111 居民身份证, 001 统一社会信用代码
    cert_no: str
    kind: str = "person"  # person | entity
    legal_rep: str = ""  # 法定代表人, for entities
    phone: str = ""


@dataclass(frozen=True)
class MaterialIn:
    """A material received at the window, or missing (with the reason for the notice).

    ``form`` is a :class:`MaterialForm` (its code or printed label is accepted and converted);
    an unknown form raises DomainError ``MATERIAL_FORM_UNKNOWN`` rather than print as 原件.
    """

    name: str
    form: MaterialForm = MaterialForm.ORIGINAL
    copies: int = 1
    missing: bool = False
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "form", MaterialForm.parse(self.form))


@dataclass(frozen=True)
class CaseIntake:
    """Everything needed to take in one case."""

    task_code: str
    applicant: Party
    materials: tuple[MaterialIn, ...]
    decision: Decision = Decision.ACCEPT
    agent: Party | None = None
    phone: str = ""
    ticket_no: str | None = None
    reason: str = ""  # for a rejection
    legal_basis: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_payload(self) -> dict[str, Any]:
        """The intake as JSON-ready data (for the event and the cases row)."""
        return {
            "task_code": self.task_code,
            "applicant": _party_payload(self.applicant),
            "materials": [
                {
                    "name": m.name,
                    "form": m.form.value,
                    "copies": m.copies,
                    "missing": m.missing,
                    "reason": m.reason,
                }
                for m in self.materials
            ],
            "decision": self.decision.value,
            "agent": None if self.agent is None else _party_payload(self.agent),
            "phone": self.phone,
            "ticket_no": self.ticket_no,
            "reason": self.reason,
            "legal_basis": self.legal_basis,
            "note": self.note,
            "extra": copy.deepcopy(self.extra) if self.extra else {},
        }

    @property
    def received(self) -> tuple[MaterialIn, ...]:
        """Materials handed in."""
        return tuple(m for m in self.materials if not m.missing)

    @property
    def missing(self) -> tuple[MaterialIn, ...]:
        """Materials missing or defective."""
        return tuple(m for m in self.materials if m.missing)


def _party_payload(p: Party) -> dict[str, Any]:
    return {
        "name": p.name,
        "cert_type": p.cert_type,
        "cert_no": p.cert_no,
        "kind": p.kind,
        "legal_rep": p.legal_rep,
        "phone": p.phone,
    }


class IntakeFormatError(DomainError):
    """An intake document (JSON) that lacks a field or has a wrong type."""

    code = "INTAKE_FORMAT"


def _text(data: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise IntakeFormatError(f"{where}.{key} 应为文字")
    if required and not value.strip():
        raise IntakeFormatError(f"缺少必填项 {where}.{key}")
    return value.strip()


def _party(data: Any, where: str) -> Party:
    if not isinstance(data, Mapping):
        raise IntakeFormatError(f"{where} 应为对象")
    kind = _text(data, "kind", where, required=False) or "person"
    if kind not in ("person", "entity"):
        raise IntakeFormatError(f"{where}.kind 只能是 person 或 entity")
    default_type = "001" if kind == "entity" else "111"
    return Party(
        name=_text(data, "name", where),
        cert_type=_text(data, "cert_type", where, required=False) or default_type,
        cert_no=_text(data, "cert_no", where),
        kind=kind,
        legal_rep=_text(data, "legal_rep", where, required=False),
        phone=_text(data, "phone", where, required=False),
    )


def intake_from_json(data: Any) -> CaseIntake:
    """Parse an intake document; IntakeFormatError names the field that is wrong."""
    if not isinstance(data, Mapping):
        raise IntakeFormatError("办件数据应为 JSON 对象")
    materials = []
    raw_materials = data.get("materials", [])
    if not isinstance(raw_materials, list):
        raise IntakeFormatError("materials 应为列表")
    for i, raw in enumerate(raw_materials):
        where = f"materials[{i}]"
        if not isinstance(raw, Mapping):
            raise IntakeFormatError(f"{where} 应为对象")
        copies = raw.get("copies", 1)
        if not isinstance(copies, int) or isinstance(copies, bool) or copies < 1:
            raise IntakeFormatError(f"{where}.copies 应为正整数")
        try:
            form = MaterialForm.parse(_text(raw, "form", where, required=False) or MaterialForm.ORIGINAL)
        except DomainError as exc:
            raise IntakeFormatError(f"{where}.form：{exc.message}") from exc
        materials.append(
            MaterialIn(
                name=_text(raw, "name", where),
                form=form,
                copies=copies,
                missing=bool(raw.get("missing", False)),
                reason=_text(raw, "reason", where, required=False),
            )
        )
    try:
        decision = Decision(data.get("decision", "accept"))
    except ValueError as exc:
        raise IntakeFormatError("decision 只能是 accept、correction 或 reject") from exc
    agent = data.get("agent")
    return CaseIntake(
        task_code=_text(data, "task_code", "办件"),
        applicant=_party(data.get("applicant"), "applicant"),
        materials=tuple(materials),
        decision=decision,
        agent=_party(agent, "agent") if agent else None,
        phone=_text(data, "phone", "办件", required=False),
        ticket_no=_text(data, "ticket_no", "办件", required=False) or None,
        reason=_text(data, "reason", "办件", required=False),
        legal_basis=_text(data, "legal_basis", "办件", required=False),
        note=_text(data, "note", "办件", required=False),
    )
