"""The pusher against a scripted server on a real loopback socket (no mocking of requests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.ledger import SignedEvent, verify_chain
from counter_app.store import schema
from counter_app.store.ledger_store import acked_seq, iter_events
from counter_app.store.uow import Store
from counter_app.sync import Backoff, Pusher, SyncError, enroll
from counter_app.sync.pushing import build_batch
from tests.sync.sync_fakes import FakeLedgerServer
from tests.sync.sync_helpers import T0, StepClock, append_events, backup_db, restore_db


def make_pusher(store: Store, **kwargs: object) -> Pusher:
    kwargs.setdefault("rng", lambda: 0.0)
    kwargs.setdefault("clock", StepClock())
    return Pusher(store, heartbeat_every_s=None, **kwargs)  # type: ignore[arg-type]


def local_acked(store: Store) -> int:
    with store.read() as conn:
        return acked_seq(conn)


def server_seqs(fake: FakeLedgerServer, store: Store) -> list[int]:
    return sorted(fake.devices[store.device_id()].events)


def assert_converged(fake: FakeLedgerServer, store: Store, count: int) -> None:
    device = fake.devices[store.device_id()]
    assert sorted(device.events) == list(range(1, count + 1))
    assert not device.forks
    with store.read() as conn:
        local = list(iter_events(conn))
    assert [device.events[e.seq].hash for e in local] == [e.hash for e in local]
    report = verify_chain([device.events[s] for s in sorted(device.events)], store.key.public_key)
    assert report.ok and report.head_seq == count
    assert local_acked(store) == count


def test_enroll_stores_the_server_and_the_window(store: Store, fake: FakeLedgerServer) -> None:
    result = enroll(store, fake.url + "/", "CODE-1")
    settings = store.settings()
    assert result.device_id == settings["device_id"] == "dev-a"
    assert settings["server_url"] == fake.url
    assert settings["server_public_key"] == fake.key.public_b64
    assert (settings["hall_code"], settings["window_no"]) == ("H1", "7")
    assert settings["enrolled_at"] and "clock_offset_ms" in settings
    assert fake.devices["dev-a"].public_key == store.key.public_b64


def test_enroll_with_an_unknown_code_stores_nothing(store: Store, fake: FakeLedgerServer) -> None:
    with pytest.raises(SyncError) as caught:
        enroll(store, fake.url, "WRONG")
    assert caught.value.code == "ENROLL_CODE_UNKNOWN" and not caught.value.retryable
    assert "登记码无效" in caught.value.message
    assert "server_url" not in store.settings()


def test_push_sends_in_order_in_bounded_batches_and_records_the_receipt(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    append_events(enrolled, 12)
    status = make_pusher(enrolled, max_batch_events=5).push_once()
    assert [p[:2] for p in fake.posts] == [(1, 5), (6, 10), (11, 12)]
    assert status.state == "idle" and status.waiting == 0 and status.acked_seq == 12
    assert status.online is True and status.last_error is None and status.last_success_at == T0
    assert_converged(fake, enrolled, 12)
    with enrolled.read() as conn:
        receipt = json.loads(
            conn.execute(select(schema.acks.c.receipt).order_by(schema.acks.c.up_to_seq.desc())).scalar()
        )
    assert receipt["acked_seq"] == 12 and receipt["signature"]


def test_batches_respect_the_byte_budget(enrolled: Store, fake: FakeLedgerServer) -> None:
    append_events(enrolled, 6)
    make_pusher(enrolled, max_batch_bytes=1500).push_once()
    assert all(last - first <= 1 for first, last, _ in fake.posts)
    assert_converged(fake, enrolled, 6)


@pytest.mark.parametrize(
    ("action", "code", "online"),
    [
        (("status", (500, {"code": "INTERNAL", "message": "boom"})), "SERVER_ERROR", True),
        (("status", (503, {"code": "UNAVAILABLE", "message": "later"})), "SERVER_ERROR", True),
        (("status", (429, {"code": "TOO_MANY", "message": "slow down"})), "RATE_LIMITED", True),
        ("drop", "NETWORK", False),
    ],
)
def test_retryable_failures_back_off_and_then_deliver(
    enrolled: Store, fake: FakeLedgerServer, action: object, code: str, online: bool
) -> None:
    append_events(enrolled, 3)
    fake.script.append(action)
    pusher = make_pusher(enrolled, backoff=Backoff(rng=lambda: 1.0))
    status = pusher.push_once()
    assert status.state == "backing_off" and status.online is online
    assert status.last_error is not None and status.last_error.code == code
    assert status.next_retry_in_s is not None and 0 < status.next_retry_in_s <= 1.0
    assert status.waiting == 3 and local_acked(enrolled) == 0
    status = pusher.push_once()
    assert status.state == "idle" and status.last_error is None and status.online is True
    assert_converged(fake, enrolled, 3)


def test_retry_after_from_the_server_is_honoured_up_to_the_cap(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    append_events(enrolled, 1)
    fake.script.append(("status", (429, {"code": "SLOW_DOWN", "message": "x"}, {"Retry-After": "7"})))
    fake.script.append(("status", (503, {"code": "DB_BUSY", "message": "x"}, {"Retry-After": "9999"})))
    pusher = make_pusher(enrolled, monotonic=lambda: 100.0)
    assert pusher.push_once().next_retry_in_s == 7.0
    assert pusher.push_once().next_retry_in_s == 300.0
    assert pusher.push_once().state == "idle"


def test_a_batch_too_large_for_the_server_is_split(enrolled: Store, fake: FakeLedgerServer) -> None:
    append_events(enrolled, 8)
    too_large = ("status", (413, {"code": "BATCH_TOO_LARGE", "message": "x", "max_events": 3}))
    fake.script.extend([too_large, too_large])
    status = make_pusher(enrolled).push_once()
    assert status.state == "idle"
    assert [(first, last) for first, last, _ in fake.posts] == [
        (1, 8),
        (1, 4),
        (1, 2),
        (3, 4),
        (5, 6),
        (7, 8),
    ]
    assert_converged(fake, enrolled, 8)


def test_lost_reply_after_the_server_committed_is_resent_and_stored_once(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    append_events(enrolled, 4)
    fake.script.append("commit_then_drop")
    pusher = make_pusher(enrolled)
    assert pusher.push_once().last_error.code == "NETWORK"  # type: ignore[union-attr]
    assert server_seqs(fake, enrolled) == [1, 2, 3, 4] and local_acked(enrolled) == 0
    append_events(enrolled, 2, start=4)
    assert pusher.push_once().state == "idle"
    assert_converged(fake, enrolled, 6)


def test_seq_gap_resends_from_the_expected_seq(enrolled: Store, fake: FakeLedgerServer) -> None:
    append_events(enrolled, 5)
    fake.script.append(("gap", 3))  # a confused answer; the real head then says 1
    status = make_pusher(enrolled).push_once()
    assert status.state == "idle"
    assert [p[0] for p in fake.posts] == [1, 3, 1]
    assert_converged(fake, enrolled, 5)


def test_gap_below_what_was_acknowledged_is_a_rollback_and_is_refilled(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    append_events(enrolled, 5)
    pusher = make_pusher(enrolled)
    pusher.push_once()
    append_events(enrolled, 1, start=5)
    fake.script.append(("gap", 2))
    status = pusher.push_once()
    assert status.state == "stopped" and status.last_error is not None
    assert status.last_error.code == "ROLLBACK" and "ROLLBACK" in status.last_error.message
    # What the server asked for was offered again; nothing here was dropped or rewritten.
    assert [p[0] for p in fake.posts[-2:]] == [6, 2]
    assert_converged(fake, enrolled, 6)


def test_restored_backup_is_a_rollback_then_a_fork_and_nothing_is_lost(
    enrolled: Store, fake: FakeLedgerServer, tmp_path: Path
) -> None:
    append_events(enrolled, 3)
    make_pusher(enrolled).push_once()
    backup = backup_db(enrolled, tmp_path / "backup.db")
    append_events(enrolled, 2, start=3)
    make_pusher(enrolled).push_once()
    data_dir = enrolled.data_dir
    enrolled.close()
    restored = restore_db(data_dir, backup)
    try:
        status = make_pusher(restored).push_once()
        assert status.state == "stopped" and status.last_error.code == "ROLLBACK"  # type: ignore[union-attr]
        append_events(restored, 3, start=100)
        status = make_pusher(restored).push_once()
        assert status.state == "stopped" and status.last_error.code == "FORK"  # type: ignore[union-attr]
        device = fake.devices["dev-a"]
        assert sorted(device.events) == [1, 2, 3, 4, 5]  # the server kept what it had
        assert sorted(e.seq for e in device.forks) == [4, 5, 6]  # and received the new versions
        with restored.read() as conn:
            assert [e.seq for e in iter_events(conn)] == [1, 2, 3, 4, 5, 6]
            assert acked_seq(conn) == 6  # the receipts name this window's own events
        # Once a person has looked at it, sync goes on; the known fork is no longer news.
        pusher = make_pusher(restored)
        pusher.resume()
        append_events(restored, 2, start=200)
        status = pusher.push_once()
        assert status.state == "idle" and status.waiting == 0 and status.last_error is None
        assert sorted(e.seq for e in device.forks) == [4, 5, 6, 7, 8]
    finally:
        restored.close()


def test_wrong_signature_stops_until_resume(enrolled: Store, fake: FakeLedgerServer) -> None:
    append_events(enrolled, 2)
    fake.script.append(("status", (400, {"code": "BAD_SIGNATURE", "message": "bad"})))
    pusher = make_pusher(enrolled)
    status = pusher.push_once()
    assert status.state == "stopped" and status.last_error is not None
    assert status.last_error.code == "BAD_SIGNATURE" and status.last_error.http_status == 400
    assert "BAD_SIGNATURE" in status.last_error.message and "同步已暂停" in status.last_error.message
    assert status.waiting == 2
    pusher.resume()
    assert pusher.push_once().state == "idle"
    assert_converged(fake, enrolled, 2)


def test_a_receipt_not_signed_by_the_enrolled_server_acknowledges_nothing(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    append_events(enrolled, 3)
    fake.script.append("foreign_receipt")
    status = make_pusher(enrolled).push_once()
    assert status.state == "stopped" and status.last_error.code == "BAD_RECEIPT"  # type: ignore[union-attr]
    assert local_acked(enrolled) == 0 and status.waiting == 3


def test_a_receipt_made_out_to_another_device_acknowledges_nothing(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    # Signed by the enrolled server, same seq and hash: only the device id says it is not ours.
    append_events(enrolled, 3)
    fake.script.append("other_device")
    status = make_pusher(enrolled).push_once()
    assert status.state == "stopped" and status.last_error.code == "BAD_RECEIPT"  # type: ignore[union-attr]
    assert local_acked(enrolled) == 0 and status.waiting == 3


def test_a_receipt_for_another_hash_is_a_fork_and_acknowledges_nothing(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    append_events(enrolled, 3)
    fake.script.append("wrong_hash")
    status = make_pusher(enrolled).push_once()
    assert status.state == "stopped" and status.last_error.code == "FORK"  # type: ignore[union-attr]
    assert local_acked(enrolled) == 0


def test_not_enrolled_is_a_visible_stop(store: Store) -> None:
    append_events(store, 1)
    status = make_pusher(store).push_once()
    assert status.state == "stopped" and status.last_error.code == "NOT_ENROLLED"  # type: ignore[union-attr]
    assert status.waiting == 1


def test_batch_body_is_the_wire_form_of_the_stored_events(store: Store) -> None:
    append_events(store, 7)
    with store.read() as conn:
        batch = build_batch(conn, 2, 3, 10_000_000)
        stored = list(iter_events(conn, after_seq=2, limit=3))
        assert build_batch(conn, 7, 500, 10_000_000) is None
    assert batch is not None and (batch.first_seq, batch.last_seq, batch.count) == (3, 5, 3)
    wire = [SignedEvent.from_wire(e) for e in json.loads(batch.body)["events"]]
    assert wire == stored


def test_a_row_deleted_from_delivered_history_is_tampering_not_a_hole(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    # The server holds seq 3: its loss here is no hole to accept, the window stops for good.
    import sqlite3

    append_events(enrolled, 5)
    assert make_pusher(enrolled).push_once().acked_seq == 5
    append_events(enrolled, 1, start=5)
    conn = sqlite3.connect(enrolled.data_dir.db_path, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq = 3")
    conn.close()
    status = make_pusher(enrolled).push_once()
    assert status.state == "stopped" and status.last_error is not None
    assert status.last_error.code == "LEDGER_TAMPERED" and "[GAP]" in status.last_error.message
    assert [p[:2] for p in fake.posts] == [(1, 5)]  # seq 6 was not pushed from the broken ledger
