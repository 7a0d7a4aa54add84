"""Heartbeats: clock offset, WITHHOLDING and ROLLBACK."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from counter_app.ledger import GENESIS_HASH
from supervision_server.app import run_withholding_check
from supervision_server.heartbeat import check_withholding
from tests.server.helpers import ADMIN, Chain, StepClock, heartbeat_body, wire

_COUNTERS = itertools.count(1)


def beat(client: TestClient, chain: Chain, head: tuple[int, str], device_time: str) -> Any:
    """A fresh heartbeat (the next counter) announcing ``head``."""
    body = heartbeat_body(chain, next(_COUNTERS), head, device_time)
    return client.post(f"/api/v1/devices/{chain.device_id}/heartbeat", json=body)


def rules(client: TestClient, device_id: str) -> list[str]:
    alerts = client.get("/api/v1/alerts", params={"device_id": device_id}, headers=ADMIN).json()["alerts"]
    return [a["rule_id"] for a in alerts]


def device_row(client: TestClient, device_id: str) -> dict[str, Any]:
    devices = client.get("/api/v1/devices", headers=ADMIN).json()["devices"]
    return next(d for d in devices if d["device_id"] == device_id)


def test_heartbeat_measures_the_clock_and_reports_the_head(client: TestClient, device: Chain) -> None:
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(3)))
    reply = beat(client, device, device.head, "2026-11-25T08:59:58.500+08:00")  # device 1.5 s behind
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["clock_offset_ms"] == 1500 and body["lag"] == 0
    assert (body["acked_seq"], body["acked_hash"]) == device.head
    assert body["server_time"].startswith("2026-11-25T01:00:00")
    row = device_row(client, device.device_id)
    assert (row["clock_offset_ms"], row["announced_seq"], row["lag"]) == (1500, 3, 0)
    assert row["last_seen"].startswith("2026-11-25T01:00:00")
    assert rules(client, device.device_id) == []


def test_bad_heartbeats_are_refused(client: TestClient, device: Chain) -> None:
    good = beat(client, device, (0, GENESIS_HASH), "2026-11-25T09:00:00+08:00").json()
    assert good["acked_seq"] == 0
    body = heartbeat_body(device, next(_COUNTERS), (0, GENESIS_HASH))
    reply = client.post(f"/api/v1/devices/{device.device_id}/heartbeat", json={**body, "signature": "AAAA"})
    assert (reply.status_code, reply.json()["code"]) == (400, "BAD_SIGNATURE")
    stranger = Chain("dev-unknown-hb", device.key)
    assert beat(client, stranger, (0, GENESIS_HASH), "2026-11-25T09:00:00+08:00").status_code == 403
    naive = beat(client, device, (0, GENESIS_HASH), "2026-11-25T09:00:00")
    assert (naive.status_code, naive.json()["code"]) == (422, "BAD_DEVICE_TIME")


def test_a_head_announced_but_not_delivered_becomes_withholding(
    client: TestClient, device: Chain, clock: StepClock
) -> None:
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(2)))
    device.extend(5)  # written at the window, never sent
    beat(client, device, device.head, "2026-11-25T09:00:00+08:00")
    assert device_row(client, device.device_id)["lag"] == 5
    clock.advance(seconds=30)
    beat(client, device, device.head, "2026-11-25T09:00:30+08:00")
    assert "WITHHOLDING" not in rules(client, device.device_id)  # still within the 60 s grace
    clock.advance(seconds=31)
    beat(client, device, device.head, "2026-11-25T09:01:01+08:00")
    assert rules(client, device.device_id).count("WITHHOLDING") == 1
    clock.advance(minutes=5)
    beat(client, device, device.head, "2026-11-25T09:06:01+08:00")
    assert rules(client, device.device_id).count("WITHHOLDING") == 1  # one alert per episode
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.events[2:]))
    assert device_row(client, device.device_id)["withholding_since"] is None


def test_withholding_is_found_without_further_heartbeats(
    client: TestClient, device: Chain, clock: StepClock
) -> None:
    device.extend(3)
    beat(client, device, device.head, "2026-11-25T09:00:00+08:00")  # then the window goes silent
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.engine.begin() as conn:
        check_withholding(conn, clock() + timedelta(seconds=59), timedelta(seconds=60))
    assert rules(client, device.device_id) == []
    with ctx.engine.begin() as conn:
        check_withholding(conn, clock() + timedelta(minutes=11), timedelta(minutes=10))
    assert rules(client, device.device_id) == ["WITHHOLDING"]
    clock.advance(hours=1)
    run_withholding_check(ctx)
    assert rules(client, device.device_id) == ["WITHHOLDING"]


def test_a_head_behind_or_different_from_what_was_delivered_is_a_rollback(
    client: TestClient, device: Chain
) -> None:
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(6)))
    old = device.restored(4)
    reply = beat(client, old, old.head, "2026-11-25T09:00:00+08:00")
    assert reply.status_code == 200 and reply.json()["acked_seq"] == 6
    assert rules(client, device.device_id) == ["ROLLBACK"]
    other = device.restored(5)
    other.append("test.event", {"rewritten": True})  # seq 6 with another hash
    beat(client, other, other.head, "2026-11-25T09:00:01+08:00")
    assert rules(client, device.device_id) == ["ROLLBACK", "ROLLBACK"]
    beat(client, device, device.head, "2026-11-25T09:00:02+08:00")
    assert rules(client, device.device_id) == ["ROLLBACK", "ROLLBACK"]


def test_a_skewed_clock_is_flagged_once(client: TestClient, device: Chain) -> None:
    beat(client, device, (0, GENESIS_HASH), "2026-11-25T09:30:00+08:00")  # half an hour ahead
    beat(client, device, (0, GENESIS_HASH), "2026-11-25T09:30:05+08:00")
    assert rules(client, device.device_id) == ["CLOCK_SKEW"]
    assert device_row(client, device.device_id)["clock_offset_ms"] == -1_805_000


def post_beat(client: TestClient, chain: Chain, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/devices/{chain.device_id}/heartbeat", json=body)


def test_a_replayed_heartbeat_is_refused_and_changes_nothing(
    client: TestClient, device: Chain, clock: StepClock
) -> None:
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(2)))
    recorded = heartbeat_body(device, 10)  # announces head 2: overheard on the wire
    assert post_beat(client, device, recorded).status_code == 200
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(3)))
    clock.advance(seconds=30)
    assert (
        post_beat(
            client, device, heartbeat_body(device, 11, device_time="2026-11-25T09:00:30+08:00")
        ).status_code
        == 200
    )
    before = device_row(client, device.device_id)
    clock.advance(seconds=30)
    for replayed in (recorded, heartbeat_body(device, 11, device_time="2026-11-25T09:00:30+08:00")):
        reply = post_beat(client, device, replayed)
        assert (reply.status_code, reply.json()["code"], reply.json()["last_counter"]) == (
            409,
            "HEARTBEAT_REPLAYED",
            11,
        )
    assert rules(client, device.device_id) == []  # the replayed head 2 < 5 is no ROLLBACK
    assert device_row(client, device.device_id) == before


def test_a_heartbeat_two_days_old_is_refused(client: TestClient, device: Chain, clock: StepClock) -> None:
    assert post_beat(client, device, heartbeat_body(device, 1)).status_code == 200
    before = device_row(client, device.device_id)
    stale = heartbeat_body(device, 2, device_time="2026-11-23T09:00:00+08:00")
    reply = post_beat(client, device, stale)
    assert (reply.status_code, reply.json()["code"]) == (422, "HEARTBEAT_STALE")
    assert reply.json()["server_time"] == "2026-11-25T01:00:00.000000+00:00"
    ahead = heartbeat_body(device, 3, device_time="2026-11-25T10:00:01+08:00")  # 1 h 1 s ahead
    assert post_beat(client, device, ahead).json()["code"] == "HEARTBEAT_STALE"
    assert device_row(client, device.device_id) == before and rules(client, device.device_id) == []
    assert (
        post_beat(
            client, device, heartbeat_body(device, 4, device_time="2026-11-25T09:59:59+08:00")
        ).status_code
        == 200
    )


def test_an_old_heartbeat_cannot_end_a_withholding_episode(
    client: TestClient, device: Chain, clock: StepClock
) -> None:
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(2)))
    old = heartbeat_body(device, 1)  # head 2: all delivered
    assert post_beat(client, device, old).status_code == 200
    device.extend(5)  # written at the window, held back
    assert post_beat(client, device, heartbeat_body(device, 2)).status_code == 200
    assert device_row(client, device.device_id)["withholding_since"] == "2026-11-25T01:00:00.000000+00:00"
    clock.advance(seconds=30)
    assert post_beat(client, device, old).json()["code"] == "HEARTBEAT_REPLAYED"
    assert device_row(client, device.device_id)["withholding_since"] == "2026-11-25T01:00:00.000000+00:00"
    clock.advance(seconds=31)
    run_withholding_check(client.app.state.ctx)  # type: ignore[attr-defined]
    assert rules(client, device.device_id) == ["WITHHOLDING"]


def test_a_fresh_heartbeat_that_takes_back_an_announced_head_is_a_rollback(
    client: TestClient, device: Chain
) -> None:
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(2)))
    device.extend(4)
    assert post_beat(client, device, heartbeat_body(device, 1)).json()["lag"] == 4  # announced 6
    restored = device.restored(2)  # the window's database put back to a copy before seq 3
    reply = post_beat(client, restored, heartbeat_body(restored, 2))
    assert reply.status_code == 200 and reply.json()["lag"] == 0
    assert rules(client, device.device_id) == ["ROLLBACK"]
    alert = client.get("/api/v1/alerts", params={"device_id": device.device_id}, headers=ADMIN).json()[
        "alerts"
    ][0]
    assert (alert["seq"], alert["details"]["previously_announced_seq"]) == (2, 6)
