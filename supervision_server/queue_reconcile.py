"""Offline queue work folded into the live queue when the window's ledger arrives.

A window that could not reach the server called tickets by the number typed from the slip,
served walk-ins, or finished locally a ticket the server had handed it. Each such event carries
``offline: true`` and the whole ticket as the window saw it, with the window's own times. Here
the live queue takes that in, so the ticket is never handed out again, the window is free for
its next call, and the time line of the ticket is the one the window recorded:

* a known number still waiting becomes the window's (called, served, finished as recorded);
* a kiosk's offline ticket joins the queue as waiting, at the time the kiosk issued it;
* an unknown number (hand-written, walk-in) is added as a ticket of origin TYPED or WALK_IN;
* a ticket already ended is never reopened, and one another window holds raises an alert
  (TICKET_SERVED_TWICE): two windows served the same number while the server was away;
* a kiosk's offline call, service or finish is kept in its ledger but not folded in: a kiosk is
  no window (KIOSK_NOT_A_WINDOW).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.device_role import DeviceRole, device_label
from counter_app.domain.queue import TICKET_EVENTS, TicketState
from supervision_server.alerts import AlertDraft
from supervision_server.projected import ProjectedEvent
from supervision_server.queue_schema import queue_tickets, queue_windows
from supervision_server.schema import devices
from supervision_server.timeutil import iso, parse_iso

_TIMES = ("called_at", "first_called_at", "started_at", "ended_at")


def reconcile_offline(conn: Connection, items: list[ProjectedEvent], now: str) -> list[AlertDraft]:
    """Apply the offline ticket events among ``items`` (in ledger order) to the live queue."""
    drafts: list[AlertDraft] = []
    for item in items:
        if item.type in TICKET_EVENTS and item.payload.get("offline") is True:
            drafts.extend(_one(conn, item, now))
    return drafts


def _one(conn: Connection, item: ProjectedEvent, now: str) -> list[AlertDraft]:
    number = item.text("ticket_no")
    day = item.text("business_date")
    state = item.text("state")
    if not number or not day or state is None or state not in TicketState.__members__:
        return []
    try:
        date.fromisoformat(day)
    except ValueError:
        return []
    t = queue_tickets.c
    row = (
        conn.execute(
            select(queue_tickets)
            .where(t.hall_code == item.hall_code, t.business_date == day, t.number == number)
            .order_by(t.leg.desc())
            .limit(1)
            .with_for_update()
        )
        .mappings()
        .first()
    )
    issued = item.type == "ticket.issued"
    if not issued and _is_kiosk(conn, item.device_id):
        return [
            AlertDraft(
                "KIOSK_NOT_A_WINDOW",
                f"{device_label(DeviceRole.KIOSK, item.window_no)}（设备 {item.device_id}）离线记录了"
                f" {number} 号的 {item.type}，取号机不能叫号或办理；该记录已保存，未计入大厅队列",
                device_id=item.device_id,
                seq=item.seq,
                details={"ticket_no": number, "business_date": day, "type": item.type},
            )
        ]
    if issued and row is not None:
        return []  # a window that typed the number reached the server first: the ticket is known
    snapshot = _snapshot(item, state)
    if issued:
        snapshot["window_no"] = None
    if row is None:
        origin = "OFFLINE" if issued else "WALK_IN" if item.payload.get("walk_in") else "TYPED"
        conn.execute(
            queue_tickets.insert().values(
                hall_code=item.hall_code,
                business_date=day,
                number=number,
                leg=0,
                origin=origin,
                issued_by=item.device_id,
                id_digest=None,
                issued_at=_iso(item.text("issued_at")) or now,
                priority=item.text("priority") or "NORMAL",
                category=item.text("category") or number[:1],
                transferred_from=None,
                updated_at=now,
                **snapshot,
            )
        )
        return []
    current = TicketState(row["state"])
    if current.ended:
        return []  # what ended stays ended; a late duplicate changes nothing
    if current.active and row["window_no"] not in (None, item.window_no):
        return [
            AlertDraft(
                "TICKET_SERVED_TWICE",
                f"{number} 号在 {row['window_no']} 号窗口办理中，{item.window_no} 号窗口离线时也叫了该号",
                device_id=item.device_id,
                seq=item.seq,
                details={"ticket_no": number, "business_date": day, "held_by_window": row["window_no"]},
            )
        ]
    conn.execute(queue_tickets.update().where(t.id == row["id"]).values(updated_at=now, **snapshot))
    if not TicketState(state).active:
        conn.execute(
            queue_windows.update()
            .where(
                queue_windows.c.hall_code == item.hall_code,
                queue_windows.c.window_no == item.window_no,
                queue_windows.c.active_ticket_id == row["id"],
            )
            .values(active_ticket_id=None, updated_at=now)
        )
    return []


def _is_kiosk(conn: Connection, device_id: str) -> bool:
    role = conn.execute(select(devices.c.role).where(devices.c.device_id == device_id)).scalar()
    return role == DeviceRole.KIOSK.value


def _snapshot(item: ProjectedEvent, state: str) -> dict[str, Any]:
    """The ticket columns as the window recorded them."""
    case_nos = item.payload.get("case_nos")
    return {
        "state": state,
        "window_no": item.window_no,
        "recalls": item.number("recalls") or 0,
        "outcome": item.text("outcome"),
        "case_nos": json.dumps(
            [n for n in case_nos if isinstance(n, str)] if isinstance(case_nos, list) else []
        ),
        "to_window_no": item.number("to_window_no"),
        **{key: _iso(item.text(key)) for key in _TIMES},
    }


def _iso(text: str | None) -> str | None:
    """A device time in the server's stored form (UTC), or None if absent or unreadable."""
    if not text:
        return None
    try:
        return iso(parse_iso(text))
    except ValueError:
        return None
