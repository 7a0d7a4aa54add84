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
window moves ``promise_due`` when it does).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.calendar import LimitUnit, TimeLimit, WorkCalendar, promise_due
from counter_app.domain.case import CaseState
from counter_app.domain.catalog import TimeUnit
from counter_app.domain.errors import DomainError
from supervision_server.alerts import AlertDraft
from supervision_server.rules.base import Scope, about_case, case_in, case_rows, moment
from supervision_server.schema import cases

_RUNNING = [CaseState.ACCEPTED.value, CaseState.IN_PROCESS.value]


def deadline_cards(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """The three deadline cards for every running case (see the module docstring)."""
    if not scope.scheduled:
        return []
    drafts = []
    calendar = scope.calendar
    for row in case_rows(conn, scope, case_in("state", _RUNNING), recent=False):
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
        statutory = _statutory_due(scope, row, accepted)
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


def _statutory_due(scope: Scope, row: dict[str, Any], accepted: datetime | None) -> datetime | None:
    catalog = scope.catalog
    if catalog is None or accepted is None:
        return None
    try:
        item = catalog.item(row["task_code"])
    except DomainError:  # a matter no longer in the catalog has no statutory limit here
        return None
    if item.legal_limit.value == 0:  # the catalog states no statutory limit (as its own checks read it)
        return None
    natural = item.legal_limit.unit is TimeUnit.NATURAL_DAY
    limit = TimeLimit(item.legal_limit.value, LimitUnit.NATURAL_DAY if natural else LimitUnit.WORKING_DAY)
    return promise_due(accepted, limit, scope.calendar).due


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
