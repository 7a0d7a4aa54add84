"""Deadline cards (时限亮灯) on the hall calendar: 预警, 黄牌 and 红牌 for open cases.

* DEADLINE_NEAR (预警) - the hall's date is the working day before the promised date (or later,
  before the promised time) and the case is still open. It closes itself when the case is
  closed in time.
* OVERDUE_PROMISE (黄牌) - the promised time (承诺办结时间, as the window computed and printed it)
  has passed and the case is still open.
* OVERDUE_STATUTORY (红牌) - the statutory limit (法定时限 of the matter in the catalog, counted in
  working days on the hall calendar from acceptance) has passed and the case is still open. A
  matter whose catalog entry states no statutory limit (0) gets no red card.

A case in 特别程序 (SUSPENDED) has its clock stopped and is not judged until it resumes (the
window moves ``promise_due`` when it does). The statutory limit is moved the same way, by the
one rule of :func:`counter_app.domain.calendar.promise_due`: the working days of every
clock-stopping 特别程序 (听证、检验、鉴定、专家评审 ...) are added back, and an approved 延长审批
adds its days to the limit (行政许可法 第42条、第45条).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.calendar import LimitUnit, TimeLimit, WorkCalendar, promise_due
from counter_app.domain.case import TRANSITIONS, CaseState, SuspensionKind
from counter_app.domain.catalog import TimeUnit
from counter_app.domain.errors import DomainError
from supervision_server.alerts import AlertDraft
from supervision_server.projected import chunks
from supervision_server.rules.base import Scope, about_case, case_in, case_rows, moment
from supervision_server.schema import cases, events

_RUNNING = [CaseState.ACCEPTED.value, CaseState.IN_PROCESS.value]
SUSPENDED, RESUMED = TRANSITIONS["suspend"].event_type, TRANSITIONS["resume"].event_type  # 特别程序


def deadline_cards(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """The three deadline cards for every running case (see the module docstring)."""
    if not scope.scheduled:
        return []
    drafts = []
    calendar = scope.calendar
    running = case_rows(conn, scope, case_in("state", _RUNNING), recent=False)
    special = _special_procedures(conn, {r["project_no"] for r in running})
    for row in running:
        due = moment(row["promise_due"])
        accepted = moment(row["accepted_at"])
        if due is None:
            continue
        about = about_case(row)
        local_due = due.astimezone(scope.tz)
        if scope.now > due:
            drafts.append(
                AlertDraft(
                    "OVERDUE_PROMISE",
                    f"办件 {row['project_no']} 已超过承诺办结时间 {row['promise_due']} 仍未办结",
                    details={"promise_due": row["promise_due"]},
                    occurrence_key=f"OVERDUE_PROMISE:{row['project_no']}:{row['promise_due']}",
                    **about,
                )
            )
        else:
            warn_from = _previous_working_day(calendar, local_due.date())
            if scope.today >= warn_from:
                drafts.append(
                    AlertDraft(
                        "DEADLINE_NEAR",
                        f"办件 {row['project_no']} 将于 {row['promise_due']} 到期，仅剩一个工作日",
                        details={"promise_due": row["promise_due"]},
                        occurrence_key=f"DEADLINE_NEAR:{row['project_no']}:{row['promise_due']}",
                        **about,
                    )
                )
        statutory = _statutory_due(scope, row, accepted, special.get(row["project_no"]))
        if statutory is not None and scope.now > statutory:
            drafts.append(
                AlertDraft(
                    "OVERDUE_STATUTORY",
                    f"办件 {row['project_no']} 已超过法定办结时间 {statutory.isoformat()} 仍未办结",
                    details={"statutory_due": statutory.isoformat(), "promise_due": row["promise_due"]},
                    occurrence_key=f"OVERDUE_STATUTORY:{row['project_no']}",
                    **about,
                )
            )
    return drafts


def _previous_working_day(calendar: WorkCalendar, day: date) -> date:
    back = day - timedelta(days=1)
    for _ in range(60):
        if calendar.is_working_day(back):
            return back
        back -= timedelta(days=1)
    return back


@dataclass
class _Special:
    """A case's 特别程序 so far: clock stops as (start, end) and the days 延长审批 added."""

    stops: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    extension_days: int = 0


def _special_procedures(conn: Connection, numbers: set[str]) -> dict[str, _Special]:
    """The 特别程序 of the cases ``numbers`` from their stored events, in the order they happened."""
    found: dict[str, _Special] = {}
    for part in chunks(sorted(numbers)):
        query = (
            select(events.c.project_no, events.c.type, events.c.occurred_at, events.c.envelope)
            .where(events.c.project_no.in_(part), events.c.type.in_([SUSPENDED, RESUMED]))
            .order_by(events.c.device_id, events.c.seq)
        )
        for no, kind, occurred, envelope in conn.execute(query):
            at = moment(occurred)
            if at is None:
                continue
            special = found.setdefault(no, _Special())
            if kind == RESUMED:
                if special.stops and special.stops[-1][1] is None:
                    special.stops[-1] = (special.stops[-1][0], at)
                continue
            payload = json.loads(envelope).get("payload") or {}
            if payload.get("kind") == SuspensionKind.EXTENSION:
                special.extension_days += max(0, int(payload.get("extend_days") or 0))
            else:
                special.stops.append((at, None))
    return found


def _statutory_due(
    scope: Scope, row: dict[str, Any], accepted: datetime | None, special: _Special | None
) -> datetime | None:
    catalog = scope.catalog
    if catalog is None or accepted is None:
        return None
    try:
        item = catalog.item(row["task_code"])
    except DomainError:  # a matter no longer in the catalog has no statutory limit here
        return None
    if item.legal_limit.value == 0:  # the catalog states no statutory limit (as its own checks read it)
        return None
    special = special or _Special()
    natural = item.legal_limit.unit is TimeUnit.NATURAL_DAY
    limit = TimeLimit(
        item.legal_limit.value + special.extension_days,
        LimitUnit.NATURAL_DAY if natural else LimitUnit.WORKING_DAY,
    )
    stops = [(start, end) for start, end in special.stops if start >= accepted]
    return promise_due(accepted, limit, scope.calendar, stops, now=scope.now).due


def deadline_near_cleared(conn: Connection, alert: dict[str, Any]) -> str | None:
    """Why an open DEADLINE_NEAR alert no longer holds (the case was closed in time), or None."""
    row = conn.execute(
        select(cases.c.closed_at, cases.c.promise_due).where(cases.c.project_no == alert["project_no"])
    ).first()
    if row is None or row.closed_at is None:
        return None
    closed, due = moment(row.closed_at), moment(alert["details"].get("promise_due"))
    if closed is not None and due is not None and closed <= due:
        return "办件已按时办结，预警自动关闭"
    return None
