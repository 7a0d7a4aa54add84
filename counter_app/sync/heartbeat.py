"""Heartbeats: tell the server this window's head and measure the clock offset (server − device).

The offset is corrected by half the round trip and stored as ``clock_offset_ms`` in settings,
so every event written afterwards carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter_app.ledger.canonical import canonical_json
from counter_app.store.ledger_store import head
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import Clock, SyncConfig, parse_time
from counter_app.sync.errors import BAD_RESPONSE, SyncError

HEARTBEAT_TAG = b"service-counter/heartbeat/v1\n"


@dataclass(frozen=True)
class HeartbeatResult:
    """The server's view after a heartbeat, and the offset measured from it."""

    server_time: datetime
    acked_seq: int
    acked_hash: str
    clock_offset_ms: int
    round_trip_ms: int


def heartbeat_body(store: Store, device_id: str, device_time: datetime) -> dict[str, Any]:
    """The signed heartbeat: head seq and hash and device time, signed with the device key."""
    with store.read() as conn:
        head_seq, head_hash = head(conn)
        conn.rollback()
    signed = {
        "device_id": device_id,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "device_time": device_time.isoformat(timespec="milliseconds"),
    }
    signature = store.key.sign(HEARTBEAT_TAG + canonical_json(signed))
    return {k: v for k, v in signed.items() if k != "device_id"} | {"signature": signature}


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
