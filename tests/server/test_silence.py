"""SILENT: a window that worked today and stops sending heartbeats in hall hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from supervision_server.app import run_periodic_checks
from tests.server.helpers import ADMIN, T0, Chain, StepClock, heartbeat_body, wire


def silent_alerts(client: TestClient, device_id: str) -> list[dict[str, Any]]:
    params = {"device_id": device_id, "rule_id": "SILENT"}
    return list(client.get("/api/v1/alerts", params=params, headers=ADMIN).json()["alerts"])


def check_at(client: TestClient, delta: timedelta) -> None:
    run_periodic_checks(client.app.state.ctx, T0 + delta)  # type: ignore[attr-defined]


def beat_at(client: TestClient, device: Chain, clock: StepClock, counter: int, delta: timedelta) -> None:
    clock.now = T0 + delta
    local = (T0 + delta).astimezone(T0.tzinfo).isoformat()
    reply = client.post(
        f"/api/v1/devices/{device.device_id}/heartbeat",
        json=heartbeat_body(device, counter, device_time=local),
    )
    assert reply.status_code == 200, reply.text


def test_a_window_that_stops_heartbeating_is_flagged_once_and_closed_when_it_returns(
    client: TestClient, device: Chain, clock: StepClock
) -> None:
    beat_at(client, device, clock, 1, timedelta(0))  # 09:00 in the hall
    check_at(client, timedelta(minutes=15))
    assert silent_alerts(client, device.device_id) == []  # 15 min: not yet past the threshold
    check_at(client, timedelta(minutes=15, seconds=1))
    check_at(client, timedelta(minutes=45))
    [alert] = silent_alerts(client, device.device_id)  # once per episode
    assert (alert["level"], alert["closed_at"]) == ("黄牌", None)
    assert alert["detected_at"] == "2026-11-25T01:15:01.000000+00:00"
    assert alert["details"]["silent_since"] == "2026-11-25T01:00:00.000000+00:00"
    beat_at(client, device, clock, 2, timedelta(minutes=50))
    [alert] = silent_alerts(client, device.device_id)
    assert alert["closed_at"] == "2026-11-25T01:50:00.000000+00:00"
    check_at(client, timedelta(minutes=60))
    assert len(silent_alerts(client, device.device_id)) == 1
    check_at(client, timedelta(minutes=65, seconds=1))  # silent again: a new episode
    first, second = silent_alerts(client, device.device_id)
    assert (first["closed_at"], second["closed_at"]) == ("2026-11-25T01:50:00.000000+00:00", None)
    assert second["details"]["silent_since"] == "2026-11-25T01:50:00.000000+00:00"


def test_silence_counts_only_in_hall_hours_and_after_work_today(
    client: TestClient, device: Chain, clock: StepClock
) -> None:
    idle = Chain(device.device_id + "-x", device.key)  # never used: nothing to flag
    beat_at(client, device, clock, 1, timedelta(hours=8, minutes=30))  # 17:30
    client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(2)))  # 17:30 too
    check_at(client, timedelta(hours=9, minutes=1))  # 18:01: the hall is closed
    check_at(client, timedelta(hours=23, minutes=45))  # next day 08:45: has not worked today
    assert silent_alerts(client, device.device_id) == [] and silent_alerts(client, idle.device_id) == []
    check_at(client, timedelta(hours=8, minutes=45, seconds=1))  # 17:45:01, still open
    assert len(silent_alerts(client, device.device_id)) == 1


def test_a_window_with_events_today_but_no_heartbeat_is_silent(
    client: TestClient, device: Chain, clock: StepClock
) -> None:
    reply = client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(device.extend(3)))
    assert reply.status_code == 200
    check_at(client, timedelta(minutes=15))
    assert silent_alerts(client, device.device_id) == []
    check_at(client, timedelta(minutes=15, seconds=1))
    [alert] = silent_alerts(client, device.device_id)
    assert (alert["details"]["silent_since"], alert["details"]["last_heartbeat"]) == (
        "2026-11-25T01:00:00.000000+00:00",
        None,
    )
