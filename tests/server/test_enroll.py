"""Enrollment codes: issued by an administrator, redeemed once, before they expire."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from nacl.bindings import crypto_core_ed25519_add
from sqlalchemy import select

from counter_app.ledger import DeviceKey
from supervision_server.enroll import code_hash
from supervision_server.schema import enroll_codes
from tests.server.conftest import issue
from tests.server.helpers import (
    ADMIN,
    NON_CANONICAL_POINTS,
    SMALL_ORDER_POINTS,
    StepClock,
    enroll_body,
    unique,
)


def redeem(
    client: TestClient, code: str, device_id: str, key: DeviceKey, **fields: Any
) -> tuple[int, dict[str, Any]]:
    reply = client.post("/api/v1/enroll", json=enroll_body(code, device_id, key, **fields))
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
    status, body = redeem(client, issue(client), unique("dev"), key, public_key="bm90IGEga2V5")
    assert (status, body["code"]) == (422, "BAD_PUBLIC_KEY")


def test_codes_need_the_admin_token(client: TestClient) -> None:
    body = {"hall_code": "H1", "window_no": 1}
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        reply = client.post("/api/v1/admin/enroll-codes", json=body, headers=headers)
        assert reply.status_code == 401 and reply.json()["code"] == "UNAUTHORIZED"
        assert reply.headers["WWW-Authenticate"] == "Bearer"
    reply = client.post("/api/v1/admin/enroll-codes", json=body, headers=ADMIN)
    assert reply.status_code == 201 and len(reply.json()["code"]) == 14


def code_row(client: TestClient, code: str) -> Any:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.engine.connect() as conn:
        return conn.execute(select(enroll_codes).where(enroll_codes.c.code_hash == code_hash(code))).one()


def window_of(client: TestClient, device_id: str) -> tuple[str, int]:
    devices = client.get("/api/v1/devices", headers=ADMIN).json()["devices"]
    return next((d["hall_code"], d["window_no"]) for d in devices if d["device_id"] == device_id)


def test_someone_elses_public_key_cannot_be_enrolled(client: TestClient) -> None:
    victim, victim_id = DeviceKey.generate(), unique("dev")
    assert redeem(client, issue(client, window=3), victim_id, victim)[0] == 201
    attacker = DeviceKey.generate()
    fresh = issue(client, hall="H2", window=5)
    # The attack of old: a fresh code, the victim's device id and public key, no private key.
    status, body = redeem(client, fresh, victim_id, attacker, public_key=victim.public_b64)
    assert (status, body["code"]) == (400, "BAD_SIGNATURE")
    status, body = redeem(client, fresh, unique("dev"), attacker, public_key=victim.public_b64)
    assert (status, body["code"]) == (400, "BAD_SIGNATURE")
    unsigned = {k: v for k, v in enroll_body(fresh, unique("dev"), attacker).items() if k != "signature"}
    assert client.post("/api/v1/enroll", json=unsigned).json()["code"] == "INVALID_REQUEST"
    # A signature made for another code, device or window does not carry over.
    other = enroll_body(issue(client), victim_id, victim)
    assert client.post("/api/v1/enroll", json={**other, "code": fresh}).json()["code"] == "BAD_SIGNATURE"
    assert client.post("/api/v1/enroll", json={**other, "window_no": 5}).json()["code"] == "BAD_SIGNATURE"
    assert window_of(client, victim_id) == ("H1", 3)
    assert code_row(client, fresh).used_at is None  # refused before the code was touched
    assert redeem(client, fresh, unique("dev"), DeviceKey.generate())[0] == 201


@pytest.mark.parametrize("encoding", SMALL_ORDER_POINTS + NON_CANONICAL_POINTS)
def test_small_order_and_non_canonical_keys_are_refused(sqlite_client: TestClient, encoding: str) -> None:
    raw = bytes.fromhex(encoding)
    Ed25519PublicKey.from_public_bytes(raw)  # the crypto library takes them as keys...
    weak = base64.b64encode(raw).decode()
    status, body = redeem(
        sqlite_client, issue(sqlite_client), unique("dev"), DeviceKey.generate(), public_key=weak
    )
    assert (status, body["code"]) == (422, "WEAK_PUBLIC_KEY")  # ...the server does not


def test_a_key_with_a_small_order_component_is_refused(client: TestClient) -> None:
    honest = DeviceKey.generate()
    mixed = crypto_core_ed25519_add(base64.b64decode(honest.public_b64), bytes.fromhex(SMALL_ORDER_POINTS[2]))
    status, body = redeem(
        client, issue(client), unique("dev"), honest, public_key=base64.b64encode(mixed).decode()
    )
    assert (status, body["code"]) == (422, "WEAK_PUBLIC_KEY")
    assert redeem(client, issue(client), unique("dev"), honest)[0] == 201


def test_a_code_for_another_window_is_refused_before_it_is_spent(client: TestClient) -> None:
    code, key, device_id = issue(client, hall="H1", window=5), DeviceKey.generate(), unique("dev")
    status, body = redeem(client, code, device_id, key, hall_code="H1", window_no=2)
    assert (status, body["code"]) == (409, "ENROLL_MISMATCH")
    assert (body["code_hall_code"], body["code_window_no"]) == ("H1", 5)
    status, body = redeem(client, code, device_id, key, hall_code="H9", window_no=5)
    assert (status, body["code"]) == (409, "ENROLL_MISMATCH")
    assert code_row(client, code).used_at is None
    status, body = redeem(client, code, device_id, key, hall_code="H1", window_no=5)
    assert (status, body["window_no"]) == (201, 5)


def test_moving_an_enrolled_device_needs_an_administrators_code(client: TestClient, clock: StepClock) -> None:
    key, device_id = DeviceKey.generate(), unique("dev")
    assert redeem(client, issue(client, window=3), device_id, key)[0] == 201
    status, body = redeem(client, issue(client, window=3), device_id, key)  # its own window: no move
    assert (status, body["hall_code"], body["window_no"]) == (201, "H1", 3)
    plain = issue(client, hall="H2", window=5)
    status, body = redeem(client, plain, device_id, key)
    assert (status, body["code"]) == (409, "DEVICE_ENROLLED")
    assert window_of(client, device_id) == ("H1", 3) and code_row(client, plain).used_at is None
    request = {"hall_code": "H2", "window_no": 5, "device_id": device_id}
    assert client.post("/api/v1/admin/enroll-codes", json=request).status_code == 401
    missing = client.post(
        "/api/v1/admin/enroll-codes", json={**request, "device_id": "dev-nobody"}, headers=ADMIN
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "UNKNOWN_DEVICE")
    reply = client.post("/api/v1/admin/enroll-codes", json=request, headers=ADMIN)
    assert reply.status_code == 201 and reply.json()["device_id"] == device_id
    move = reply.json()["code"]
    status, body = redeem(client, move, unique("dev"), DeviceKey.generate())
    assert (status, body["code"]) == (403, "ENROLL_CODE_OTHER_DEVICE")
    clock.advance(minutes=5)
    status, body = redeem(client, move, device_id, key)
    assert (status, body["hall_code"], body["window_no"]) == (201, "H2", 5)
    assert window_of(client, device_id) == ("H2", 5)
    row = code_row(client, move)  # the record of who moved the device where, and when
    assert (row.device_id, row.used_by, row.hall_code, row.window_no) == (device_id, device_id, "H2", 5)
    assert (row.created_at, row.used_at) == (
        "2026-11-25T01:00:00.000000+00:00",
        "2026-11-25T01:05:00.000000+00:00",
    )
    status, body = redeem(client, move, device_id, DeviceKey.generate())  # the key never changes
    assert (status, body["code"]) == (409, "DEVICE_EXISTS")
