"""Rules on cases: two windows, impossible times, hasty or abnormal closures, hours and logins."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from counter_app.domain.case import TRANSITIONS, CaseState, ResultCode
from counter_app.domain.catalog import ProjectType
from supervision_server.alerts import AlertDraft
from supervision_server.db import any_of
from supervision_server.projected import chunks
from supervision_server.rules.base import (
    Scope,
    about_case,
    case_in,
    case_rows,
    case_set,
    moment,
    stored_events,
)
from supervision_server.schema import cases, events

LOGIN, LOGOUT = "clerk.logged_in", "clerk.logged_out"
PROCESS_RECORDED = "case.process_recorded"
SUSPENDED = TRANSITIONS["suspend"].event_type
ABNORMAL = frozenset(
    {int(ResultCode.VOIDED), int(ResultCode.RETURNED), int(ResultCode.NOT_ACCEPTED), int(ResultCode.DENIED)}
)


def double_accept(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """两头受理 (DOUBLE_ACCEPT): one applicant's matter taken in at two windows.

    Two cases of the same matter (``task_code``) and applicant certificate number, received at
    different windows within ``double_accept_days``, neither ended as 不予受理 or 退件: the
    citizen was told to come twice, or one window records what another handled. The same
    window taking the matter again (after a refusal, or a second licence) is not this.
    """
    days = timedelta(days=scope.settings.double_accept_days)
    dropped = (int(ResultCode.NOT_ACCEPTED), int(ResultCode.RETURNED))
    rows = [r for r in case_rows(conn, scope) if r["applicant_cert_no"] and r["result_code"] not in dropped]
    same: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for part in chunks(sorted({r["applicant_cert_no"] for r in rows})):
        query = select(cases).where(cases.c.applicant_cert_no.in_(part)).order_by(cases.c.project_no)
        for found in conn.execute(query).mappings():
            if found["result_code"] not in dropped:
                same[(found["applicant_cert_no"], found["task_code"])].append(dict(found))
    drafts = []
    for row in rows:
        received = moment(row["received_at"])
        for other in same[(row["applicant_cert_no"], row["task_code"])]:
            if other["project_no"] == row["project_no"] or other["window_no"] == row["window_no"]:
                continue
            then = moment(other["received_at"])
            if received is None or then is None or abs(received - then) > days:
                continue
            first, second = sorted([row["project_no"], other["project_no"]])
            drafts.append(
                AlertDraft(
                    "DOUBLE_ACCEPT",
                    f"同一申请人的「{row['item_name']}」在 {other['window_no']} 号和 {row['window_no']} 号窗口"
                    f"分别登记为办件 {first}、{second}（两头受理）",
                    details={
                        "project_nos": [first, second],
                        "windows": sorted({row["window_no"], other["window_no"]}),
                    },
                    occurrence_key=f"DOUBLE_ACCEPT:{first}:{second}",
                    **about_case(row),
                )
            )
    return drafts


def time_order(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """时间倒置 (TIME_ORDER): a case whose times cannot have happened in that order.

    受理 before 接件, 办结 before 受理 or 接件, 送达 before 办结: a window whose clock was set
    back to put a case in an earlier day, or a record edited to look timely.
    """
    drafts = []
    steps = ("received_at", "accepted_at", "closed_at", "delivered_at")
    labels = {"received_at": "接件", "accepted_at": "受理", "closed_at": "办结", "delivered_at": "送达"}
    for row in case_rows(conn, scope):
        seen: list[tuple[str, Any]] = [(k, moment(row[k])) for k in steps if moment(row[k]) is not None]
        for (a, at_a), (b, at_b) in itertools.pairwise(seen):
            if at_b < at_a:
                drafts.append(
                    AlertDraft(
                        "TIME_ORDER",
                        f"办件 {row['project_no']} 的{labels[b]}时间 {row[b]} 早于{labels[a]}时间 {row[a]}",
                        details={"earlier": a, "later": b, a: row[a], b: row[b]},
                        occurrence_key=f"TIME_ORDER:{row['project_no']}:{b}",
                        **about_case(row),
                    )
                )
                break
    return drafts


def _case_events(conn: Connection, project_no: str, types: list[str]) -> list[Any]:
    query = (
        select(events)
        .where(events.c.project_no == project_no, events.c.type.in_(types))
        .order_by(events.c.id)
    )
    return stored_events(conn, query)


def hasty_close(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """秒办 (HASTY_CLOSE): a 承诺件 closed within minutes with no process recorded.

    A case with a promised time limit (not 即办) that is closed 出证 within
    ``hasty_close_minutes`` of acceptance with no 办理环节 recorded: the decision was taken
    elsewhere, before the case was entered, and the hall's record is a formality.
    """
    limit = timedelta(minutes=scope.settings.hasty_close_minutes)
    drafts = []
    for row in case_rows(conn, scope, case_set("closed_at")):
        if row["project_type"] != int(ProjectType.PROMISE) or row["result_code"] != int(ResultCode.ISSUED):
            continue
        accepted, closed = moment(row["accepted_at"]), moment(row["closed_at"])
        if accepted is None or closed is None or closed - accepted > limit:
            continue
        if _case_events(conn, row["project_no"], [PROCESS_RECORDED]):
            continue
        minutes = (closed - accepted).total_seconds() / 60
        drafts.append(
            AlertDraft(
                "HASTY_CLOSE",
                f"承诺件 {row['project_no']} 受理后 {minutes:.0f} 分钟即办结，且没有任何办理环节记录",
                details={"accepted_at": row["accepted_at"], "closed_at": row["closed_at"]},
                occurrence_key=f"HASTY_CLOSE:{row['project_no']}",
                **about_case(row),
            )
        )
    return drafts


def outside_hours(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """非工作时间受理 (OUTSIDE_HOURS): a case received outside hall hours or on a closed day.

    The window was working while the hall was shut (evenings, weekends, holidays on the hall
    calendar): cases entered then were handled without the citizen at the counter.
    """
    drafts = []
    for row in case_rows(conn, scope):
        received = moment(row["received_at"])
        if received is None or scope.in_hours(received):
            continue
        drafts.append(
            AlertDraft(
                "OUTSIDE_HOURS",
                f"办件 {row['project_no']} 的接件时间 {row['received_at']} 不在大厅办公时间内",
                details={"received_at": row["received_at"], "hall_hours": scope.settings.hall_hours},
                occurrence_key=f"OUTSIDE_HOURS:{row['project_no']}",
                **about_case(row),
            )
        )
    return drafts


def not_logged_in(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """冒名受理 (NOT_LOGGED_IN): a case received by a clerk not logged in at that window then.

    The window's own ``clerk.logged_in`` / ``clerk.logged_out`` events say who sat there; a case
    whose 受理人 was not the logged-in clerk at its receipt was entered under another's name or
    after the clerk left. A window that sends no login events is not judged.
    """
    drafts = []
    rows = case_rows(conn, scope)
    sessions: dict[str, list[Any]] = defaultdict(list)
    if rows:  # the pass's windows' logins and logouts, in one read
        query = (
            select(events)
            .where(
                any_of(events.c.device_id, sorted({r["device_id"] for r in rows})),
                events.c.type.in_([LOGIN, LOGOUT]),
            )
            .order_by(events.c.device_id, events.c.seq)
        )
        for event in stored_events(conn, query):
            sessions[event.device_id].append(event)
    for row in rows:
        logins = sessions.get(row["device_id"], [])
        received = moment(row["received_at"])
        if not logins or received is None:
            continue
        before = [e for e in logins if (m := moment(e.occurred_at)) is not None and m <= received]
        current = before[-1] if before else None
        if current is not None and current.type == LOGIN and current.clerk_id == row["clerk_id"]:
            continue
        who = "无人登录" if current is None or current.type == LOGOUT else f"登录的是 {current.clerk_id}"
        drafts.append(
            AlertDraft(
                "NOT_LOGGED_IN",
                f"办件 {row['project_no']} 由 {row['clerk_id']} 受理，但当时该窗口{who}",
                details={
                    "received_at": row["received_at"],
                    "logged_in": current.clerk_id if current and current.type == LOGIN else None,
                },
                occurrence_key=f"NOT_LOGGED_IN:{row['project_no']}",
                **about_case(row),
            )
        )
    return drafts


def late_special(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """临期特别程序 (LATE_SPECIAL): 特别程序 started just before the deadline.

    A 特别程序 (听证、检验、延长审批 ...) started less than ``late_special_hours`` before the
    promised date stops the clock on a case about to be overdue: the suspension hides the
    delay rather than serving the matter.
    """
    limit = timedelta(hours=scope.settings.late_special_hours)
    drafts = []
    rows = case_rows(
        conn,
        scope,
        case_in(
            "state",
            [
                CaseState.SUSPENDED.value,
                CaseState.IN_PROCESS.value,
                CaseState.CLOSED.value,
                CaseState.DELIVERED.value,
            ],
        ),
    )
    for row in rows:
        accepted_due: Any = None
        due_text = None
        for event in _case_events(conn, row["project_no"], ["case.accepted", SUSPENDED, "case.resumed"]):
            if event.type != SUSPENDED:
                if moment(event.text("promise_due")) is not None:
                    accepted_due, due_text = moment(event.text("promise_due")), event.text("promise_due")
                continue
            started = moment(event.occurred_at)
            if accepted_due is None or started is None or not started <= accepted_due < started + limit:
                continue
            hours = (accepted_due - started).total_seconds() / 3600
            drafts.append(
                AlertDraft(
                    "LATE_SPECIAL",
                    f"办件 {row['project_no']} 在承诺期限前 {hours:.0f} 小时才启动特别程序",
                    seq=event.seq,
                    details={"suspended_at": event.occurred_at, "promise_due": due_text},
                    occurrence_key=f"LATE_SPECIAL:{row['project_no']}:{event.seq}",
                    **about_case(row),
                )
            )
    return drafts


def closure_rate(conn: Connection, scope: Scope) -> list[AlertDraft]:
    """异常办结率 (CLOSURE_RATE): a window ending far more cases abnormally than the hall.

    Over the trailing ``closure_rate_days``, a window that ended at least
    ``closure_rate_min_cases`` cases, whose share of 作废、退件、不予受理、不予许可 is at least
    ``closure_rate_factor`` times the rest of the hall's (and at least 30%): cases are being
    dropped rather than handled. One alert per window and day.
    """
    if not scope.scheduled:
        return []
    s = scope.settings
    since = (scope.today - timedelta(days=s.closure_rate_days)).isoformat()
    ended: dict[int, list[int]] = defaultdict(list)
    query = select(cases.c.window_no, cases.c.result_code).where(
        cases.c.closed_at.is_not(None), cases.c.closed_at >= since, cases.c.window_no.is_not(None)
    )
    for window_no, result in conn.execute(query):
        ended[window_no].append(result)
    drafts = []
    for window_no, results in sorted(ended.items()):
        if len(results) < s.closure_rate_min_cases:
            continue
        rate = sum(r in ABNORMAL for r in results) / len(results)
        rest = [r for w, rs in ended.items() if w != window_no for r in rs]
        hall_rate = sum(r in ABNORMAL for r in rest) / len(rest) if rest else 0.0
        if rate < 0.3 or rate < s.closure_rate_factor * hall_rate:
            continue
        drafts.append(
            AlertDraft(
                "CLOSURE_RATE",
                f"{window_no} 号窗口近 {s.closure_rate_days} 天异常办结率 {rate:.0%}，全厅其他窗口 {hall_rate:.0%}",
                details={"rate": round(rate, 4), "hall_rate": round(hall_rate, 4), "cases": len(results)},
                occurrence_key=f"CLOSURE_RATE:{window_no}:{scope.today}",
                window_no=window_no,
            )
        )
    return drafts
