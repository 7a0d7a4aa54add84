"""Enrollment codes: issued by an administrator, redeemed once, before they expire."""

from __future__ import annotations

from fastapi.testclient import TestClient

from counter_app.ledger import DeviceKey
from tests.server.conftest import issue
from tests.server.helpers import ADMIN, StepClock, unique


def redeem(client: TestClient, code: str, device_id: str, key: DeviceKey) -> tuple[int, dict[str, object]]:
    reply = client.post(
        "/api/v1/enroll",
        json={
            "code": code,
            "device_id": device_id,
            "public_key": key.public_b64,
            "device_info": {"hostname": "W"},
        },
    )
    return reply.status_code, reply.json()


def test_a_code_enrolls_one_device_once(client: TestClient) -> None:
    code = issue(client, hall="YX330785", window=7)
    key, device_id = DeviceKey.generate(), unique("dev")
    status, body = redeem(client, code.lower().replace("-", " "), device_id, key)  # typed loosely
    assert status == 201
    assert (body["device_id"], body["hall_code"], body["window_no"]) == (device_id, "YX330785", 7)
    assert body["server_public_key"] == client.app.state.ctx.server_key.public_b64  # type: ignore[attr-defined]
    assert str(body["server_time"]).startswith("2026-11-25T01:00:00")
    assert redeem(client, code, device_id, key)[0] == 201  # the same device retrying after a lost reply
    status, body = redeem(client, code, unique("dev"), DeviceKey.generate())
    assert (status, body["code"]) == (403, "ENROLL_CODE_USED") and body["message"]
    assert client.get(f"/api/v1/devices/{device_id}/head").json()["acked_seq"] == 0


def test_unknown_expired_and_conflicting_enrollments_are_refused(
    client: TestClient, clock: StepClock
) -> None:
    key = DeviceKey.generate()
    assert redeem(client, "ZZZZ-ZZZZ-ZZZZ", unique("dev"), key)[1]["code"] == "ENROLL_CODE_UNKNOWN"
    short = issue(client, ttl_hours=1)
    clock.advance(hours=2)
    status, body = redeem(client, short, unique("dev"), key)
    assert (status, body["code"]) == (403, "ENROLL_CODE_EXPIRED")
    device_id = unique("dev")
    assert redeem(client, issue(client), device_id, key)[0] == 201
    status, body = redeem(client, issue(client), device_id, DeviceKey.generate())
    assert (status, body["code"]) == (409, "DEVICE_EXISTS")
    status, body = redeem(client, issue(client), "bad id with spaces", key)
    assert status == 422
    reply = client.post(
        "/api/v1/enroll",
        json={"code": issue(client), "device_id": unique("dev"), "public_key": "bm90IGEga2V5"},
    )
    assert (reply.status_code, reply.json()["code"]) == (422, "BAD_PUBLIC_KEY")


def test_codes_need_the_admin_token(client: TestClient) -> None:
    body = {"hall_code": "H1", "window_no": 1}
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        reply = client.post("/api/v1/admin/enroll-codes", json=body, headers=headers)
        assert reply.status_code == 401 and reply.json()["code"] == "UNAUTHORIZED"
        assert reply.headers["WWW-Authenticate"] == "Bearer"
    reply = client.post("/api/v1/admin/enroll-codes", json=body, headers=ADMIN)
    assert reply.status_code == 201 and len(reply.json()["code"]) == 14
