"""The queue-ticket read model (排队叫号): one row per hall, day and ticket number.

Tickets are issued by a kiosk and called, served and finished at windows, so events about one
ticket come from several devices; rows are locked while a batch changes them (PostgreSQL).
An event about a ticket the server has not seen issued creates the row from what it says.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from supervision_server.projected import ProjectedEvent, changed_rows, chunks
from supervision_server.schema import tickets

# event type -> (state after it, the time column it fills)
TICKET_EVENTS: dict[str, tuple[str, str | None]] = {
    "ticket.issued": ("ISSUED", "issued_at"),
    "ticket.called": ("CALLED", "called_at"),
    "ticket.started": ("SERVING", "started_at"),
    "ticket.finished": ("FINISHED", "finished_at"),
    "ticket.no_show": ("NO_SHOW", None),
    "ticket.transferred": ("TRANSFERRED", None),
}

Key = tuple[str, str, str]


def _key(item: ProjectedEvent) -> Key | None:
    ticket_no = item.text("ticket_no")
    if not ticket_no or len(ticket_no) > 32:
        return None
    return (item.hall_code, item.day, ticket_no)


def project_tickets(conn: Connection, items: list[ProjectedEvent], now: str) -> None:
    """Fold ``ticket.*`` events into the tickets table."""
    keyed = [(key, item) for item in items if (key := _key(item)) is not None]
    if not keyed:
        return
    rows: dict[Key, dict[str, Any]] = {}
    wanted = {key for key, _ in keyed}
    halls, days = sorted({k[0] for k in wanted}), sorted({k[1] for k in wanted})
    for part in chunks(sorted({k[2] for k in wanted})):
        # A superset of the wanted rows (usually one hall and day), filtered here: the query
        # stays one cached statement instead of a different OR-chain per batch.
        query = (
            select(tickets)
            .where(tickets.c.hall_code.in_(halls), tickets.c.day.in_(days), tickets.c.ticket_no.in_(part))
            .order_by(tickets.c.hall_code, tickets.c.day, tickets.c.ticket_no)
        )
        for stored in conn.execute(query.with_for_update()).mappings():
            key = (stored["hall_code"], stored["day"], stored["ticket_no"])
            if key in wanted:
                rows[key] = dict(stored)
    new: dict[Key, dict[str, Any]] = {}
    dirty: dict[Key, dict[str, Any]] = {}
    for key, item in keyed:
        found = rows.get(key)
        row = found if found is not None else _blank(key, item)
        if found is None:
            rows[key] = new[key] = row
        state, column = TICKET_EVENTS[item.type]
        row["state"] = state
        if column is not None:
            row[column] = item.occurred_at
        category = item.text("category")
        if category:
            row["category"] = category
        window_no = item.number("window_no")
        if item.type != "ticket.issued":
            row["window_no"] = window_no if window_no is not None else item.window_no
        if item.type == "ticket.called":
            row["call_count"] += 1
        if item.type == "ticket.transferred":
            row["transferred_to"] = item.number("to_window_no")
        row.update(last_device_id=item.device_id, last_seq=item.seq, updated_at=now)
        dirty[key] = row
    changed_rows(conn, tickets, new, {k: v for k, v in dirty.items() if k not in new})


def _blank(key: Key, item: ProjectedEvent) -> dict[str, Any]:
    hall_code, day, ticket_no = key
    return {
        "hall_code": hall_code,
        "day": day,
        "ticket_no": ticket_no,
        "category": item.text("category") or "",
        "state": "ISSUED",
        "window_no": None,
        "issued_at": None,
        "called_at": None,
        "started_at": None,
        "finished_at": None,
        "call_count": 0,
        "transferred_to": None,
        "last_device_id": item.device_id,
        "last_seq": item.seq,
        "updated_at": "",
    }
