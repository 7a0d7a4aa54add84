"""Reading one period's rows for the assessment (supervision_server.assessment) from the server's
tables, attributed to window, clerk, department and queue category.

The windows' signed events are the record: a ticket's figures come from the event that ended it
(``ticket.finished``, ``ticket.no_show``, ``ticket.transferred`` carry the whole ticket as the
window saw it, with its clerk in the envelope), ratings from ``service.rated`` and pauses from
``window.paused`` / ``window.resumed``. Cases come from the cases read model, with the time their
``case.received`` reached the server. A period is a range of the hall's days; device times carry
the hall's offset, so the days compare as text. Only the main chain counts: events a forked
device sent on a branch (``fork_events``) are the subject of their own red alerts, not figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.catalog import Catalog
from counter_app.domain.device_role import DeviceRole
from counter_app.domain.errors import DomainError
from counter_app.domain.rating import RATED_EVENT, Rating
from supervision_server.alerts import RULES
from supervision_server.assessment import AlertRow, CaseRow, PauseRow, RatingRow, Rows, TicketRow
from supervision_server.schema import alerts, cases, devices, events
from supervision_server.timeutil import HALL_TZ, iso

ENDING_EVENTS = ("ticket.finished", "ticket.no_show", "ticket.transferred")
PAUSED, RESUMED = "window.paused", "window.resumed"


@dataclass(frozen=True)
class Period:
    """The hall days ``start..end`` inclusive."""

    start: date
    end: date

    @property
    def first_text(self) -> str:
        return self.start.isoformat()

    @property
    def after_text(self) -> str:
        return (self.end + timedelta(days=1)).isoformat()

    @property
    def utc_range(self) -> tuple[str, str]:
        """The period as server timestamps (UTC text) from its first midnight to the one after it."""
        first = datetime.combine(self.start, time(), HALL_TZ)
        after = datetime.combine(self.end + timedelta(days=1), time(), HALL_TZ)
        return iso(first), iso(after)

    @property
    def end_moment(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), HALL_TZ)


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=HALL_TZ)


class Attribution:
    """Which department a window belongs to and which category a matter is queued in (catalog)."""

    def __init__(self, catalog: Catalog | None, windows: dict[str, int]) -> None:
        self.catalog = catalog
        self.window_of_device = windows
        self.dept_of_window: dict[int, str] = {}
        self.category_of_task: dict[str, str] = {}
        if catalog is not None:
            for dept in catalog.departments:
                for window in dept.windows:
                    self.dept_of_window.setdefault(window, dept.code)
            for item in catalog.items:
                self.category_of_task[item.task_code] = item.queue_category.prefix

    def dept(self, window_no: int | None) -> str:
        return self.dept_of_window.get(window_no, "") if window_no is not None else ""


def _window_map(conn: Connection) -> dict[str, int]:
    return {
        r.device_id: int(r.window_no)
        for r in conn.execute(
            select(devices.c.device_id, devices.c.window_no).where(devices.c.role == DeviceRole.WINDOW.value)
        )
    }


def _event_rows(conn: Connection, types: tuple[str, ...], period: Period) -> list[Any]:
    e = events.c
    return list(
        conn.execute(
            select(e.device_id, e.seq, e.type, e.clerk_id, e.occurred_at, e.envelope)
            .where(e.type.in_(types), e.occurred_at >= period.first_text, e.occurred_at < period.after_text)
            .order_by(e.device_id, e.seq)
        )
    )


def _payload(envelope: str) -> dict[str, Any]:
    try:
        data = json.loads(envelope)
    except ValueError:
        return {}
    payload = data.get("payload") if isinstance(data, dict) else None
    return payload if isinstance(payload, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def load_tickets(conn: Connection, period: Period, attribution: Attribution) -> list[TicketRow]:
    """One row per ended ticket leg, from the event that ended it."""
    rows = []
    for r in _event_rows(conn, ENDING_EVENTS, period):
        p = _payload(r.envelope)
        window_no = _int(p.get("window_no"))
        if window_no is None:
            window_no = attribution.window_of_device.get(r.device_id)
        rows.append(
            TicketRow(
                day=str(p.get("business_date") or r.occurred_at[:10]),
                number=str(p.get("ticket_no") or ""),
                category=str(p.get("category") or ""),
                window_no=window_no,
                clerk_id=r.clerk_id,
                dept_code=attribution.dept(window_no),
                issued_at=_when(p.get("issued_at")),
                first_called_at=_when(p.get("first_called_at") or p.get("called_at")),
                started_at=_when(p.get("started_at")),
                ended_at=_when(p.get("ended_at") or r.occurred_at),
                outcome=p.get("outcome") if isinstance(p.get("outcome"), str) else None,
            )
        )
    return rows


def load_cases(conn: Connection, period: Period, attribution: Attribution) -> list[CaseRow]:
    """Cases received in the period, with how long their ``case.received`` took to reach the server."""
    c = cases.c
    found = list(
        conn.execute(
            select(cases, events.c.occurred_at.label("event_at"), events.c.received_at.label("reached_at"))
            .select_from(
                cases.outerjoin(events, (events.c.device_id == c.device_id) & (events.c.seq == c.seq))
            )
            .where(c.received_at >= period.first_text, c.received_at < period.after_text)
            .order_by(c.project_no)
        ).mappings()
    )
    rows = []
    for r in found:
        event_at, reached_at = _when(r["event_at"]), _when(r["reached_at"])
        reached = (reached_at - event_at).total_seconds() if event_at and reached_at else None
        rows.append(
            CaseRow(
                project_no=r["project_no"],
                window_no=r["window_no"],
                clerk_id=r["clerk_id"],
                dept_code=r["dept_code"] or attribution.dept(r["window_no"]),
                category=attribution.category_of_task.get(r["task_code"], ""),
                task_code=r["task_code"],
                project_type=r["project_type"],
                state=r["state"],
                result_code=r["result_code"],
                received_at=_when(r["received_at"]),
                accepted_at=_when(r["accepted_at"]),
                promise_due=_when(r["promise_due"]),
                closed_at=_when(r["closed_at"]),
                correction_count=int(r["correction_count"] or 0),
                reached_after_s=reached,
            )
        )
    return rows


def load_ratings(
    conn: Connection, period: Period, attribution: Attribution, tickets: list[TicketRow]
) -> list[RatingRow]:
    """好差评 records of the period; a rating takes its category from the ticket it rates."""
    category_of = {(t.day, t.number): t.category for t in tickets}
    rows = []
    for r in _event_rows(conn, (RATED_EVENT,), period):
        try:
            rating = Rating.from_payload(_payload(r.envelope))
        except DomainError:
            continue  # not a rating: flagged PAYLOAD_INVALID at ingest, counted nowhere
        window_no = attribution.window_of_device.get(r.device_id)
        rows.append(
            RatingRow(
                window_no=window_no,
                clerk_id=r.clerk_id,
                dept_code=attribution.dept(window_no),
                category=category_of.get((rating.business_date, rating.ticket_no), ""),
                level=None if rating.level is None else int(rating.level),
            )
        )
    return rows


def load_pauses(
    conn: Connection, period: Period, attribution: Attribution, tickets: list[TicketRow]
) -> list[PauseRow]:
    """Paused spans per window, clerk and day; a pause not resumed that day lasts to the window's
    last ticket end that day (none: not counted)."""
    last_end: dict[tuple[int | None, str], datetime] = {}
    for t in tickets:
        if t.ended_at is not None:
            key = (t.window_no, t.day)
            last_end[key] = max(last_end.get(key, t.ended_at), t.ended_at)
    rows = []
    open_: dict[str, tuple[datetime, str, int | None, str]] = {}
    for r in _event_rows(conn, (PAUSED, RESUMED), period):
        at = _when(r.occurred_at)
        if at is None:
            continue
        p = _payload(r.envelope)
        window_no = _int(p.get("window_no"))
        if window_no is None:
            window_no = attribution.window_of_device.get(r.device_id)
        day = r.occurred_at[:10]
        started = open_.pop(r.device_id, None)
        if started is not None:
            since, clerk, window, start_day = started
            end = at if start_day == day else last_end.get((window, start_day))
            if end is not None and end > since:
                rows.append(
                    PauseRow(
                        window, clerk, attribution.dept(window), start_day, (end - since).total_seconds()
                    )
                )
        if r.type == PAUSED:
            open_[r.device_id] = (at, r.clerk_id, window_no, day)
    for since, clerk, window, day in open_.values():
        end = last_end.get((window, day))
        if end is not None and end > since:
            rows.append(PauseRow(window, clerk, attribution.dept(window), day, (end - since).total_seconds()))
    return rows


def load_alerts(conn: Connection, period: Period, attribution: Attribution) -> list[AlertRow]:
    """Alerts detected in the period, attributed to the window of their device and the clerk and
    department of their case."""
    first, after = period.utc_range
    a = alerts.c
    found = list(
        conn.execute(
            select(
                a.rule_id, a.level, a.device_id, a.project_no, a.details, cases.c.clerk_id, cases.c.dept_code
            )
            .select_from(alerts.outerjoin(cases, cases.c.project_no == a.project_no))
            .where(a.detected_at >= first, a.detected_at < after)
        )
    )
    rows = []
    for r in found:
        window_no = attribution.window_of_device.get(r.device_id) if r.device_id else None
        clerk = r.clerk_id
        if clerk is None:
            try:
                details = json.loads(r.details)
            except ValueError:
                details = {}
            clerk = details.get("clerk_id") if isinstance(details, dict) else None
        level = r.level or (RULES[r.rule_id].level if r.rule_id in RULES else "")
        rows.append(
            AlertRow(
                level=level,
                window_no=window_no,
                clerk_id=clerk if isinstance(clerk, str) else None,
                dept_code=r.dept_code or attribution.dept(window_no) or None,
            )
        )
    return rows


def load_rows(conn: Connection, period: Period, catalog: Catalog | None) -> Rows:
    """Every row the period's assessment reads."""
    attribution = Attribution(catalog, _window_map(conn))
    tickets = load_tickets(conn, period, attribution)
    return Rows(
        tickets=tickets,
        cases=load_cases(conn, period, attribution),
        ratings=load_ratings(conn, period, attribution, tickets),
        alerts=load_alerts(conn, period, attribution),
        pauses=load_pauses(conn, period, attribution, tickets),
    )
