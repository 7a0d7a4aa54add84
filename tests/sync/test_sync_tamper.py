"""Tampering and refusals against the REAL supervision server: a counter restored from an old
backup, an event edited and re-signed, a wrong signature, an unknown device, malformed JSON.
The server must raise its alerts and keep everything; the counter must stop visibly and never
delete or overwrite anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from counter_app.ledger import DeviceKey, SignedEvent
from counter_app.store.ledger_store import acked_seq, iter_events
from counter_app.store.uow import Store
from tests.sync.sync_checks import (
    alerts_for,
    edit_and_resign,
    new_counter,
    post_raw,
    pusher_for,
)
from tests.sync.sync_helpers import append_events, backup_db, make_store, restore_db
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow


def test_counter_restored_from_an_old_backup(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    append_events(store, 5)
    pusher_for(store).push_once()
    backup = backup_db(store, tmp_path / "old-backup.db")
    append_events(store, 5, start=5)
    assert pusher_for(store).push_once().acked_seq == 10
    data_dir = store.data_dir
    store.close()
    counters.remove(store)
    restored = restore_db(data_dir, backup)
    counters.append(restored)
    device_id = restored.device_id()
    pusher = pusher_for(restored)
    status = pusher.push_once()  # the server holds 10, this window only 5
    assert status.state == "stopped" and status.last_error is not None
    assert status.last_error.code == "ROLLBACK" and "ROLLBACK" in status.last_error.message
    assert "ROLLBACK" in alerts_for(server, restored)  # announced by the heartbeat
    append_events(restored, 7, start=100)  # seq 6..12 again, with different contents
    status = pusher_for(restored).push_once()
    assert status.state == "stopped" and status.last_error is not None and status.last_error.code == "FORK"
    main = server.query("SELECT seq FROM events WHERE device_id = :d ORDER BY seq", d=device_id)
    assert [r.seq for r in main] == list(range(1, 11))  # the server kept everything it had
    forks = server.query("SELECT seq FROM fork_events WHERE device_id = :d ORDER BY seq", d=device_id)
    assert [r.seq for r in forks] == list(range(6, 13))  # and also every new version
    assert {"FORK", "ROLLBACK"} <= set(alerts_for(server, restored))
    with restored.read() as conn:
        assert [e.seq for e in iter_events(conn)] == list(range(1, 13))  # nothing deleted here either
        assert acked_seq(conn) == 12  # each receipt names this window's own event at its seq
    # After a person has looked at it, the window syncs on; the known fork is not news again.
    pusher.resume()
    append_events(restored, 3, start=200)
    status = pusher.push_once()
    assert status.state == "idle" and status.waiting == 0 and status.last_error is None
    forks = server.query("SELECT count(*) FROM fork_events WHERE device_id = :d", d=device_id)
    assert forks[0][0] == 10


def test_event_edited_and_resigned_is_a_fork(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    device_id = store.device_id()
    # Not case events: a re-signed case.received is refused whole (see test_case_authority).
    append_events(store, 4, kind="test.event")
    assert pusher_for(store).push_once().acked_seq == 4
    # The acknowledged head is rewritten at the window: its own verify sees the server's receipt
    # disagree, it stops before pushing, reports it (signed) and announces its head.
    edit_and_resign(store, 4)
    status = pusher_for(store).push_once()
    assert status.state == "stopped" and status.last_error is not None
    assert status.last_error.code == "LEDGER_TAMPERED" and "ACK_MISMATCH" in status.last_error.message
    assert sorted(alerts_for(server, store)) == ["LEDGER_TAMPERED", "ROLLBACK"]
    tampered = server.query(
        "SELECT seq, message FROM alerts WHERE device_id = :d AND rule_id = 'LEDGER_TAMPERED'", d=device_id
    )
    assert [r.seq for r in tampered] == [4] and "ACK_MISMATCH" in tampered[0].message
    # A counter that sends a re-signed version of an acknowledged event: FORK, both kept.
    original, edited = edit_and_resign(store, 2)
    reply = requests.post(
        f"{server.url}/api/v1/devices/{device_id}/events", json={"events": [edited.as_wire()]}, timeout=30
    )
    assert reply.status_code == 200 and reply.json()["forks"] == 1
    rows = server.query(
        "SELECT hash FROM events WHERE device_id = :d AND seq = 2 UNION ALL "
        "SELECT hash FROM fork_events WHERE device_id = :d AND seq = 2",
        d=device_id,
    )
    assert sorted(r.hash for r in rows) == sorted([original.hash, edited.hash])  # both kept
    assert "FORK" in alerts_for(server, store)
    head = requests.get(f"{server.url}/api/v1/devices/{device_id}/head", timeout=10).json()
    assert head["forked"] is True
    assert [r.seq for r in server.query("SELECT seq FROM events WHERE device_id = :d", d=device_id)] == [
        1,
        2,
        3,
        4,
    ]


def test_bad_requests_get_clear_4xx_and_store_nothing(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    append_events(store, 2)
    with store.read() as conn:
        first = next(iter_events(conn))
    forged = SignedEvent(first.envelope, first.hash, DeviceKey.generate().sign(bytes.fromhex(first.hash)))

    wrong_sig = post_raw(server, store.device_id(), json.dumps({"events": [forged.as_wire()]}).encode())
    assert wrong_sig.status_code == 400 and wrong_sig.json()["code"] == "BAD_SIGNATURE"
    unknown = post_raw(server, "no-such-device", json.dumps({"events": [first.as_wire()]}).encode())
    assert unknown.status_code == 403 and unknown.json()["code"] == "UNKNOWN_DEVICE"
    malformed = post_raw(server, store.device_id(), b'{"events": [')
    assert malformed.status_code == 400 and malformed.json()["code"] == "MALFORMED_JSON"
    assert server.query("SELECT count(*) FROM events WHERE device_id = :d", d=store.device_id())[0][0] == 0
    # The pusher turns such a refusal into a visible stop with the server's code.
    stranger = make_store(tmp_path / "stranger", "dev-never-enrolled")
    counters.append(stranger)
    with stranger.unit_of_work() as uow:
        for key in ("server_url", "server_public_key"):
            uow.put_setting(key, store.settings()[key])
        uow.commit()
    append_events(stranger, 3)
    status = pusher_for(stranger).push_once()
    assert status.state == "stopped" and status.last_error is not None
    assert status.last_error.code == "UNKNOWN_DEVICE" and "UNKNOWN_DEVICE" in status.last_error.message
    assert status.waiting == 3
    assert server.query("SELECT count(*) FROM events WHERE device_id = :d", d="dev-never-enrolled")[0][0] == 0
