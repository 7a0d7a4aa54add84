"""Heartbeats: tell the server this window's head and measure the clock offset (server − device).

The offset is corrected by half the round trip and stored as ``clock_offset_ms`` in settings,
so every event written afterwards carries it.

Each heartbeat carries a counter that never repeats: one above the last one sent, or the device
clock in milliseconds if that is higher. The server refuses any counter not above the last it
accepted, so a recorded heartbeat cannot be replayed; taking the clock into account means a
window restored from an old backup (with an old stored counter) is not refused for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter_app.ledger.device_messages import heartbeat_message
from counter_app.store.ledger_store import head
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import Clock, SyncConfig, parse_time
from counter_app.sync.errors import BAD_RESPONSE, SyncError

COUNTER_SETTING = "heartbeat_counter"


@dataclass(frozen=True)
class HeartbeatResult:
    """The server's view after a heartbeat, and the offset measured from it."""

    server_time: datetime
    acked_seq: int
    acked_hash: str
    clock_offset_ms: int
    round_trip_ms: int


def next_counter(store: Store, device_time: datetime) -> int:
    """Take the next heartbeat counter (committed before it is used, so it is never used twice)."""
    with store.unit_of_work() as uow:
        stored = uow.settings.get(COUNTER_SETTING)
        counter = max(int(stored) + 1 if stored else 1, int(device_time.timestamp() * 1000))
        uow.put_setting(COUNTER_SETTING, str(counter))
        uow.commit()
    return counter


def heartbeat_body(store: Store, device_id: str, device_time: datetime) -> dict[str, Any]:
    """The signed heartbeat: a fresh counter, head seq and hash and device time."""
    counter = next_counter(store, device_time)
    with store.read() as conn:
        head_seq, head_hash = head(conn)
        conn.rollback()
    time_text = device_time.isoformat(timespec="milliseconds")
    signature = store.key.sign(heartbeat_message(device_id, counter, head_seq, head_hash, time_text))
    return {
        "counter": counter,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "device_time": time_text,
        "signature": signature,
    }


def send_heartbeat(store: Store, client: ServerClient, config: SyncConfig, clock: Clock) -> HeartbeatResult:
    """Send one heartbeat and record the measured clock offset in settings."""
    sent_at = clock()
    reply = client.heartbeat(config.device_id, heartbeat_body(store, config.device_id, sent_at))
    received_at = clock()
    try:
        server_time = parse_time(str(reply["server_time"]))
        acked_seq = int(reply["acked_seq"])
        acked_hash = str(reply["acked_hash"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SyncError(BAD_RESPONSE, f"heartbeat reply malformed: {exc!r}", retryable=True) from exc
    round_trip = received_at - sent_at
    offset_ms = round((server_time - (sent_at + round_trip / 2)).total_seconds() * 1000)
    with store.unit_of_work() as uow:
        uow.put_setting("clock_offset_ms", str(offset_ms))
        uow.commit()
    return HeartbeatResult(
        server_time, acked_seq, acked_hash, offset_ms, round(round_trip.total_seconds() * 1000)
    )
