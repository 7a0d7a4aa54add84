"""The live hall queue on the server: issue, call next, and every window action on a ticket.

Each function runs inside the caller's write transaction and decides with the rules of
:mod:`counter_app.domain.queue`, so the server, the kiosk offline and the windows offline decide
alike. Two guarantees, whatever the database:

* **No ticket goes to two windows.** A call is ``UPDATE ... WHERE id = :id AND state = 'WAITING'``;
  on PostgreSQL the loser of a race blocks on the row, then sees it no longer waiting and tries
  the next candidate; on SQLite the write lock serialises calls. ``queue_windows.active_ticket_id``
  is UNIQUE as a second wall.
* **A window holds one ticket at a time.** The window's row is locked first (``FOR UPDATE``), and a
  call from a window that still holds a ticket is refused with WINDOW_BUSY.

Operations carry an id chosen by the device; the answer is stored with it, so a retry (a reply
lost on the network) gets the same answer and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, or_, select, union_all

from counter_app.domain.device_role import NOT_A_WINDOW, NOT_A_WINDOW_MESSAGE
from counter_app.domain.queue import (
    HALL_TZ,
    Outcome,
    Priority,
    PriorityPolicy,
    QueueError,
    Ticket,
    TicketState,
    business_date,
    pick_next,
    ticket_number,
)
from supervision_server.db import write
from supervision_server.errors import ApiError
from supervision_server.queue_schema import queue_ops, queue_serials, queue_tickets, queue_windows
from supervision_server.timeutil import iso, parse_iso

_CANDIDATES = 8  # per list and attempt: the oldest eligible, the oldest priority, the oldest sent here
_ATTEMPTS = 16


@dataclass(frozen=True)
class QueueCall:
    """Who asks and when: the hall, the device and its window, the server's time."""

    hall_code: str
    device_id: str
    window_no: int | None
    now: datetime

    @property
    def business_date(self) -> date:
        """The hall's business date now (numbering restarts on it)."""
        return business_date(self.now.astimezone(HALL_TZ))


_STORED_OP = select(queue_ops).where(queue_ops.c.op_id == bindparam("op_id"))
_REMEMBER_OP = queue_ops.insert()


def stored_op(conn: Connection, op_id: str) -> Any:
    """The stored row of operation ``op_id`` (device, action, answer), or None if it is new."""
    return conn.execute(_STORED_OP, {"op_id": op_id}).first()


