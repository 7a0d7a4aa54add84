"""Reads over the read models: the public receipt check and the administrators' lists."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from counter_app.domain.case import CaseState
from supervision_server.alerts import AlertDraft, alert_exists, record_alerts
from supervision_server.db import read_connection, run_write
from supervision_server.projected import PROJECT_NO_MAX
from supervision_server.schema import cases, devices


def mask_name(name: str) -> str:
    """A name as a receipt check shows it: 张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_cert_no(cert_no: str) -> str:
    """An ID number with its middle hidden: 110101********7777."""
    if len(cert_no) <= 4:
        return "*" * len(cert_no)
    if len(cert_no) <= 10:
        return cert_no[:2] + "*" * (len(cert_no) - 4) + cert_no[-2:]
    return cert_no[:6] + "*" * (len(cert_no) - 10) + cert_no[-4:]


def check_receipt(engine: Engine, project_no: str, code: str, now: datetime) -> dict[str, Any] | None:
    """The public view of a case if ``code`` is its check code, else None.

    A wrong code and an unknown case look the same to the caller. An unknown case is also an
    alert (RECEIPT_UNKNOWN, once per case number): a citizen holds a receipt the server never
    received, i.e. the case was handled off the books or its window has not synced.
    """
    if not project_no or len(project_no) > PROJECT_NO_MAX or not project_no.isprintable():
        return None
    with read_connection(engine) as conn:
        row = conn.execute(select(cases).where(cases.c.project_no == project_no)).mappings().first()
    if row is None:
        run_write(engine, lambda conn: _receipt_unknown(conn, project_no, now))
        return None
    stored = row["check_code"] or ""
    if not stored or not hmac.compare_digest(stored.encode("utf-8"), code.strip().encode("utf-8")):
        return None
    state = CaseState(row["state"])
    return {
        "found": True,
        "project_no": project_no,
        "state": state.value,
        "state_label": state.label,
        "item_name": row["item_name"],
        "accepted_at": row["accepted_at"],
        "promise_due": row["promise_due"],
        "promise_estimated": row["promise_estimated"],
        "applicant_name": mask_name(row["applicant_name"]),
    }


def _receipt_unknown(conn: Connection, project_no: str, now: datetime) -> None:
    if alert_exists(conn, "RECEIPT_UNKNOWN", project_no=project_no):
        return
    draft = AlertDraft(
        "RECEIPT_UNKNOWN",
        f"群众查询办件 {project_no}，服务器从未收到该办件（疑似体外循环或窗口未上报）",
        project_no=project_no,
    )
    record_alerts(conn, [draft], now)


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    """Every enrolled device with its sync state."""
    with read_connection(engine) as conn:
        rows = (
            conn.execute(select(devices).order_by(devices.c.hall_code, devices.c.window_no)).mappings().all()
        )
    result = []
    for row in rows:
        announced = row["announced_seq"]
        result.append(
            {
                "device_id": row["device_id"],
                "hall_code": row["hall_code"],
                "window_no": row["window_no"],
                "enrolled_at": row["enrolled_at"],
                "last_seen": row["last_seen"],
                "acked_seq": row["head_seq"],
                "acked_hash": row["head_hash"],
                "main_seq": row["main_seq"],
                "announced_seq": announced,
                "announced_at": row["announced_at"],
                "lag": max(0, announced - row["head_seq"]) if announced is not None else 0,
                "clock_offset_ms": row["clock_offset_ms"],
                "forked": row["forked"],
                "withholding_since": row["ahead_since"],
            }
        )
    return result


_CASE_COLUMNS = [c for c in cases.c if c.name != "check_code"]


def list_cases(
    engine: Engine, *, project_no: str | None = None, window_no: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Cases, newest activity first, filtered by number or window; ID numbers partly hidden."""
    query = select(*_CASE_COLUMNS).order_by(cases.c.updated_at.desc(), cases.c.project_no).limit(limit)
    if project_no:
        query = query.where(cases.c.project_no == project_no)
    if window_no is not None:
        query = query.where(cases.c.window_no == window_no)
    with read_connection(engine) as conn:
        rows = conn.execute(query).mappings().all()
    return [{**row, "applicant_cert_no": mask_cert_no(row["applicant_cert_no"])} for row in rows]


def device_head(engine: Engine, device_id: str) -> dict[str, Any] | None:
    """What the server holds for a device (its head and main chain), or None if not enrolled."""
    with read_connection(engine) as conn:
        row = conn.execute(select(devices).where(devices.c.device_id == device_id)).mappings().first()
    if row is None:
        return None
    return {
        "device_id": device_id,
        "acked_seq": row["head_seq"],
        "acked_hash": row["head_hash"],
        "forked": row["forked"],
        "main_seq": row["main_seq"],
        "main_hash": row["main_hash"],
    }
