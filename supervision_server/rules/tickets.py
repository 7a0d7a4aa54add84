"""Rules on the queue: tickets served off the books, cases recorded afterwards, silent windows."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.queue import Outcome, TicketState, window_categories
from supervision_server.alerts import AlertDraft
from supervision_server.db import any_of
from supervision_server.queue_schema import queue_tickets
from supervision_server.rules.base import (
    RECENT_DAYS,
    Scope,
    StoredEvent,
    case_rows,
    case_set,
    device_windows,
    events_of_types,
    local_day,
    moment,
)
from supervision_server.schema import cases, tickets
from supervision_server.timeutil import iso

FINISHED = "ticket.finished"
LOGIN, LOGOUT = "clerk.logged_in", "clerk.logged_out"
TICKET_ACTIVITY = frozenset(
    {
        "ticket.called",
        "ticket.recalled",
        "ticket.started",
        FINISHED,
        "ticket.no_show",
        "ticket.transferred",
        "ticket.parked",
        "ticket.called_back",
        "window.paused",
        "window.resumed",
    }
)


def _finished_events(conn: Connection, scope: Scope) -> list[StoredEvent]:
    if scope.batch is not None:
        return [e for e in scope.batch if e.type == FINISHED]
    return events_of_types(conn, [FINISHED], since=iso(scope.now - RECENT_DAYS))


def _known_cases(conn: Connection, numbers: set[str]) -> set[str]:
    if not numbers:
        return set()
    return set(
        conn.execute(select(cases.c.project_no).where(any_of(cases.c.project_no, sorted(numbers)))).scalars()
    )


def off_book(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """体外循环 (OFF_BOOK): a ticket served and finished with no case and no consultation outcome.

    A ticket that ends 办结 without an outcome, or as 办件 naming case numbers the server has not
    received ``off_book_grace_s`` after it ended: the citizen was served, and what was handled
    went into no case of the hall. It closes itself when every named case arrives. A ticket
    whose service started and that is still open when the hall closed counts too (schedule).
    """
    grace = timedelta(seconds=scope.settings.off_book_grace_s)
    windows = device_windows(conn)
    finished = _finished_events(conn, scope)
    named = {n for e in finished for n in e.payload.get("case_nos") or [] if isinstance(n, str)}
    known = _known_cases(conn, named)
    drafts = []
    for event in finished:
        hall, window_no = windows.get(event.device_id, ("", 0))
        ended = moment(event.text("ended_at")) or moment(event.occurred_at)
        outcome = event.text("outcome")
        numbers = [n for n in event.payload.get("case_nos") or [] if isinstance(n, str)]
        missing = [n for n in numbers if n not in known]
        if outcome == Outcome.CONSULT.value or (outcome == Outcome.CASE.value and not missing):
            continue
        if outcome == Outcome.CASE.value and (ended is None or scope.now - ended < grace):
            continue
        ticket_no = event.text("ticket_no") or ""
        day = event.text("business_date") or event.occurred_at[:10]
        why = (
            "未选择办理结果"
            if outcome not in {Outcome.CASE.value, Outcome.CONSULT.value}
            else (f"所关联的办件 {'、'.join(missing)} 服务器从未收到")
        )
        drafts.append(
            AlertDraft(
                "OFF_BOOK",
                f"{window_no} 号窗口 {day} 的 {ticket_no} 号已办理结束，但{why}（疑似体外循环）",
                device_id=event.device_id,
                seq=event.seq,
                details={"ticket_no": ticket_no, "day": day, "outcome": outcome, "missing_case_nos": missing},
                occurrence_key=f"OFF_BOOK:{hall}:{day}:{ticket_no}",
                window_no=window_no,
                clerk_id=event.clerk_id or None,
            )
        )
    if scope.scheduled:
        drafts.extend(_never_finished(conn, scope, windows))
    return drafts


def _never_finished(conn: Connection, scope: Scope, windows: dict[str, tuple[str, int]]) -> list[AlertDraft]:
    since = (scope.today - RECENT_DAYS).isoformat()
    query = select(tickets).where(tickets.c.state == TicketState.SERVING.value, tickets.c.day >= since)
    drafts = []
    for row in conn.execute(query).mappings():
        day = local_day(row["started_at"], scope.tz)
        if day is None or scope.now < scope.closing(day) + timedelta(seconds=scope.settings.off_book_grace_s):
            continue
        hall = row["hall_code"]
        drafts.append(
            AlertDraft(
                "OFF_BOOK",
                f"{row['window_no']} 号窗口 {row['day']} 的 {row['ticket_no']} 号开始办理后直到闭厅仍未结束，"
                "既无办件也无咨询结果（疑似体外循环）",
                device_id=row["last_device_id"],
                details={
                    "ticket_no": row["ticket_no"],
                    "day": row["day"],
                    "outcome": None,
                    "missing_case_nos": [],
                },
                occurrence_key=f"OFF_BOOK:{hall}:{row['day']}:{row['ticket_no']}",
                window_no=row["window_no"],
            )
        )
    return drafts


def off_book_cleared(conn: Connection, alert: dict[str, Any]) -> str | None:
    """Why an open OFF_BOOK alert no longer holds (every named case arrived), or None."""
    missing = set(alert["details"].get("missing_case_nos") or [])
    if missing and _known_cases(conn, missing) == missing:
        return "所关联的办件均已上报，预警自动关闭"
    return None


def late_entry(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """办完后补录 (LATE_ENTRY): a case recorded long after its ticket was served, or the next day.

    The case names the ticket it was taken in on (``ticket_no``). If that ticket ended more than
    ``late_entry_after_s`` before the case was received, or on an earlier day, the case was put
    in the system after the citizen had left: the handling itself happened off the books.
    """
    limit = timedelta(seconds=scope.settings.late_entry_after_s)
    rows = [r for r in case_rows(conn, scope, case_set("ticket_no")) if moment(r["received_at"])]
    days = [d for r in rows if (d := local_day(r["received_at"], scope.tz)) is not None]
    by_number: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if days:
        first, last = (min(days) - timedelta(days=7)).isoformat(), max(days).isoformat()
        query = select(tickets).where(
            any_of(tickets.c.ticket_no, sorted({r["ticket_no"] for r in rows})),
            tickets.c.finished_at.is_not(None),
            tickets.c.day.between(first, last),
        )
        for found in conn.execute(query).mappings():
            by_number[found["ticket_no"]].append(dict(found))
    drafts = []
    for row in rows:
        received = moment(row["received_at"])
        assert received is not None
        received_day = received.astimezone(scope.tz).date()
        ended: list[tuple[Any, dict[str, Any]]] = []
        for t in by_number.get(row["ticket_no"], []):
            at = moment(t["finished_at"])
            recent = t["day"] >= (received_day - timedelta(days=7)).isoformat()
            if at is not None and recent and at <= received and t["window_no"] in (None, row["window_no"]):
                ended.append((at, t))
        if not ended:
            continue
        at, ticket = max(ended, key=lambda pair: pair[0])
        next_day = at.astimezone(scope.tz).date() < received_day
        if received - at <= limit and not next_day:
            continue
        hours = (received - at).total_seconds() / 3600
        drafts.append(
            AlertDraft(
                "LATE_ENTRY",
                f"办件 {row['project_no']} 在 {ticket['ticket_no']} 号办理结束 {hours:.1f} 小时后"
                f"{'（次日）' if next_day else ''}才登记（办完后补录）",
                details={
                    "ticket_no": ticket["ticket_no"],
                    "ticket_ended_at": ticket["finished_at"],
                    "received_at": row["received_at"],
                    "next_day": next_day,
                },
                occurrence_key=f"LATE_ENTRY:{row['project_no']}",
                device_id=row["device_id"],
                project_no=row["project_no"],
                window_no=row["window_no"],
                clerk_id=row["clerk_id"] or None,
                dept_code=row["dept_code"] or None,
            )
        )
    return drafts


def not_in_hall(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """明进暗不进 (NOT_IN_HALL): a window that serves the queue all day and takes in no case.

    After the hall closes, for each window that served at least ``not_in_hall_min_tickets``
    tickets that day (ended 办结 as 咨询 or 转移) and received no case, while the rest of the
    hall turned at least ``not_in_hall_hall_share`` of its tickets into cases: the matters are
    stationed in the hall on paper, and handled in the department's own system.
    """
    if not scope.scheduled:
        return []
    s = scope.settings
    drafts = []
    for back in range(3, -1, -1):
        day = scope.today - timedelta(days=back)
        if scope.now < scope.closing(day):
            continue
        served: dict[tuple[str, int], int] = defaultdict(int)
        ended = (TicketState.FINISHED.value, TicketState.TRANSFERRED.value)
        query = select(tickets.c.hall_code, tickets.c.window_no).where(
            tickets.c.day == day.isoformat(), tickets.c.state.in_(ended), tickets.c.window_no.is_not(None)
        )
        for hall, window_no in conn.execute(query):
            served[(hall, window_no)] += 1
        taken: dict[int, int] = defaultdict(int)
        start, end = day.isoformat(), (day + timedelta(days=1)).isoformat()
        case_query = select(cases.c.window_no).where(cases.c.received_at >= start, cases.c.received_at < end)
        for (window_no,) in conn.execute(case_query):
            taken[window_no] += 1
        for (hall, window_no), count in sorted(served.items()):
            if count < s.not_in_hall_min_tickets or taken.get(window_no):
                continue
            others_served = sum(c for (h, w), c in served.items() if h == hall and w != window_no)
            others_cases = sum(c for w, c in taken.items() if w != window_no)
            if not others_served or others_cases / others_served < s.not_in_hall_hall_share:
                continue
            drafts.append(
                AlertDraft(
                    "NOT_IN_HALL",
                    f"{window_no} 号窗口 {day} 办理了 {count} 个号却没有一件办件，"
                    f"全厅其他窗口办件率 {others_cases / others_served:.0%}（明进暗不进）",
                    details={
                        "day": day.isoformat(),
                        "tickets": count,
                        "hall_cases": others_cases,
                        "hall_tickets": others_served,
                    },
                    occurrence_key=f"NOT_IN_HALL:{hall}:{day}:{window_no}",
                    window_no=window_no,
                )
            )
    return drafts


def idle_window(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """窗口空岗 (IDLE_WINDOW): a window logged in but calling nobody while its people wait.

    In hall hours, a window whose clerk is logged in (last ``clerk.logged_in`` not followed by
    ``clerk.logged_out``), not paused, with no queue action for ``idle_window_after_s``, while a
    ticket of one of its categories has waited that long. Once per idle episode (the episode is
    named by the window's last action). Windows that never send login events are not judged.
    """
    if not scope.scheduled or not scope.in_hours(scope.now) or scope.catalog is None:
        return []
    after = timedelta(seconds=scope.settings.idle_window_after_s)
    windows = device_windows(conn)
    day_start = iso(scope.now - timedelta(hours=14))
    last: dict[str, StoredEvent] = {}
    acted: dict[str, StoredEvent] = {}
    for event in events_of_types(conn, [LOGIN, LOGOUT, *TICKET_ACTIVITY], since=day_start):
        if event.type in (LOGIN, LOGOUT):
            last[event.device_id] = event
            if event.type == LOGIN:
                acted[event.device_id] = event
        else:
            acted[event.device_id] = event
    drafts = []
    business_day = scope.today.isoformat()
    for device_id, login in sorted(last.items()):
        activity = acted.get(device_id)
        if login.type != LOGIN or activity is None or activity.type == "window.paused":
            continue
        since = moment(activity.occurred_at)
        if since is None or scope.now - since < after:
            continue
        if device_id not in windows:
            continue  # a kiosk, or a device no longer enrolled, is no window
        hall, window_no = windows[device_id]
        categories = window_categories(scope.catalog, window_no)
        if not categories:
            continue
        waited = conn.execute(
            select(queue_tickets.c.number, queue_tickets.c.issued_at)
            .where(
                queue_tickets.c.hall_code == hall,
                queue_tickets.c.business_date == business_day,
                queue_tickets.c.state == TicketState.WAITING.value,
                queue_tickets.c.category.in_(categories),
                queue_tickets.c.issued_at <= iso(scope.now - after),
            )
            .order_by(queue_tickets.c.issued_at)
        ).all()
        if not waited:
            continue
        minutes = (scope.now - since).total_seconds() / 60
        drafts.append(
            AlertDraft(
                "IDLE_WINDOW",
                f"{window_no} 号窗口已登录，{minutes:.0f} 分钟没有叫号，而 {len(waited)} 人在等候其办理类别",
                device_id=device_id,
                details={"idle_since": activity.occurred_at, "waiting": [w.number for w in waited]},
                occurrence_key=f"IDLE_WINDOW:{device_id}:{activity.occurred_at}",
                window_no=window_no,
                clerk_id=login.clerk_id or None,
            )
        )
    return drafts
