"""Heartbeats (心跳): a counter announces its ledger head and its clock; the server compares.

The device signs :func:`counter_app.ledger.device_messages.heartbeat_message` (device id, a
counter, head seq and hash, device time) with its enrolled key. Only a fresh heartbeat counts:
its counter must be above the highest one accepted from the device (a recorded heartbeat
replayed later is refused, 409 HEARTBEAT_REPLAYED) and its device time within
``heartbeat_max_skew_s`` of the server's clock (422 HEARTBEAT_STALE). A refused heartbeat
changes nothing and raises nothing, so replaying an old one can neither put a false ROLLBACK
on an honest window nor end a WITHHOLDING episode. The server records when it last saw the
device, the announced head, the lag behind what was delivered and the clock offset (server
time minus device time), and checks:

* **ROLLBACK** - the announced head is below what the device already delivered or below what it
  announced in an earlier heartbeat, or its hash at an acknowledged seq is not one the server
  holds: the counter runs on an older copy of its ledger (restored from a backup) or re-wrote it.
* **WITHHOLDING** - the announced head stays ahead of what was delivered for longer than the
  grace period: events exist at the window but do not reach the server. The check runs on every
  heartbeat, for every device, and from :func:`check_withholding` with any ``now``.
* **CLOCK_SKEW** - the device clock is off by more than the configured threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from supervision_server.alerts import AlertDraft, alert_exists, record_alerts
from supervision_server.errors import ApiError
from supervision_server.schema import devices, events, fork_events
from supervision_server.silence import end_silence
from supervision_server.timeutil import iso, parse_iso


@dataclass(frozen=True)
class HeartbeatResult:
    """The reply to a heartbeat."""

    server_time: str
    acked_seq: int
    acked_hash: str
    clock_offset_ms: int
    lag: int


def check_device_time(device_time: datetime, now: datetime, max_skew: timedelta) -> None:
    """Refuse (422 HEARTBEAT_STALE) a heartbeat whose device time is too far from the server's."""
    if abs(now - device_time) > max_skew:
        raise ApiError(
            422,
            "HEARTBEAT_STALE",
            f"心跳时间 {device_time.isoformat()} 与服务器时间相差超过 {max_skew.total_seconds() / 60:.0f} 分钟，"
            "视为过期心跳，未予记录；请校准本机时钟",
            server_time=iso(now),
        )


