"""The handling of alerts (预警处置): steps, state, history, self-closing, and the filtered list.

Every step is a row of ``alert_steps`` (insert-only) with who took it and when; the state of an
alert is the fold of its steps under :mod:`counter_app.domain.alert_life`. Closing, whether by a
person or because the cause cleared itself (a silent window heartbeats again, the case a citizen
asked about arrives), also writes the ``alert_closings`` row that gives the alert its
``closed_at``; a closing made by the system is recorded with the actor ``system``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, select

from counter_app.domain.alert_life import AlertAction, AlertState, AlertStepRefused, fold, next_state
from counter_app.domain.device_role import DeviceRole
from supervision_server.errors import ApiError
from supervision_server.projected import chunks
from supervision_server.rules_schema import alert_steps
from supervision_server.schema import alert_closings, alerts, devices
from supervision_server.timeutil import iso

SYSTEM = "system"


def _actions(conn: Connection, alert_id: int) -> list[AlertAction]:
    query = select(alert_steps.c.action).where(alert_steps.c.alert_id == alert_id).order_by(alert_steps.c.id)
    return [AlertAction(a) for a in conn.execute(query).scalars()]


def _closed(conn: Connection, alert_id: int) -> bool:
    query = select(alert_closings.c.alert_id).where(alert_closings.c.alert_id == alert_id)
    return conn.execute(query).first() is not None


def alert_state(conn: Connection, alert_id: int) -> AlertState:
    """Where the alert stands now."""
    if _closed(conn, alert_id):
        return AlertState.CLOSED
    return fold(_actions(conn, alert_id))


def take_step(
    conn: Connection, alert_id: int, action: AlertAction, actor: str, note: str, now: datetime
) -> AlertState:
    """Record ``action`` on the alert by ``actor``; ApiError 404/409/422 when it cannot be taken."""
    if conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None:
        raise ApiError(404, "ALERT_NOT_FOUND", f"预警 {alert_id} 不存在")
    if not actor.strip():
        raise ApiError(422, "ALERT_ACTOR_REQUIRED", "请填写处理人")
    # Lock the alert's steps against a concurrent step (PostgreSQL); SQLite writes one at a time.
    conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id).with_for_update())
    state = alert_state(conn, alert_id)
    try:
        target = next_state(state, action, note)
    except AlertStepRefused as exc:
        status = 422 if exc.code == "ALERT_NOTE_REQUIRED" else 409
        raise ApiError(status, exc.code, exc.message, state=state.value) from exc
    at = iso(now)
    conn.execute(
        alert_steps.insert().values(
            alert_id=alert_id, action=action.value, state=target.value, actor=actor.strip(), note=note, at=at
        )
    )
    if target is AlertState.CLOSED:
        conn.execute(alert_closings.insert().values(alert_id=alert_id, closed_at=at, note=note or "人工关闭"))
    return target


def close_by_itself(conn: Connection, alert_id: int, note: str, now: datetime) -> bool:
    """Close an open alert whose cause cleared itself; False if it was closed already."""
    if _closed(conn, alert_id):
        return False
    at = iso(now)
    conn.execute(
        alert_steps.insert().values(
            alert_id=alert_id,
            action=AlertAction.CLOSE.value,
            state=AlertState.CLOSED.value,
            actor=SYSTEM,
            note=note,
            at=at,
        )
    )
    conn.execute(alert_closings.insert().values(alert_id=alert_id, closed_at=at, note=note))
    return True


def open_alerts(
    conn: Connection,
    rule_ids: str | Sequence[str],
    project_nos: set[str] | None = None,
    *,
    in_details: Collection[str] = (),
) -> list[dict[str, Any]]:
    """The open alerts (not closed) of ``rule_ids`` (one rule or several), oldest first, details
    decoded; with ``project_nos`` only those about these cases by the alert's case number, and
    every open alert of the rules in ``in_details`` (which name their cases in the details: a
    superset, for the caller to check on the decoded details; few are open at a time, and one
    read of them costs less than searching their text for each number). One statement per 500
    case numbers, whatever the number of rules.
    """
    wanted = [rule_ids] if isinstance(rule_ids, str) else list(rule_ids)
    query = (
        select(alerts)
        .outerjoin(alert_closings, alert_closings.c.alert_id == alerts.c.id)
        .where(alert_closings.c.alert_id.is_(None))
        .order_by(alerts.c.id)
    )
    if project_nos is None:
        queries = [query.where(alerts.c.rule_id.in_(wanted))]
    else:
        searched = [r for r in wanted if r in in_details]
        by_number = [r for r in wanted if r not in in_details]
        queries = [query.where(alerts.c.rule_id.in_(searched))] if searched else []
        queries += [
            query.where(alerts.c.rule_id.in_(by_number), alerts.c.project_no.in_(part))
            for part in (chunks(sorted(project_nos)) if by_number else [])
        ]
    found: dict[int, dict[str, Any]] = {}
    for narrowed in queries:
        for row in conn.execute(narrowed).mappings():
            if row["id"] not in found:
                item = dict(row)
                item["details"] = json.loads(item["details"])
                found[row["id"]] = item
    return [found[i] for i in sorted(found)]


def alert_history(conn: Connection, alert_id: int) -> dict[str, Any]:
    """The alert and every step of its handling, oldest first; ApiError 404 if unknown."""
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().first()
    if row is None:
        raise ApiError(404, "ALERT_NOT_FOUND", f"预警 {alert_id} 不存在")
    alert = dict(row)
    alert["details"] = json.loads(alert["details"])
    steps: list[dict[str, Any]] = [
        {
            "action": "raise",
            "state": AlertState.RAISED.value,
            "actor": SYSTEM,
            "note": alert["message"],
            "at": alert["detected_at"],
        }
    ]
    query = select(alert_steps).where(alert_steps.c.alert_id == alert_id).order_by(alert_steps.c.id)
    recorded = [dict(r) for r in conn.execute(query).mappings()]
    steps.extend({k: r[k] for k in ("action", "state", "actor", "note", "at")} for r in recorded)
    closing = (
        conn.execute(select(alert_closings).where(alert_closings.c.alert_id == alert_id)).mappings().first()
    )
    if closing is not None and not any(r["action"] == AlertAction.CLOSE.value for r in recorded):
        # Closed before steps were recorded (a silent window that came back).
        steps.append(
            {
                "action": "close",
                "state": AlertState.CLOSED.value,
                "actor": SYSTEM,
                "note": closing["note"],
                "at": closing["closed_at"],
            }
        )
    state = AlertState.CLOSED if closing is not None else fold([AlertAction(r["action"]) for r in recorded])
    alert["closed_at"] = closing["closed_at"] if closing is not None else None
    return {"alert": alert, "state": state.value, "state_label": state.label, "steps": steps}


def filtered_alerts(
    conn: Connection,
    *,
    level: str | None = None,
    rule_id: str | None = None,
    dept_code: str | None = None,
    window_no: int | None = None,
    clerk_id: str | None = None,
    state: str | None = None,
    device_id: str | None = None,
    project_no: str | None = None,
    after_id: int = 0,
    limit: int = 200,
    alert_id: int | None = None,
    open_only: bool = False,
    newest_first: bool = False,
) -> list[dict[str, Any]]:
    """Alerts in detection order (``newest_first``: the reverse) with their state, filtered;
    ``after_id`` pages forward.

    An alert recorded before it named its window (older rows) is matched by its device's window.
    """
    last = (
        select(alert_steps.c.alert_id, func.max(alert_steps.c.id).label("step_id"))
        .group_by(alert_steps.c.alert_id)
        .subquery()
    )
    step = alert_steps.alias("last_step")
    state_col = case(
        (alert_closings.c.alert_id.is_not(None), literal(AlertState.CLOSED.value)),
        else_=func.coalesce(step.c.state, literal(AlertState.RAISED.value)),
    ).label("state")
    # A kiosk's number is no window's: its alerts name no window unless the alert itself does.
    device_window = case((devices.c.role == DeviceRole.WINDOW.value, devices.c.window_no), else_=None)
    window_col = func.coalesce(alerts.c.window_no, device_window)
    query = (
        select(alerts, alert_closings.c.closed_at, state_col, window_col.label("alert_window_no"))
        .outerjoin(alert_closings, alert_closings.c.alert_id == alerts.c.id)
        .outerjoin(last, last.c.alert_id == alerts.c.id)
        .outerjoin(step, step.c.id == last.c.step_id)
        .outerjoin(devices, devices.c.device_id == alerts.c.device_id)
        .where(alerts.c.id > after_id)
        .order_by(alerts.c.id.desc() if newest_first else alerts.c.id)
        .limit(limit)
    )
    conditions = []
    for column, value in (
        (alerts.c.level, level),
        (alerts.c.rule_id, rule_id),
        (alerts.c.dept_code, dept_code),
        (alerts.c.clerk_id, clerk_id),
        (alerts.c.device_id, device_id),
        (alerts.c.project_no, project_no),
    ):
        if value:
            conditions.append(column == value)
    if window_no is not None:
        conditions.append(window_col == window_no)
    if state:
        conditions.append(state_col == state)
    if open_only:
        conditions.append(alert_closings.c.alert_id.is_(None))
    if alert_id is not None:
        conditions.append(alerts.c.id == alert_id)
    if conditions:
        query = query.where(and_(*conditions))
    rows = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["details"] = json.loads(item["details"])
        item["window_no"] = item.pop("alert_window_no")
        item["state_label"] = AlertState(item["state"]).label
        rows.append(item)
    return rows


__all__ = [
    "SYSTEM",
    "alert_history",
    "alert_state",
    "close_by_itself",
    "filtered_alerts",
    "open_alerts",
    "take_step",
]