def once(
    conn: Connection,
    call: QueueCall,
    op_id: str,
    action: str,
    done: Any,
    work: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``work`` unless ``op_id`` was already done (``done``, its :func:`stored_op` row, read
    after the window's lock), and remember its answer. The answer is written through
    :func:`supervision_server.db.write`: inside ``deferred_writes`` it goes with the transaction's
    last writes, in one round trip on PostgreSQL."""
    if done is not None:
        if done.device_id != call.device_id or done.action != action:
            raise ApiError(409, "OP_ID_REUSED", "操作编号已被另一操作使用，请重新发起", op_id=op_id)
        answer: dict[str, Any] = json.loads(done.response)
        return {**answer, "replayed": True}
    answer = work()
    row = {
        "op_id": op_id,
        "device_id": call.device_id,
        "action": action,
        "response": json.dumps(answer, ensure_ascii=False),
        "created_at": iso(call.now),
    }
    write(conn, _REMEMBER_OP, row)
    return {**answer, "replayed": False}


# -- issuing ----------------------------------------------------------------------------------


def issue(
    conn: Connection,
    call: QueueCall,
    category: str,
    priority: Priority,
    id_digest: str | None,
    max_waiting_per_id: int,
) -> dict[str, Any]:
    """A new ticket in ``category``; its number, and how many wait ahead of it."""
    day = call.business_date.isoformat()
    if id_digest and max_waiting_per_id > 0:
        holding = conn.execute(
            select(func.count())
            .select_from(queue_tickets)
            .where(
                queue_tickets.c.hall_code == call.hall_code,
                queue_tickets.c.business_date == day,
                queue_tickets.c.id_digest == id_digest,
                queue_tickets.c.state == TicketState.WAITING.value,
            )
        ).scalar_one()
        if holding >= max_waiting_per_id:
            raise ApiError(
                409,
                "TICKET_LIMIT_PER_ID",
                f"该证件已有 {holding} 个等候中的号，请先办理或取消后再取号",
                waiting=holding,
            )
    serial = _next_serial(conn, call.hall_code, day, category)
    number = ticket_number(category, serial)
    ticket = Ticket(number, category, call.business_date, call.now, priority)
    ticket_id = _insert(conn, call, ticket, leg=0, origin="SERVER", id_digest=id_digest)
    ahead = _waiting_ahead(conn, call.hall_code, day, category, iso(call.now), ticket_id)
    return {"ticket": _public(ticket, ticket_id), "waiting_ahead": ahead}


def _next_serial(conn: Connection, hall: str, day: str, category: str) -> int:
    key = (
        (queue_serials.c.hall_code == hall)
        & (queue_serials.c.business_date == day)
        & (queue_serials.c.category == category)
    )
    last = conn.execute(select(queue_serials.c.last_serial).where(key).with_for_update()).scalar()
    if last is None:  # a race for the day's first number ends in a unique violation and a retry
        conn.execute(
            queue_serials.insert().values(hall_code=hall, business_date=day, category=category, last_serial=1)
        )
        return 1
    conn.execute(queue_serials.update().where(key).values(last_serial=last + 1))
    return int(last) + 1


def _waiting_ahead(
    conn: Connection, hall: str, day: str, category: str, issued_at: str, ticket_id: int
) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(queue_tickets)
            .where(
                queue_tickets.c.hall_code == hall,
                queue_tickets.c.business_date == day,
                queue_tickets.c.state == TicketState.WAITING.value,
                queue_tickets.c.category == category,
                queue_tickets.c.issued_at <= issued_at,
                queue_tickets.c.id != ticket_id,
            )
        ).scalar_one()
    )


# -- calling ----------------------------------------------------------------------------------


def call_next(
    conn: Connection, call: QueueCall, categories: list[str], policy: PriorityPolicy, window: Any = None
) -> dict[str, Any]:
    """The window calls the next ticket of its categories; ``ticket`` is None when none waits.

    ``window`` is the window's row when the caller already holds its lock (:func:`lock_window`)."""
    window = window if window is not None else lock_window(conn, call)
    if window.active_ticket_id is not None:
        active = _load(conn, window.active_ticket_id)
        raise ApiError(
            409,
            "WINDOW_BUSY",
            f"本窗口正在办理 {active[1].number} 号，请先结束后再叫号",
            ticket=_public(active[1], active[0]),
        )
    if window.paused:
        raise ApiError(
            409, "WINDOW_PAUSED", "本窗口已暂停服务，请先恢复服务再叫号", reason=window.pause_reason
        )
    day = call.business_date.isoformat()
    refused: set[int] = set()
    for _ in range(_ATTEMPTS):
        candidates = _candidates(conn, call, day, categories, refused)
        # Lazily: the rules' first choice is almost always free, so the rest is never ordered.
        order = _in_call_order(candidates, categories, policy, window.ordinary_in_a_row, call)
        offered = False
        for ticket_id, chosen in order:
            offered = True
            called = chosen.call(window_no_of(call), call.now)
            if _claim(conn, call, ticket_id, called):
                in_a_row = 0 if chosen.priority is not Priority.NORMAL else window.ordinary_in_a_row + 1
                write(
                    conn,
                    _WINDOW_CALLED,
                    {
                        "w_hall": call.hall_code,
                        "w_no": call.window_no,
                        "active": ticket_id,
                        "in_a_row": in_a_row,
                        "calls": window.calls + 1,
                        "at": iso(call.now),
                    },
                )
                return {"ticket": _public(called, ticket_id)}
            refused.add(ticket_id)
        if not offered:
            return {"ticket": None}
    raise ApiError(503, "QUEUE_BUSY", "叫号繁忙，请稍后重试")


def _in_call_order(
    candidates: list[tuple[int, Ticket]],
    categories: list[str],
    policy: PriorityPolicy,
    in_a_row: int,
    call: QueueCall,
) -> Iterator[tuple[int, Ticket]]:
    """The candidates in the order this window should try them (the rules' choice first)."""
    left = dict(candidates)
    while left:
        row_of = {id(ticket): row_id for row_id, ticket in left.items()}
        chosen = pick_next(list(left.values()), set(categories), policy, in_a_row, call.window_no)
        if chosen is None:
            return
        row_id = row_of[id(chosen)]
        yield row_id, chosen
        del left[row_id]


def _claim(conn: Connection, call: QueueCall, ticket_id: int, called: Ticket) -> bool:
    """Write the called ticket over its row if the row still waits and no other window is taking
    it right now: one statement. On PostgreSQL its subquery locks the row with SKIP LOCKED, so a
    window skips a ticket another one is taking instead of queueing behind it (under a rush every
    window gets the next free ticket at once); on SQLite the write lock serialises every call."""
    return conn.execute(_CLAIM, _state_params(call, ticket_id, called)).rowcount == 1


def _claim_statement() -> Any:
    t = queue_tickets.c
    free = (
        select(t.id)
        .where(t.id == bindparam("ticket_id"), t.state == TicketState.WAITING.value)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        queue_tickets.update()
        .where(t.id == free, t.state == TicketState.WAITING.value)
        .values({name: bindparam("v_" + name) for name in _STATE_COLUMNS})
    )


def _candidates(
    conn: Connection, call: QueueCall, day: str, categories: list[str], refused: set[int]
) -> list[tuple[int, Ticket]]:
    """Row ids and tickets that may be next, in one statement: the oldest waiting, the oldest
    priority ones and the oldest transferred to this window (each list bounded), none of the
    ``refused`` (taken by another window while this one tried them)."""
    query = _candidate_query(len(categories), bool(refused))
    params: dict[str, Any] = {
        "hall": call.hall_code,
        "day": day,
        "window_no": call.window_no,
        **{f"category_{i}": c for i, c in enumerate(categories)},
    }
    if refused:
        params["refused"] = sorted(refused)
    rows = {row["id"]: row for row in conn.execute(query, params).mappings()}
    return [(row_id, _ticket(row)) for row_id, row in rows.items()]


_candidate_queries: dict[tuple[int, bool], Any] = {}


def _candidate_query(n_categories: int, excluding: bool) -> Any:
    """The candidates' statement for a window of ``n_categories``, built once per shape."""
    query = _candidate_queries.get((n_categories, excluding))
    if query is None:
        t = queue_tickets.c
        base = select(queue_tickets).where(
            t.hall_code == bindparam("hall"),
            t.business_date == bindparam("day"),
            t.state == TicketState.WAITING.value,
            t.category.in_([bindparam(f"category_{i}") for i in range(n_categories)]),
            # a ticket transferred to another window is that window's alone (the rules say so too)
            or_(t.to_window_no.is_(None), t.to_window_no == bindparam("window_no")),
        )
        if excluding:
            base = base.where(t.id.not_in(bindparam("refused", expanding=True)))
        lists: list[Select[Any]] = [
            base,
            base.where(t.priority != Priority.NORMAL.value),
            base.where(t.to_window_no == bindparam("window_no")),
        ]
        query = union_all(
            *(select(q.order_by(t.issued_at, t.id).limit(_CANDIDATES).subquery()) for q in lists)
        )
        _candidate_queries[(n_categories, excluding)] = query
    return query


def act(
    conn: Connection, call: QueueCall, action: str, args: dict[str, Any], window: Any = None
) -> dict[str, Any]:
    """recall, start, finish, no_show, transfer, park on the window's active ticket; call_back by
    number. ``window`` is the window's row when the caller already holds its lock."""
    window = window if window is not None else lock_window(conn, call)
    if action == "call_back":
        return _call_back(conn, call, window, str(args.get("number", "")))
    if window.active_ticket_id is None:
        raise ApiError(409, "WINDOW_IDLE", "本窗口当前没有正在办理的号")
    ticket_id, ticket = _load(conn, window.active_ticket_id)
    try:
        changed, follow_up = _apply(ticket, action, args, call)
    except QueueError as exc:
        raise ApiError(409, exc.code, exc.message) from exc
    if not _write_if(conn, call, ticket_id, ticket.state, changed):
        raise ApiError(409, "TICKET_CHANGED", f"{ticket.number} 号刚被其他操作改变，请刷新后重试")
    answer: dict[str, Any] = {"ticket": _public(changed, ticket_id)}
    if changed.state.active:
        return answer
    _set_window(conn, call, active_ticket_id=None)
    if follow_up is not None:
        new_id = _insert(
            conn, call, follow_up, leg=_leg(conn, ticket_id) + 1, origin="SERVER", id_digest=None
        )
        answer["transferred"] = _public(follow_up, new_id)
    return answer


def _apply(
    ticket: Ticket, action: str, args: dict[str, Any], call: QueueCall
) -> tuple[Ticket, Ticket | None]:
    now = call.now
    if action == "recall":
        return ticket.recall(now), None
    if action == "start":
        return ticket.start(now), None
    if action == "no_show":
        return ticket.no_show(now), None
    if action == "park":
        return ticket.park(), None
    if action == "finish":
        raw = args.get("outcome")
        outcome = Outcome(raw) if isinstance(raw, str) and raw in Outcome.__members__ else None
        numbers = [str(n) for n in args.get("case_nos", []) if isinstance(n, str)]
        return ticket.finish(outcome, now, numbers), None
    if action == "transfer":
        to_category = args.get("to_category") or None
        to_window = args.get("to_window_no")
        ended, again = ticket.transfer(
            now,
            str(to_category) if to_category else None,
            int(to_window) if isinstance(to_window, int) else None,
        )
        return ended, again
    raise ApiError(422, "QUEUE_ACTION_UNKNOWN", f"未知的叫号操作：{action}")


def _call_back(conn: Connection, call: QueueCall, window: Any, number: str) -> dict[str, Any]:
    if window.active_ticket_id is not None:
        raise ApiError(409, "WINDOW_BUSY", "本窗口正在办理其他号，请先结束后再回呼")
    t = queue_tickets.c
    row = _latest_leg(conn, call, number, t.state == TicketState.PARKED.value, t.window_no == call.window_no)
    if row is None:
        raise ApiError(404, "TICKET_NOT_PARKED", f"本窗口没有挂起的 {number} 号")
    back = _decide(lambda: _ticket(row).call_back(window_no_of(call), call.now, call.business_date))
    _change(conn, call, row["id"], TicketState.PARKED, back, number)
    _set_window(conn, call, active_ticket_id=row["id"])
    return {"ticket": _public(back, row["id"])}


def cancel(conn: Connection, call: QueueCall, number: str) -> dict[str, Any]:
    """取消 a waiting ticket of today (the citizen left, or the kiosk voided a misprint)."""
    row = _latest_leg(conn, call, number, queue_tickets.c.business_date == call.business_date.isoformat())
    if row is None:
        raise ApiError(404, "TICKET_UNKNOWN", f"今天没有 {number} 号")
    cancelled = _decide(lambda: _ticket(row).cancel(call.now))
    _change(conn, call, row["id"], TicketState.WAITING, cancelled, number)
    return {"ticket": _public(cancelled, row["id"])}


def _latest_leg(conn: Connection, call: QueueCall, number: str, *where: Any) -> Any:
    """The newest leg of ticket ``number`` in the hall that also meets ``where``, or None."""
    t = queue_tickets.c
    query = (
        select(queue_tickets)
        .where(t.hall_code == call.hall_code, t.number == number, *where)
        .order_by(t.business_date.desc(), t.leg.desc())
        .limit(1)
    )
    return conn.execute(query).mappings().first()


def _decide(rule: Callable[[], Ticket]) -> Ticket:
    """The rules' answer, their refusal as a 409 with its code."""
    try:
        return rule()
    except QueueError as exc:
        raise ApiError(409, exc.code, exc.message) from exc


def _change(
    conn: Connection, call: QueueCall, ticket_id: int, expected: TicketState, ticket: Ticket, number: str
) -> None:
    if not _write_if(conn, call, ticket_id, expected, ticket):
        raise ApiError(409, "TICKET_CHANGED", f"{number} 号刚被其他操作改变，请刷新后重试")


def pause(conn: Connection, call: QueueCall, reason: str, window: Any = None) -> dict[str, Any]:
    """暂停服务 with a reason; a ticket being served is finished first."""
    if not reason.strip():
        raise ApiError(422, "PAUSE_REASON_REQUIRED", "暂停服务必须填写原因")
    window = window if window is not None else lock_window(conn, call)
    if window.active_ticket_id is not None:
        raise ApiError(409, "WINDOW_BUSY", "请先结束当前号再暂停服务")
    _set_window(conn, call, paused=True, pause_reason=reason.strip())
    return {"paused": True, "reason": reason.strip()}


def resume(conn: Connection, call: QueueCall, window: Any = None) -> dict[str, Any]:
    """恢复服务."""
    if window is None:
        lock_window(conn, call)
    _set_window(conn, call, paused=False, pause_reason="")
    return {"paused": False}


# -- rows -------------------------------------------------------------------------------------


def window_no_of(call: QueueCall) -> int:
    if call.window_no is None:
        raise ApiError(403, NOT_A_WINDOW, NOT_A_WINDOW_MESSAGE)
    return call.window_no


_WINDOW_KEY = (queue_windows.c.hall_code == bindparam("w_hall")) & (
    queue_windows.c.window_no == bindparam("w_no")
)
_LOCK_WINDOW = select(queue_windows).where(_WINDOW_KEY).with_for_update()
_WINDOW_CALLED = (
    queue_windows.update()
    .where(_WINDOW_KEY)
    .values(
        active_ticket_id=bindparam("active"),
        ordinary_in_a_row=bindparam("in_a_row"),
        calls=bindparam("calls"),
        updated_at=bindparam("at"),
    )
)


def lock_window(conn: Connection, call: QueueCall) -> Any:
    """The window's row, locked until the transaction ends (created on the window's first use):
    a window's requests, retries included, run one at a time."""
    key = {"w_hall": call.hall_code, "w_no": window_no_of(call)}
    row = conn.execute(_LOCK_WINDOW, key).first()
    if row is None:
        conn.execute(
            queue_windows.insert().values(
                hall_code=call.hall_code,
                window_no=call.window_no,
                active_ticket_id=None,
                paused=False,
                pause_reason="",
                ordinary_in_a_row=0,
                calls=0,
                updated_at=iso(call.now),
            )
        )
        row = conn.execute(_LOCK_WINDOW, key).one()
    return row


def _set_window(conn: Connection, call: QueueCall, **values: Any) -> None:
    """Update the window's row (through :func:`supervision_server.db.write`: nothing in an
    operation reads the window again after changing it)."""
    key = (queue_windows.c.hall_code == call.hall_code) & (queue_windows.c.window_no == call.window_no)
    write(conn, queue_windows.update().where(key).values(updated_at=iso(call.now), **values))


def _load(conn: Connection, ticket_id: int) -> tuple[int, Ticket]:
    row = conn.execute(select(queue_tickets).where(queue_tickets.c.id == ticket_id)).mappings().one()
    return ticket_id, _ticket(row)


def _leg(conn: Connection, ticket_id: int) -> int:
    return int(conn.execute(select(queue_tickets.c.leg).where(queue_tickets.c.id == ticket_id)).scalar_one())


def _ticket(row: Any) -> Ticket:
    def at(column: str) -> datetime | None:
        value = row[column]
        return parse_iso(value) if value else None

    return Ticket(
        number=row["number"],
        category=row["category"],
        business_date=date.fromisoformat(row["business_date"]),
        issued_at=parse_iso(row["issued_at"]),
        priority=Priority(row["priority"]),
        state=TicketState(row["state"]),
        window_no=row["window_no"],
        called_at=at("called_at"),
        first_called_at=at("first_called_at"),
        recalls=row["recalls"],
        started_at=at("started_at"),
        ended_at=at("ended_at"),
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        case_nos=tuple(json.loads(row["case_nos"])),
        transferred_from=row["transferred_from"],
        to_window_no=row["to_window_no"],
    )


def _state_fields(ticket: Ticket) -> dict[str, Any]:
    """What changes over a ticket's life, in stored form (UTC text times), for rows and answers."""

    def at(moment: datetime | None) -> str | None:
        return iso(moment) if moment is not None else None

    return {
        "category": ticket.category,
        "priority": ticket.priority.value,
        "state": ticket.state.value,
        "window_no": ticket.window_no,
        "to_window_no": ticket.to_window_no,
        "transferred_from": ticket.transferred_from,
        "first_called_at": at(ticket.first_called_at),
        "called_at": at(ticket.called_at),
        "recalls": ticket.recalls,
        "started_at": at(ticket.started_at),
        "ended_at": at(ticket.ended_at),
        "outcome": ticket.outcome.value if ticket.outcome else None,
    }


def _columns(ticket: Ticket) -> dict[str, Any]:
    return {**_state_fields(ticket), "case_nos": json.dumps(list(ticket.case_nos), ensure_ascii=False)}


def _insert(
    conn: Connection, call: QueueCall, ticket: Ticket, leg: int, origin: str, id_digest: str | None
) -> int:
    result = conn.execute(
        queue_tickets.insert().values(
            hall_code=call.hall_code,
            business_date=ticket.business_date.isoformat(),
            number=ticket.number,
            leg=leg,
            origin=origin,
            issued_by=call.device_id,
            id_digest=id_digest,
            issued_at=iso(ticket.issued_at),
            updated_at=iso(call.now),
            **_columns(ticket),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


_STATE_COLUMNS = (
    "category",
    "priority",
    "state",
    "window_no",
    "to_window_no",
    "transferred_from",
    "first_called_at",
    "called_at",
    "recalls",
    "started_at",
    "ended_at",
    "outcome",
    "case_nos",
    "updated_at",
)


def _write_if_statement() -> Any:
    t = queue_tickets.c
    return (
        queue_tickets.update()
        .where(t.id == bindparam("ticket_id"), t.state == bindparam("expected"))
        .values({name: bindparam("v_" + name) for name in _STATE_COLUMNS})
    )


def _state_params(call: QueueCall, ticket_id: int, ticket: Ticket) -> dict[str, Any]:
    values = {**_columns(ticket), "updated_at": iso(call.now)}
    return {"ticket_id": ticket_id, **{"v_" + name: values[name] for name in _STATE_COLUMNS}}


def _write_if(
    conn: Connection, call: QueueCall, ticket_id: int, expected: TicketState, ticket: Ticket
) -> bool:
    """Write ``ticket`` over its row only if the row is still in ``expected``; whether it was."""
    params = {**_state_params(call, ticket_id, ticket), "expected": expected.value}
    return conn.execute(_WRITE_IF, params).rowcount == 1


_CLAIM = _claim_statement()
_WRITE_IF = _write_if_statement()


def _public(ticket: Ticket, ticket_id: int) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "number": ticket.number,
        "state_label": ticket.state.label,
        "business_date": ticket.business_date.isoformat(),
        "issued_at": iso(ticket.issued_at),
        **_state_fields(ticket),
        "case_nos": list(ticket.case_nos),
        "to_category": ticket.to_category,
    }
