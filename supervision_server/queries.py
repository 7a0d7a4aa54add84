"""Reads over the read models for the administrators' lists (the public check: receipt_check.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from counter_app.domain.masking import mask_cert_no
from supervision_server.db import read_connection
from supervision_server.schema import cases, devices


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
                "role": row["role"],
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
