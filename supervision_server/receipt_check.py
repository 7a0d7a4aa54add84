"""The citizens' receipt check (办件查询): what it shows, how often anyone may ask, and the alert.

- A case is shown only with its check code: state, matter, times and the applicant's masked name
  (counter_app.domain.masking). A wrong code and an unknown case read the same.
- Anyone may ask without logging in, so each client address has a token bucket
  (``check_rate_per_minute``, ``check_burst``); beyond it the answer is 429 ``CHECK_RATE_LIMITED``
  with ``Retry-After``, before any database work.
- A number the server never received raises RECEIPT_UNKNOWN (a citizen may hold a receipt of a
  case handled off the books), but only when it could be a real receipt of this hall: a
  well-formed case number (counter_app.domain.case_numbers) of a hall with enrolled devices,
  dated no later than today. It is ONE alert per number and hall day however often the number
  is looked up; later lookups that day only read. Guessed numbers thus cannot flood the alert
  list or hold the database's write lock that ingest needs.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import datetime, time
from typing import Any

from fastapi import Request
from sqlalchemy import Connection, Engine, select

from counter_app.domain.case import CaseState, status_label
from counter_app.domain.case_numbers import CaseNumber, CaseNumberError, device_tag, parse_case_number
from counter_app.domain.masking import mask_name
from supervision_server.alerts import AlertDraft, alert_exists, record_alerts
from supervision_server.api_support import ctx_of
from supervision_server.db import read_connection, run_write
from supervision_server.projected import PROJECT_NO_MAX
from supervision_server.rate_limit import RateLimiter
from supervision_server.schema import cases, devices
from supervision_server.settings import Settings
from supervision_server.timeutil import HALL_TZ, iso

RATE_LIMITED = "CHECK_RATE_LIMITED"


def check_limiter(settings: Settings) -> RateLimiter:
    """The token buckets of the check routes, sized by the settings (this process's share of
    them when the server runs several worker processes)."""
    return RateLimiter.shared(settings.check_rate_per_minute, settings.check_burst, settings.workers)


def check_wait(request: Request) -> int:
    """Take a check from the caller's bucket: 0 if it may go on, else the seconds to wait."""
    limiter: RateLimiter = request.app.state.check_limiter
    client = request.client.host if request.client else "unknown"
    return limiter.acquire(client, ctx_of(request).clock().timestamp())


def rate_limited_message(wait: int) -> str:
    """What a citizen reads when they asked too often."""
    return f"查询过于频繁，请 {wait} 秒后再试（为防止办件信息被批量查询，每个网络地址的查询次数有限）"


def check_receipt(engine: Engine, project_no: str, code: str, now: datetime) -> dict[str, Any] | None:
    """The public view of a case if ``code`` is its check code, else None (see the module docstring)."""
    if not project_no or len(project_no) > PROJECT_NO_MAX or not project_no.isprintable():
        return None
    with read_connection(engine) as conn:
        row = conn.execute(select(cases).where(cases.c.project_no == project_no)).mappings().first()
    if row is None:
        _receipt_unknown(engine, project_no, now)
        return None
    stored = row["check_code"] or ""
    if not stored or not hmac.compare_digest(stored.encode("utf-8"), code.strip().encode("utf-8")):
        return None
    state = CaseState(row["state"])
    return {
        "found": True,
        "project_no": project_no,
        "state": state.value,
        "state_label": status_label(state, row["result_code"]),
        "item_name": row["item_name"],
        "accepted_at": row["accepted_at"],
        "promise_due": row["promise_due"],
        "promise_estimated": row["promise_estimated"],
        "applicant_name": mask_name(row["applicant_name"]),
    }


def _receipt_unknown(engine: Engine, project_no: str, now: datetime) -> None:
    try:
        number = parse_case_number(project_no)
    except CaseNumberError:
        return
    today = now.astimezone(HALL_TZ).date()
    if str(number) != project_no or number.day > today:
        return
    since = iso(datetime.combine(today, time(0), HALL_TZ))
    with read_connection(engine) as conn:
        windows = _windows_of_hall(conn, number.hall_code)
        device_id = _issuing_device(windows, number)
        if not windows or _alerted(conn, device_id, project_no, since):
            return

    def record(conn: Connection) -> None:
        if _alerted(conn, device_id, project_no, since):
            return  # another lookup of the same number got here first
        draft = AlertDraft(
            "RECEIPT_UNKNOWN",
            f"群众查询办件 {project_no}，服务器从未收到该办件（疑似体外循环或窗口未上报）；"
            "同一编号每天只记一次",
            device_id=device_id,
            project_no=project_no,
            details={"day": today.isoformat(), "window_no": number.window_no, "first_lookup_at": iso(now)},
        )
        record_alerts(conn, [draft], now)

    run_write(engine, record)


def _alerted(conn: Connection, device_id: str | None, project_no: str, since: str) -> bool:
    return alert_exists(conn, "RECEIPT_UNKNOWN", device_id=device_id, project_no=project_no, since=since)


def _windows_of_hall(conn: Connection, hall_code: str) -> list[tuple[str, int, str]]:
    query = select(devices.c.device_id, devices.c.window_no, devices.c.public_key).where(
        devices.c.hall_code == hall_code
    )
    return [(row.device_id, row.window_no, row.public_key) for row in conn.execute(query)]


def _issuing_device(windows: list[tuple[str, int, str]], number: CaseNumber) -> str | None:
    """The enrolled device whose window and key tag the number carries, if any."""
    for device_id, window_no, public_key in windows:
        try:
            tag = device_tag(base64.b64decode(public_key, validate=True))
        except (binascii.Error, ValueError):
            continue
        if window_no == number.window_no and tag == number.device_tag:
            return str(device_id)
    return None
