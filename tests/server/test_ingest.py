"""Event ingest through the HTTP API, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from counter_app.ledger import AckReceipt, DeviceKey, SignedEvent, public_key_from_b64, verify_receipt
from supervision_server.ingest import ingest_batch
from supervision_server.schema import events, fork_events
from tests.server.conftest import enroll
from tests.server.helpers import ADMIN, Chain, wire


def post(client: TestClient, chain: Chain, batch: list[SignedEvent]) -> Any:
    return client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(batch))


def main_seqs(client: TestClient, device_id: str) -> list[int]:
    with client.app.state.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        query = select(events.c.seq).where(events.c.device_id == device_id).order_by(events.c.seq)
        return list(conn.execute(query).scalars())


def fork_rows(client: TestClient, device_id: str) -> list[tuple[int, str]]:
    with client.app.state.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        query = (
            select(fork_events.c.seq, fork_events.c.kind)
            .where(fork_events.c.device_id == device_id)
            .order_by(fork_events.c.seq, fork_events.c.id)
        )
        return [(r.seq, r.kind) for r in conn.execute(query)]


def rules(client: TestClient, device_id: str) -> list[str]:
    reply = client.get("/api/v1/alerts", params={"device_id": device_id}, headers=ADMIN)
    assert reply.status_code == 200
    return [a["rule_id"] for a in reply.json()["alerts"]]


def server_key(client: TestClient) -> Any:
    return public_key_from_b64(client.app.state.ctx.server_key.public_b64)  # type: ignore[attr-defined]


def test_happy_path_stores_acknowledges_and_signs_a_receipt(client: TestClient, device: Chain) -> None:
    batch = device.extend(10)
    reply = post(client, device, batch)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["acked_seq"], body["acked_hash"]) == device.head
    assert (body["stored"], body["duplicates"], body["forks"], body["forked"]) == (10, 0, 0, False)
    receipt = AckReceipt.from_dict(body["receipt"])
    verify_receipt(receipt, server_key(client))
    assert (receipt.device_id, receipt.acked_seq, receipt.acked_hash) == (device.device_id, *device.head)
    assert main_seqs(client, device.device_id) == list(range(1, 11))
    head = client.get(f"/api/v1/devices/{device.device_id}/head").json()
    assert (head["acked_seq"], head["acked_hash"], head["forked"]) == (*device.head, False)
    with client.app.state.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        row = conn.execute(
            select(events).where(events.c.device_id == device.device_id, events.c.seq == 1)
        ).one()
    assert row.received_at.startswith("2026-11-25T01:00:00") and row.occurred_at.endswith("+08:00")
    assert json.loads(row.envelope) == batch[0].envelope.as_dict()


def test_same_batch_again_is_acknowledged_again_and_stored_once(client: TestClient, device: Chain) -> None:
    batch = device.extend(5)
    first = post(client, device, batch).json()
    again = post(client, device, batch)
    assert again.status_code == 200
    body = again.json()
    assert (body["stored"], body["duplicates"]) == (0, 5)
    assert (body["acked_seq"], body["acked_hash"]) == (first["acked_seq"], first["acked_hash"])
    verify_receipt(AckReceipt.from_dict(body["receipt"]), server_key(client))
    assert main_seqs(client, device.device_id) == [1, 2, 3, 4, 5]
    overlapping = post(client, device, device.events[2:] + device.extend(2)).json()
    assert (overlapping["stored"], overlapping["duplicates"], overlapping["acked_seq"]) == (2, 3, 7)


def test_different_event_at_a_stored_seq_is_kept_as_a_fork(client: TestClient, device: Chain) -> None:
    post(client, device, device.extend(4))
    rewritten = device.restored(1)
    edited = rewritten.append("test.event", {"n": 2, "edited": True})
    reply = post(client, device, [edited])
    assert reply.status_code == 200
    body = reply.json()
    assert (body["stored"], body["forks"], body["forked"]) == (1, 1, True)
    assert (body["acked_seq"], body["acked_hash"]) == (2, edited.hash)
    assert main_seqs(client, device.device_id) == [1, 2, 3, 4]  # nothing overwritten
    assert fork_rows(client, device.device_id) == [(2, "FORK")]
    assert {"FORK", "ROLLBACK"} <= set(rules(client, device.device_id))
    assert client.get(f"/api/v1/devices/{device.device_id}/head").json()["forked"] is True
    again = post(client, device, [edited]).json()  # the fork re-sent is a duplicate
    assert (again["stored"], again["duplicates"]) == (0, 1)


def test_counter_restored_from_an_old_backup_converges_and_loses_nothing(
    client: TestClient, device: Chain
) -> None:
    post(client, device, device.extend(10))
    restored = device.restored(6)
    new = restored.extend(8)  # seq 7..14: 7..10 collide with the server's, 11..14 go beyond
    reply = post(client, restored, restored.events[3:6])  # re-sent old events 4..6
    assert reply.json()["duplicates"] == 3 and reply.json()["acked_seq"] == 6
    first = post(client, restored, new[:3]).json()  # 7..9: a fork and its branch
    assert (first["stored"], first["forks"], first["acked_seq"], first["acked_hash"]) == (
        3,
        3,
        9,
        new[2].hash,
    )
    second = post(client, restored, new[3:]).json()  # 10..14: across and beyond the old head
    assert (second["stored"], second["forks"], second["acked_seq"]) == (5, 5, 14)
    assert (second["acked_hash"], second["forked"]) == (restored.head[1], True)
    assert main_seqs(client, device.device_id) == list(range(1, 11))
    kinds = fork_rows(client, device.device_id)
    assert kinds == [(7, "FORK")] + [(seq, "BRANCH") for seq in range(8, 15)]
    found = rules(client, device.device_id)
    assert found.count("FORK") == 1 and found.count("ROLLBACK") == 1 and "BROKEN_LINK" not in found
    head = client.get(f"/api/v1/devices/{device.device_id}/head").json()
    assert (head["acked_seq"], head["acked_hash"], head["main_seq"]) == (14, restored.head[1], 10)
    more = post(client, restored, [restored.append()]).json()  # the branch goes on normally
    assert (more["stored"], more["acked_seq"]) == (1, 15)


def test_gap_stores_what_came_before_and_answers_409_with_the_expected_seq(
    client: TestClient, device: Chain
) -> None:
    chain = device.extend(6)
    reply = post(client, device, chain[3:])
    assert reply.status_code == 409
    assert reply.json()["code"] == "SEQ_GAP" and reply.json()["expected_seq"] == 1
    assert main_seqs(client, device.device_id) == []
    reply = post(client, device, chain[:2] + chain[3:])  # 1, 2, then 4: stops at the gap
    body = reply.json()
    assert reply.status_code == 409 and body["expected_seq"] == 3 and body["message"]
    assert (body["stored"], body["acked_seq"], body["acked_hash"]) == (2, 2, chain[1].hash)
    verify_receipt(AckReceipt.from_dict(body["receipt"]), server_key(client))
    assert main_seqs(client, device.device_id) == [1, 2]
    assert post(client, device, chain[2:]).status_code == 200
    assert main_seqs(client, device.device_id) == list(range(1, 7))


def test_a_bad_signature_rejects_the_whole_batch(client: TestClient, device: Chain) -> None:
    batch = device.extend(4)
    forged = SignedEvent(
        batch[2].envelope, batch[2].hash, DeviceKey.generate().sign(bytes.fromhex(batch[2].hash))
    )
    reply = post(client, device, [batch[0], batch[1], forged, batch[3]])
    assert reply.status_code == 400
    assert (
        reply.json()["code"] == "BAD_SIGNATURE"
        and reply.json()["seq"] == 3
        and "3" in reply.json()["message"]
    )
    assert main_seqs(client, device.device_id) == []
    tampered = dict(batch[0].as_wire())
    tampered["envelope"] = {**tampered["envelope"], "payload": {"n": 999}}
    reply = client.post(f"/api/v1/devices/{device.device_id}/events", json={"events": [tampered]})
    assert reply.status_code == 400 and reply.json()["code"] == "BAD_HASH"
    assert main_seqs(client, device.device_id) == []


def test_refusals_have_stable_codes(client: TestClient, device: Chain) -> None:
    other = Chain("dev-not-enrolled")
    reply = post(client, other, other.extend(1))
    assert reply.status_code == 403 and reply.json()["code"] == "UNKNOWN_DEVICE"
    url = f"/api/v1/devices/{device.device_id}/events"
    reply = client.post(url, content=b'{"events": [', headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["code"] == "MALFORMED_JSON"
    assert client.post(url, json={"evts": []}).json()["code"] == "INVALID_REQUEST"
    stranger = Chain(device.device_id + "-x", device.key)
    reply = post(client, device, stranger.extend(1))
    assert reply.status_code == 400 and reply.json()["code"] == "WRONG_DEVICE"
    batch = device.extend(2)
    assert post(client, device, [batch[1], batch[0]]).json()["code"] == "BATCH_NOT_ORDERED"
    broken = batch[0].as_wire()
    del broken["envelope"]["clerk_id"]
    reply = client.post(url, json={"events": [broken]})
    assert reply.status_code == 400 and reply.json()["code"] == "ENVELOPE_MALFORMED"
    assert main_seqs(client, device.device_id) == []


def test_a_link_to_nothing_is_kept_with_a_broken_link_alert(client: TestClient, device: Chain) -> None:
    post(client, device, device.extend(3))
    stray = Chain(device.device_id, device.key)
    stray.extend(3)  # a different history: its seq 4 links to a seq 3 the server never saw
    reply = post(client, device, [stray.append()])
    assert reply.status_code == 200 and reply.json()["forks"] == 1
    assert fork_rows(client, device.device_id) == [(4, "BROKEN_LINK")]
    assert "BROKEN_LINK" in rules(client, device.device_id)


def test_events_table_is_insert_only(client: TestClient, device: Chain) -> None:
    post(client, device, device.extend(2))
    engine = client.app.state.ctx.engine  # type: ignore[attr-defined]
    for sql in (
        "UPDATE events SET type = 'x' WHERE device_id = :d",
        "DELETE FROM events WHERE device_id = :d",
        "DELETE FROM documents WHERE name = :d OR name = 'calendar'",
    ):
        with pytest.raises(DBAPIError, match="insert-only"), engine.begin() as conn:
            conn.execute(text(sql), {"d": device.device_id})
    assert main_seqs(client, device.device_id) == [1, 2]


def test_two_identical_batches_at_once_store_each_event_once(client: TestClient, device: Chain) -> None:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    batch = device.extend(200)
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        barrier.wait()
        results.append(ingest_batch(ctx, device.device_id, batch))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((r.stored, r.duplicates) for r in results) == [(0, 200), (200, 0)]
    assert main_seqs(client, device.device_id) == list(range(1, 201))


def test_oversized_batches_and_bodies_are_refused(make_app: Any) -> None:
    client = TestClient(make_app(max_batch_events=3, max_body_bytes=4096))
    chain = Chain("dev-limits")
    enroll(client, chain)
    reply = post(client, chain, chain.extend(4))
    assert (reply.status_code, reply.json()["code"], reply.json()["max_events"]) == (
        413,
        "BATCH_TOO_LARGE",
        3,
    )
    huge = {"events": [], "padding": "x" * 5000}
    reply = client.post(f"/api/v1/devices/{chain.device_id}/events", json=huge)
    assert (reply.status_code, reply.json()["code"]) == (413, "BODY_TOO_LARGE")
    assert main_seqs(client, chain.device_id) == []


def test_an_empty_batch_reports_the_head(client: TestClient, device: Chain) -> None:
    post(client, device, device.extend(3))
    body = post(client, device, []).json()
    assert (body["acked_seq"], body["acked_hash"], body["stored"]) == (3, device.head[1], 0)


def test_a_bad_signature_deep_in_a_large_batch_rolls_everything_back(
    client: TestClient, device: Chain
) -> None:
    batch = [device.append("case.received", {"project_no": f"{device.device_id}-{n}"}) for n in range(100)]
    forged = list(batch)
    bad = forged[69]
    forged[69] = SignedEvent(bad.envelope, bad.hash, DeviceKey.generate().sign(bytes.fromhex(bad.hash)))
    reply = post(client, device, forged)
    assert (reply.status_code, reply.json()["code"], reply.json()["seq"]) == (400, "BAD_SIGNATURE", 70)
    assert main_seqs(client, device.device_id) == []
    cases = client.get("/api/v1/cases", params={"window_no": 3, "limit": 1000}, headers=ADMIN).json()["cases"]
    assert not [c for c in cases if c["device_id"] == device.device_id]
    tampered = list(forged)
    wire_80 = tampered[79].as_wire()
    wire_80["envelope"]["payload"] = {"project_no": "changed"}
    tampered[79] = SignedEvent.from_wire(wire_80)
    reply = post(client, device, tampered)  # a bad hash at 80 and a bad signature at 70: 70 is named
    assert (reply.json()["code"], reply.json()["seq"]) == ("BAD_SIGNATURE", 70)
    forged[69] = bad
    assert post(client, device, forged).status_code == 200