def record_heartbeat(
    conn: Connection,
    device_id: str,
    counter: int,
    head_seq: int,
    head_hash: str,
    device_time: datetime,
    now: datetime,
    *,
    grace: timedelta,
    skew_alert_ms: int,
) -> HeartbeatResult:
    """Store a verified heartbeat and run the checks; runs in the caller's write transaction.

    Raises ApiError 409 HEARTBEAT_REPLAYED, before anything is written, unless ``counter`` is
    above every counter accepted from the device so far.
    """
    device = conn.execute(select(devices).where(devices.c.device_id == device_id).with_for_update()).one()
    last = device.heartbeat_counter
    if last is not None and counter <= last:
        raise ApiError(
            409,
            "HEARTBEAT_REPLAYED",
            f"心跳编号 {counter} 不大于已收到的编号 {last}，视为重放，未予记录",
            last_counter=last,
        )
    offset_ms = round((now - device_time).total_seconds() * 1000)
    drafts: list[AlertDraft] = []
    behind = head_seq < device.head_seq
    rewritten = head_seq <= device.head_seq and not _holds(conn, device_id, head_seq, head_hash)
    retracted = device.announced_seq is not None and head_seq < device.announced_seq
    if (behind or rewritten or retracted) and not alert_exists(
        conn, "ROLLBACK", device_id=device_id, seq=head_seq
    ):
        known = max(device.head_seq, device.announced_seq or 0)
        drafts.append(
            AlertDraft(
                "ROLLBACK",
                f"设备 {device_id} 宣告的账本头为序号 {head_seq}，而服务器已确认或该设备此前宣告到序号 {known}"
                "（疑似从旧备份恢复或改写了账本）",
                device_id=device_id,
                seq=head_seq,
                details={
                    "announced_hash": head_hash,
                    "acked_seq": device.head_seq,
                    "acked_hash": device.head_hash,
                    "previously_announced_seq": device.announced_seq,
                },
            )
        )
    was_skewed = device.clock_offset_ms is not None and abs(device.clock_offset_ms) > skew_alert_ms
    if abs(offset_ms) > skew_alert_ms and not was_skewed:  # once per episode of skew
        drafts.append(
            AlertDraft(
                "CLOCK_SKEW",
                f"设备 {device_id} 的时钟与服务器相差 {offset_ms / 1000:.0f} 秒",
                device_id=device_id,
                details={"clock_offset_ms": offset_ms},
            )
        )
    ahead = head_seq > device.head_seq
    ahead_since = (device.ahead_since or iso(now)) if ahead else None
    conn.execute(
        devices.update()
        .where(devices.c.device_id == device_id)
        .values(
            last_seen=iso(now),
            announced_seq=head_seq,
            announced_hash=head_hash,
            announced_at=iso(now),
            device_time=device_time.isoformat(),
            clock_offset_ms=offset_ms,
            ahead_since=ahead_since,
            withholding_alerted=device.withholding_alerted if ahead else False,
            heartbeat_counter=counter,
        )
    )
    record_alerts(conn, drafts, now)
    end_silence(conn, device_id, device.silent_alert_id, now)
    check_withholding(conn, now, grace)
    return HeartbeatResult(
        iso(now), device.head_seq, device.head_hash, offset_ms, max(0, head_seq - device.head_seq)
    )


def _holds(conn: Connection, device_id: str, seq: int, hash_: str) -> bool:
    """Whether the server holds ``hash_`` at ``seq`` for the device (main chain or fork table)."""
    if seq == 0:
        return True
    for table in (events, fork_events):
        query = select(table.c.id).where(
            table.c.device_id == device_id, table.c.seq == seq, table.c.hash == hash_
        )
        if conn.execute(query.limit(1)).first() is not None:
            return True
    return False


def check_withholding(conn: Connection, now: datetime, grace: timedelta) -> int:
    """Raise WITHHOLDING for every device whose announced head has led delivery longer than ``grace``.

    Each episode alerts once; it ends when the device delivers up to what it announced.
    Returns the number of alerts raised.
    """
    cutoff = iso(now - grace)
    rows = conn.execute(
        select(devices)
        .where(
            devices.c.ahead_since.is_not(None),
            devices.c.ahead_since <= cutoff,
            devices.c.withholding_alerted.is_(False),
            devices.c.announced_seq > devices.c.head_seq,
        )
        .order_by(devices.c.device_id)
        .with_for_update(skip_locked=True)  # a device busy elsewhere is checked next time
    ).all()
    drafts = [
        AlertDraft(
            "WITHHOLDING",
            f"设备 {row.device_id} 宣告已有序号 {row.announced_seq} 的事件，但自 {row.ahead_since} 起"
            f"服务器只收到序号 {row.head_seq}，超过 {grace.total_seconds() / 60:.0f} 分钟未上报",
            device_id=row.device_id,
            seq=row.head_seq + 1,
            details={
                "announced_seq": row.announced_seq,
                "delivered_seq": row.head_seq,
                "ahead_since": row.ahead_since,
            },
        )
        for row in rows
    ]
    for row in rows:
        conn.execute(
            devices.update().where(devices.c.device_id == row.device_id).values(withholding_alerted=True)
        )
    return record_alerts(conn, drafts, now)


def parse_device_time(text: str) -> datetime:
    """The device's ISO 8601 time (with offset); ValueError if unusable."""
    return parse_iso(text)
