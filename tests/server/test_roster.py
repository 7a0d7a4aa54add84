"""The clerk roster on the server: versioned insert-only entries, the admin route, and the
signed route through which a window gets its own hall's roster (hashes only)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text

from counter_app.ledger.signed_request import roster_request_message
from tests.server.conftest import ADMIN, StepClock, enroll
from tests.server.helpers import Chain, unique


def add(client: TestClient, **body: object) -> dict[str, object]:
    reply = client.post("/api/v1/admin/clerks", json=body, headers=ADMIN)
    assert reply.status_code == 201, reply.text
    result: dict[str, object] = reply.json()
    return result


def ask(client: TestClient, chain: Chain, device_time: str, signature: str | None = None) -> object:
    body = json.dumps({"device_time": device_time}).encode()
    sig = signature if signature is not None else chain.key.sign(roster_request_message(body))
    return client.post(
        f"/api/v1/devices/{chain.device_id}/roster",
        content=body,
        headers={"Content-Type": "application/json", "X-Signature": sig},
    )


def test_versions_are_new_rows_and_the_window_gets_its_halls_latest(
    client: TestClient, clock: StepClock
) -> None:
    chain = Chain(unique("dev"))
    enroll(client, chain)  # hall H1, window 3
    first = add(client, hall_code="H1", number="0307", name="张丽", role="clerk", password="secret-1")
    assert first == {
        "hall_code": "H1",
        "number": "0307",
        "name": "张丽",
        "role": "clerk",
        "windows": [],
        "active": True,
        "version": 1,
    }
    second = add(client, hall_code="H1", number="0307", role="supervisor", windows=[3, 4])
    assert (second["version"], second["name"], second["role"], second["windows"]) == (
        2,
        "张丽",
        "supervisor",
        [3, 4],
    )
    add(client, hall_code="H2", number="0999", name="外厅", role="clerk", password="secret-2")

    reply = ask(client, chain, clock().isoformat())
    assert reply.status_code == 200, reply.text  # type: ignore[attr-defined]
    data = reply.json()  # type: ignore[attr-defined]
    assert data["hall_code"] == "H1"
    assert [(c["number"], c["version"], c["role"], c["windows"]) for c in data["clerks"]] == [
        ("0307", 2, "supervisor", [3, 4])
    ]
    # The password survives the second version (not given there) and only its hash travels.
    assert PasswordHasher().verify(data["clerks"][0]["password_hash"], "secret-1") is True
    assert "secret-1" not in reply.text  # type: ignore[attr-defined]


def test_bad_input_is_refused_with_a_code(client: TestClient) -> None:
    hall = unique("H")
    cases = [
        (
            {"hall_code": hall, "number": "03-7", "name": "张丽", "role": "clerk", "password": "secret-1"},
            "CLERK_NUMBER",
        ),
        (
            {"hall_code": hall, "number": "0307", "name": "张丽", "role": "boss", "password": "secret-1"},
            "CLERK_ROLE",
        ),
        (
            {"hall_code": hall, "number": "0307", "name": "张丽", "role": "clerk", "password": "12345"},
            "CLERK_PASSWORD_SHORT",
        ),
        ({"hall_code": hall, "number": "0307", "name": "张丽"}, "CLERK_INCOMPLETE"),
    ]
    for body, code in cases:
        reply = client.post("/api/v1/admin/clerks", json=body, headers=ADMIN)
        assert (reply.status_code, reply.json().get("code")) == (422, code), reply.text
    assert client.post("/api/v1/admin/clerks", json=cases[0][0]).status_code == 401


def test_the_roster_request_must_be_signed_fresh_and_from_an_enrolled_device(
    client: TestClient, clock: StepClock
) -> None:
    chain = Chain(unique("dev"))
    enroll(client, chain)
    now = clock()
    assert (
        ask(client, chain, now.isoformat(), signature=Chain("x").key.sign(b"other")).json()["code"]
        == "BAD_SIGNATURE"
    )  # type: ignore[attr-defined]
    stale = ask(client, chain, (now - timedelta(minutes=6)).isoformat())
    assert (stale.status_code, stale.json()["code"]) == (409, "STALE_REQUEST")  # type: ignore[attr-defined]
    stranger = Chain(unique("dev"))
    assert ask(client, stranger, now.isoformat()).json()["code"] == "UNKNOWN_DEVICE"  # type: ignore[attr-defined]


def test_roster_rows_are_insert_only(sqlite_client: TestClient) -> None:
    add(sqlite_client, hall_code="H1", number="0307", name="张丽", role="clerk", password="secret-1")
    engine = sqlite_client.app.state.ctx.engine  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="insert-only"), engine.begin() as conn:
        conn.execute(text("UPDATE clerk_roster SET role = 'admin'"))
    with pytest.raises(Exception, match="insert-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM clerk_roster"))
