"""SILENT (窗口失联): a window that worked today and then stopped sending heartbeats in hall hours.

A window's client sends a heartbeat every minute whatever its pushes do, so a window that took
cases or heartbeated today and has sent no heartbeat for ``silent_after`` during hall hours is
switched off, cut off, or has its sync stopped, and what it does meanwhile is invisible to the
server. The periodic watcher raises one SILENT alert per episode; the window's next accepted
heartbeat ends the episode, recorded in ``alert_closings`` (alerts themselves never change).

"Worked today" is a heartbeat or a received event since midnight in the hall's time zone, so a
window that has not opened yet, or a Sunday, raises nothing. The silence counts from the last
heartbeat, or, for a window that has not heartbeated today, from its last event received today.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import Connection, select

from counter_app.domain.device_role import device_label
from supervision_server.alerts import AlertDraft
from supervision_server.schema import alert_closings, alerts, devices, events
from supervision_server.timeutil import iso


def check_silent(
    conn: Connection,
    now: datetime,
    *,
    silent_after: timedelta,
    hall_hours: tuple[time, time],
    hall_tz: tzinfo,
) -> int:
    """Raise SILENT for every window silent longer than ``silent_after`` at ``now``; returns how many."""
    local = now.astimezone(hall_tz)
    if not hall_hours[0] <= local.time() < hall_hours[1]:
        return 0
    day_start = iso(datetime.combine(local.date(), time(0), hall_tz))
    cutoff = iso(now - silent_after)
    rows = conn.execute(
        select(
            devices.c.device_id,
            devices.c.hall_code,
            devices.c.window_no,
            devices.c.role,
            devices.c.announced_at,
        )
        .where(devices.c.silent_alert_id.is_(None))
        .where(devices.c.announced_at.is_(None) | (devices.c.announced_at < cutoff))
        .order_by(devices.c.device_id)
        .with_for_update(skip_locked=True)  # a device busy elsewhere is checked next time
    ).all()
    raised = 0
    for row in rows:
        heartbeat_today = row.announced_at is not None and row.announced_at >= day_start
        since = row.announced_at if heartbeat_today else _last_received(conn, row.device_id)
        if since is None or since < day_start or since >= cutoff:
            continue
        minutes = silent_after.total_seconds() / 60
        draft = AlertDraft(
            "SILENT",
            f"{row.hall_code} 大厅 {device_label(row.role, row.window_no)}（设备 {row.device_id}）今天已在工作，"
            f"但自 {since} 起超过 {minutes:.0f} 分钟没有心跳",
            device_id=row.device_id,
            details={
                "silent_since": since,
                "last_heartbeat": row.announced_at,
                "threshold_s": silent_after.total_seconds(),
            },
        )
        inserted = conn.execute(alerts.insert().values(**draft.row(now))).inserted_primary_key
        assert inserted is not None
        alert_id = inserted[0]
        conn.execute(
            devices.update().where(devices.c.device_id == row.device_id).values(silent_alert_id=alert_id)
        )
        raised += 1
    return raised


def end_silence(conn: Connection, device_id: str, silent_alert_id: int | None, now: datetime) -> None:
    """Close the device's open SILENT alert, if any: it sent a heartbeat again at ``now``."""
    if silent_alert_id is None:
        return
    conn.execute(
        alert_closings.insert().values(alert_id=silent_alert_id, closed_at=iso(now), note="窗口恢复心跳")
    )
    conn.execute(devices.update().where(devices.c.device_id == device_id).values(silent_alert_id=None))


def _last_received(conn: Connection, device_id: str) -> str | None:
    query = select(events.c.received_at).where(events.c.device_id == device_id).order_by(events.c.seq.desc())
    return conn.execute(query.limit(1)).scalar()
