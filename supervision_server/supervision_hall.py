"""The live hall as the supervisor sees it: each window's state, who waits where, recent alerts.

A window is **serving** (a ticket called or in service), **paused**, **idle** or **offline**: its
device has not been heard from (heartbeat or events) for ``offline_after``; its **sync lag** is
how many events it announced that the server has not received yet. Waiting counts and the
longest wait per queue category come from the live queue (supervision_server.queue_board).
Unlike the public board, this view names devices and is for the supervisor role only. Ticket
kiosks are not windows: they are listed apart (online or not, tickets issued today, events
announced but not received yet).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from counter_app.domain.device_role import DeviceRole
from counter_app.domain.masking import mask_cert_no
from counter_app.domain.queue import HALL_TZ, business_date
from supervision_server.alert_life import filtered_alerts
from supervision_server.alerts import RULES
from supervision_server.distribution import published_catalog
from supervision_server.queue_board import board
from supervision_server.queue_schema import queue_tickets
from supervision_server.schema import cases, devices, events, tickets
from supervision_server.timeutil import parse_iso

SERVING, PAUSED, IDLE, OFFLINE = "serving", "paused", "idle", "offline"
STATE_LABELS = {SERVING: "办理中", PAUSED: "暂停", IDLE: "空闲", OFFLINE: "离线"}


def _hall_code(conn: Connection) -> str:
    catalog = published_catalog(conn)
    if catalog is not None:
        return catalog.hall_code
    first = conn.execute(select(devices.c.hall_code).order_by(devices.c.enrolled_at).limit(1)).scalar()
    return str(first or "")


def _since(moment: str | None, now: datetime) -> float | None:
    if not moment:
        return None
    try:
        return max(0.0, (now - parse_iso(moment)).total_seconds())
    except ValueError:
        return None


def live_hall(conn: Connection, now: datetime, offline_after: timedelta) -> dict[str, Any]:
    """Every window of the hall with its state, and the waiting counts per category."""
    hall_code = _hall_code(conn)
    day = business_date(now.astimezone(HALL_TZ))
    live = board(conn, hall_code, day) if hall_code else {"windows": [], "waiting": []}
    catalog = published_catalog(conn)
    names = {c.prefix: c.name for c in catalog.categories} if catalog else {}
    dept_of = {w: d.name for d in catalog.departments for w in d.windows} if catalog else {}
    devices_of: dict[int, list[Any]] = {}
    kiosk_rows = []
    for row in conn.execute(select(devices).where(devices.c.hall_code == hall_code)):
        if row.role == DeviceRole.KIOSK:
            kiosk_rows.append(row)
        else:
            devices_of.setdefault(int(row.window_no), []).append(row)
    queue_of = {int(w["window_no"]): w for w in live["windows"]}
    windows = []
    for window_no in sorted(set(devices_of) | set(queue_of) | set(dept_of)):
        queue = queue_of.get(window_no, {})
        held = devices_of.get(window_no, [])
        device = max(held, key=lambda d: d.last_seen or "", default=None)
        silence = _since(device.last_seen, now) if device is not None else None
        lag = 0
        if device is not None and device.announced_seq is not None:
            lag = max(0, int(device.announced_seq) - int(device.head_seq))
        if device is None or silence is None or silence > offline_after.total_seconds():
            state = OFFLINE
        elif queue.get("number"):
            state = SERVING
        elif queue.get("paused"):
            state = PAUSED
        else:
            state = IDLE
        windows.append(
            {
                "window_no": window_no,
                "department": dept_of.get(window_no, ""),
                "state": state,
                "state_label": STATE_LABELS[state],
                "ticket": queue.get("number") or None,
                "ticket_state": queue.get("state"),
                "pause_reason": queue.get("pause_reason") or "",
                "device_id": device.device_id if device is not None else None,
                "last_seen": device.last_seen if device is not None else None,
                "silent_s": silence,
                "sync_lag": lag,
            }
        )
    waiting = [
        {
            "category": w["category"],
            "name": names.get(w["category"], w["category"]),
            "count": w["count"],
            "longest_wait_s": _since(w["oldest_issued_at"], now),
        }
        for w in live["waiting"]
    ]
    return {
        "hall_code": hall_code,
        "hall_name": catalog.hall_name if catalog else "",
        "business_date": day.isoformat(),
        "now": now.isoformat(),
        "windows": windows,
        "waiting": waiting,
        "kiosks": _kiosks(conn, kiosk_rows, day.isoformat(), now, offline_after),
    }


def _kiosks(
    conn: Connection, rows: list[Any], day: str, now: datetime, offline_after: timedelta
) -> list[dict[str, Any]]:
    """The hall's ticket kiosks: online or not, tickets issued today, events announced not received.

    ``unsynced_events`` counts what the kiosk's heartbeat says it holds beyond what arrived: the
    tickets it issued offline are among them until its ledger is pushed.
    """
    if not rows:
        return []
    t = queue_tickets.c
    issued: dict[str, int] = dict(
        conn.execute(
            select(t.issued_by, func.count())
            .where(t.business_date == day, t.leg == 0, t.issued_by.in_([r.device_id for r in rows]))
            .group_by(t.issued_by)
        ).all()
    )
    offline: dict[str, int] = dict(
        conn.execute(
            select(t.issued_by, func.count())
            .where(
                t.business_date == day,
                t.leg == 0,
                t.origin == "OFFLINE",
                t.issued_by.in_([r.device_id for r in rows]),
            )
            .group_by(t.issued_by)
        ).all()
    )
    kiosks = []
    for row in sorted(rows, key=lambda r: (int(r.window_no), r.device_id)):
        silence = _since(row.last_seen, now)
        online = silence is not None and silence <= offline_after.total_seconds()
        lag = max(0, int(row.announced_seq) - int(row.head_seq)) if row.announced_seq is not None else 0
        kiosks.append(
            {
                "kiosk_no": int(row.window_no),
                "device_id": row.device_id,
                "state": "online" if online else OFFLINE,
                "state_label": "在线" if online else STATE_LABELS[OFFLINE],
                "last_seen": row.last_seen,
                "silent_s": silence,
                "tickets_today": int(issued.get(row.device_id, 0)),
                "offline_tickets_today": int(offline.get(row.device_id, 0)),
                "unsynced_events": lag,
            }
        )
    return kiosks


def recent_alerts(
    conn: Connection,
    *,
    level: str | None = None,
    rule_id: str | None = None,
    window_no: int | None = None,
    open_only: bool = False,
    limit: int = 100,
    alert_id: int | None = None,
) -> list[dict[str, Any]]:
    """Alerts newest first, with their window, state and rule title, filtered as the supervisor asks."""
    rows = filtered_alerts(
        conn,
        level=level,
        rule_id=rule_id,
        window_no=window_no,
        open_only=open_only,
        limit=limit,
        alert_id=alert_id,
        newest_first=True,
    )
    for item in rows:
        rule = RULES.get(item["rule_id"])
        item["title"] = rule.title if rule else item["rule_id"]
    return rows


AROUND = 5  # events shown on each side of an alert's own event when it names no case


def _events(conn: Connection, where: Any) -> list[dict[str, Any]]:
    e = events.c
    query = select(e.device_id, e.seq, e.type, e.clerk_id, e.occurred_at, e.received_at, e.project_no)
    return [
        dict(r)
        for r in conn.execute(query.where(where).order_by(e.occurred_at, e.device_id, e.seq)).mappings()
    ]


def alert_history(conn: Connection, alert_id: int) -> dict[str, Any] | None:
    """What lies behind an alert: the alert, its case (ID number masked), the case's ticket and the
    case's events; for an alert about a device only, that device's events around the alert's seq."""
    found = [a for a in recent_alerts(conn, limit=1, alert_id=alert_id)]
    if not found:
        return None
    alert = found[0]
    case = None
    ticket = None
    if alert["project_no"]:
        row = conn.execute(select(cases).where(cases.c.project_no == alert["project_no"])).mappings().first()
        if row is not None:
            case = {k: v for k, v in row.items() if k != "check_code"}
            case["applicant_cert_no"] = mask_cert_no(case["applicant_cert_no"])
            if case["ticket_no"] and case["received_at"]:
                ticket_row = (
                    conn.execute(
                        select(tickets).where(
                            tickets.c.ticket_no == case["ticket_no"],
                            tickets.c.day == str(case["received_at"])[:10],
                        )
                    )
                    .mappings()
                    .first()
                )
                ticket = dict(ticket_row) if ticket_row is not None else None
        history = _events(conn, events.c.project_no == alert["project_no"])
    elif alert["device_id"] and alert["seq"] is not None:
        seq = int(alert["seq"])
        history = _events(
            conn,
            (events.c.device_id == alert["device_id"]) & events.c.seq.between(seq - AROUND, seq + AROUND),
        )
    else:
        history = []
    return {"alert": alert, "case": case, "ticket": ticket, "events": history}
