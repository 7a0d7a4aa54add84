"""The queue-ticket read model (排队叫号): one row per hall, day and ticket number.

Tickets are issued by a kiosk and called, served and finished at windows, so events about one
ticket come from several devices, and arrive in whatever order those devices sync: a kiosk that
was offline sends its ``ticket.issued`` after the window's ``ticket.finished``. The row therefore
takes its state from the event that is last in the ticket's own history, never from the last to
arrive. The event types and the state each leads to are the queue rules' own table
(:data:`counter_app.domain.queue.TICKET_EVENTS`). Issuing comes before anything a window does
(the kiosk's clock is not compared with the windows'); window events follow their device time,
because a ticket goes round (挂起 then 回呼, 转移 then a call at the other window); at the same
instant the further step wins. Each time column keeps the latest time of its step;
``finished_at`` is when the ticket ended, whatever the outcome (办结, 过号, 转移, 取消). Rows are
locked while a batch changes them (PostgreSQL). An event about a ticket the server has not seen
issued creates the row from what it says.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.queue import TICKET_EVENTS as TICKET_LIFE
from counter_app.domain.queue import TicketState
from supervision_server.db import Prepared, any_of, fetch
from supervision_server.projected import ProjectedEvent, changed_rows
from supervision_server.schema import tickets
from supervision_server.timeutil import parse_iso

TICKET_TYPES = frozenset(TICKET_LIFE)
ISSUED = next(kind for kind, (sources, _) in TICKET_LIFE.items() if not sources)


def _steps() -> dict[TicketState, int]:
    """How many steps each state lies from issuing (the shortest way through the rules)."""
    depth = {TICKET_LIFE[ISSUED][1]: 0}
    while True:
        reached = {
            target: min(depth[s] for s in sources if s in depth) + 1
            for sources, target in TICKET_LIFE.values()
            if target not in depth and any(s in depth for s in sources)
        }
        if not reached:
            return depth
        depth.update(reached)


STEPS = _steps()  # state -> steps from issuing: at one instant, the further step wins
_WAITING = TICKET_LIFE[ISSUED][1]
_STATES = frozenset(s.value for s in TicketState)


def _column(state: TicketState) -> str | None:
    """The time column a step into ``state`` fills (挂起 has none of its own)."""
    if state.ended:
        return "finished_at"
    return {
        TicketState.WAITING: "issued_at",
        TicketState.CALLED: "called_at",
        TicketState.SERVING: "started_at",
    }.get(state)


_NEVER = datetime.min.replace(tzinfo=UTC)

Key = tuple[str, str, str]
Order = tuple[bool, datetime, bool, int, str, int]


def _key(item: ProjectedEvent) -> Key | None:
    ticket_no = item.text("ticket_no")
    if not ticket_no or len(ticket_no) > 32:
        return None
    return (item.hall_code, item.day, ticket_no)


def _moment(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return parse_iso(stamp)
    except ValueError:
        return None


def _order(state: TicketState, at: datetime, device_id: str, seq: int) -> Order:
    """Where a step into ``state`` stands in its ticket's history; the greatest gives the row
    its state: issuing first, then device time, then (at one instant) an end, then the further step."""
    return (state is not _WAITING, at, state.ended, STEPS[state], device_id, seq)


def _event_order(item: ProjectedEvent) -> Order:
    at = _moment(item.occurred_at) or _moment(item.received_at) or _NEVER
    return _order(TICKET_LIFE[item.type][1], at, item.device_id, item.seq)


def _row_order(row: dict[str, Any]) -> Order:
    """The order of the event that gave the stored row its state."""
    known = row["state"] in _STATES
    state = TicketState(row["state"]) if known else _WAITING  # "ISSUED" from before the queue rules
    column = _column(state)
    if column is None:  # 挂起: after its call (and start), which is as close as the row knows
        times = [m for m in (_moment(row["called_at"]), _moment(row["started_at"])) if m is not None]
        at = max(times, default=_NEVER)
    else:
        at = _moment(row[column]) or _NEVER
    return _order(state, at, row["last_device_id"], row["last_seq"])


_TICKETS = Prepared(
    select(tickets)
    .where(
        any_of(tickets.c.hall_code, "halls"),
        any_of(tickets.c.day, "days"),
        any_of(tickets.c.ticket_no, "numbers"),
    )
    .order_by(tickets.c.hall_code, tickets.c.day, tickets.c.ticket_no)
    .with_for_update()
)


def tickets_read(items: list[ProjectedEvent]) -> tuple[Prepared, dict[str, Any]] | None:
    """The read :func:`project_tickets` makes for ``items`` (None if it makes none), for
    db.prefetch: a superset of the wanted rows (usually one hall and day), filtered after, so the
    query stays one statement instead of a different OR-chain per batch."""
    wanted = {key for item in items if item.type in TICKET_TYPES and (key := _key(item)) is not None}
    if not wanted:
        return None
    halls, days = sorted({k[0] for k in wanted}), sorted({k[1] for k in wanted})
    return _TICKETS, {"halls": halls, "days": days, "numbers": sorted({k[2] for k in wanted})}


def project_tickets(conn: Connection, items: list[ProjectedEvent], now: str) -> None:
    """Fold ``ticket.*`` events into the tickets table."""
    keyed = [(key, item) for item in items if (key := _key(item)) is not None]
    read = tickets_read(items)
    if not keyed or read is None:
        return
    rows: dict[Key, dict[str, Any]] = {}
    wanted = {key for key, _ in keyed}
    for stored in fetch(conn, *read):
        key = (stored["hall_code"], stored["day"], stored["ticket_no"])
        if key in wanted:
            rows[key] = stored
    new: dict[Key, dict[str, Any]] = {}
    dirty: dict[Key, dict[str, Any]] = {}
    for key, item in keyed:
        found = rows.get(key)
        if found is None:
            row = rows[key] = new[key] = _blank(key, item)
            _apply(row, item, wins=True)
        else:
            row = found
            _apply(row, item, wins=_event_order(item) > _row_order(row))
        row["updated_at"] = now
        dirty[key] = row
    changed_rows(conn, tickets, new, {k: v for k, v in dirty.items() if k not in new})


def _apply(row: dict[str, Any], item: ProjectedEvent, wins: bool) -> None:
    """Fold one event into ``row``; only an event that ``wins`` sets the state and window."""
    state = TICKET_LIFE[item.type][1]
    column = _column(state)
    latest = False
    if column is not None:
        at, before = _moment(item.occurred_at), _moment(row[column])
        latest = before is None or (at is not None and at >= before)
        if latest:
            row[column] = item.occurred_at
    category = item.text("category")
    if category:
        row["category"] = category
    if state is TicketState.CALLED:
        row["call_count"] += 1
    if state is TicketState.TRANSFERRED and (latest or row["transferred_to"] is None):
        # The time of an earlier transfer is not kept: with two transfers arriving out of
        # order, the later one wins only if it is also the latest end.
        row["transferred_to"] = item.number("to_window_no")
    if not wins:
        return
    row["state"] = state.value
    if item.type != ISSUED:
        window_no = item.number("window_no")
        row["window_no"] = window_no if window_no is not None else item.window_no
    row.update(last_device_id=item.device_id, last_seq=item.seq)


def _blank(key: Key, item: ProjectedEvent) -> dict[str, Any]:
    hall_code, day, ticket_no = key
    return {
        "hall_code": hall_code,
        "day": day,
        "ticket_no": ticket_no,
        "category": item.text("category") or "",
        "state": _WAITING.value,
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
