"""Tampering with the stored ledger by hand: ``verify`` must name what was done and where."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from counter_app.services.intake import accept_case
from counter_app.store.ledger_check import verify_ledger
from tests.support import REPO, intake_for, promise_item


@pytest.fixture
def ledger(store, clock):  # type: ignore[no-untyped-def]
    item = promise_item(store)
    for _ in range(3):
        accept_case(store, clock, "clerk-07", intake_for(item))
    assert verify_ledger(store).ok
    return store


def raw(store) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    """A plain sqlite3 connection, as someone with a SQL shell would have."""
    conn = sqlite3.connect(store.data_dir.db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    return conn


def test_triggers_stop_a_casual_edit(ledger) -> None:  # type: ignore[no-untyped-def]
    conn = raw(ledger)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET envelope = replace(envelope, '王建国', '王建军') WHERE seq = 4")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM cases")


def test_edited_payload_is_named(ledger) -> None:  # type: ignore[no-untyped-def]
    conn = raw(ledger)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET envelope = replace(envelope, '王建国', '王建军') WHERE seq = 5")
    verdict = verify_ledger(ledger)
    assert verdict.problem is not None
    assert (verdict.problem.code, verdict.problem.seq) == ("BAD_HASH", 5)
    assert verdict.checked == 4


def test_deleted_row_is_named(ledger) -> None:  # type: ignore[no-untyped-def]
    conn = raw(ledger)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq = 4")
    verdict = verify_ledger(ledger)
    assert verdict.problem is not None and (verdict.problem.code, verdict.problem.seq) == ("GAP", 4)


def test_deleted_tail_is_seen_in_the_case_tables(ledger) -> None:  # type: ignore[no-untyped-def]
    # Deleting the newest event leaves a shorter chain that still verifies on its own; the
    # transition row it wrote still names it (and the server's receipt would, see below).
    conn = raw(ledger)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq = 8")
    verdict = verify_ledger(ledger)
    assert verdict.head_seq == 7 and verdict.problem is not None
    assert (verdict.problem.code, verdict.problem.seq, verdict.problem.field) == (
        "TRANSITION_MISMATCH",
        8,
        "seq",
    )


def test_reordered_rows_are_named(ledger) -> None:  # type: ignore[no-untyped-def]
    conn = raw(ledger)
    conn.execute("DROP TRIGGER events_no_update")
    rows = {
        seq: conn.execute("SELECT envelope, hash, signature FROM events WHERE seq=?", (seq,)).fetchone()
        for seq in (3, 4)
    }
    conn.execute("UPDATE events SET hash='swap' WHERE seq=3")
    for seq, other in ((4, 3), (3, 4)):
        conn.execute(
            "UPDATE events SET envelope=?, hash=?, signature=?, event_id=event_id||'x' WHERE seq=?",
            (*rows[other], seq),
        )
    verdict = verify_ledger(ledger)
    assert verdict.problem is not None and (verdict.problem.code, verdict.problem.seq) == ("ROW_MISMATCH", 3)


def test_resigned_event_with_another_key_is_bad_signature(ledger) -> None:  # type: ignore[no-untyped-def]
    from counter_app.ledger import DeviceKey, Envelope, seal
    from counter_app.ledger.canonical import canonical_json

    conn = raw(ledger)
    conn.execute("DROP TRIGGER events_no_update")
    env = Envelope.from_dict(
        json.loads(conn.execute("SELECT envelope FROM events WHERE seq=6").fetchone()[0])
    )
    forged = seal(env, DeviceKey.generate())
    conn.execute(
        "UPDATE events SET signature=?, envelope=? WHERE seq=6",
        (forged.signature, canonical_json(env.as_dict()).decode()),
    )
    verdict = verify_ledger(ledger)
    assert verdict.problem is not None and (verdict.problem.code, verdict.problem.seq) == ("BAD_SIGNATURE", 6)


def test_cli_verify_reports_and_fails(ledger) -> None:  # type: ignore[no-untyped-def]
    cmd = [sys.executable, "-m", "counter_app.cli", "--data-dir", str(ledger.data_dir.root)]
    ok = subprocess.run([*cmd, "verify"], capture_output=True, text=True, cwd=REPO)
    assert ok.returncode == 0 and "事件链完整" in ok.stdout
    conn = raw(ledger)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET envelope = replace(envelope, 'A012', 'A099') WHERE seq = 3")
    bad = subprocess.run([*cmd, "--json", "verify"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["problem"]["code"] == "BAD_HASH" and report["problem"]["seq"] == 3


def test_deleted_tail_is_named_once_the_server_acknowledged_it(ledger, clock) -> None:  # type: ignore[no-untyped-def]
    from counter_app.ledger import AckReceipt, DeviceKey, sign_receipt
    from counter_app.store.ledger_store import head, record_ack

    server = DeviceKey.generate()
    with ledger.unit_of_work() as uow:
        uow.put_setting("server_public_key", server.public_b64)
        seq, digest = head(uow.conn)
        receipt = sign_receipt(AckReceipt(ledger.device_id(), seq, digest, "2026-11-25T01:30:00Z"), server)
        record_ack(uow.conn, receipt, clock.now)
        uow.commit()
    assert verify_ledger(ledger).ok
    conn = raw(ledger)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq = ?", (seq,))
    verdict = verify_ledger(ledger)
    assert verdict.problem is not None and (verdict.problem.code, verdict.problem.seq) == ("TRUNCATED", seq)
