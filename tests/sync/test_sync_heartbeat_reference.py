"""Heartbeats and clock offset; catalog and calendar cached with ETags; the headless command."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from counter_app.ledger.device_messages import heartbeat_message
from counter_app.store.ledger_store import head, iter_events
from counter_app.store.uow import Store
from counter_app.sync import ServerClient, SyncConfig, cached_document, pull_reference_data, send_heartbeat
from counter_app.sync.__main__ import main
from tests.sync.sync_fakes import FakeLedgerServer, fake_catalog
from tests.sync.sync_helpers import StepClock, append_events


def test_heartbeat_is_signed_and_records_the_clock_offset(enrolled: Store, fake: FakeLedgerServer) -> None:
    append_events(enrolled, 2)
    fake.time_shift = timedelta(seconds=-5)
    clock = StepClock()
    from datetime import UTC, datetime

    clock.now = datetime.now(UTC)  # the device clock; the fake server runs 5 s behind it
    config = SyncConfig.load(enrolled)
    result = send_heartbeat(enrolled, ServerClient(fake.url), config, clock)
    assert result.clock_offset_ms == pytest.approx(-5000, abs=1500)
    assert enrolled.settings()["clock_offset_ms"] == str(result.clock_offset_ms)
    sent = fake.devices["dev-a"].heartbeats[-1]
    with enrolled.read() as conn:
        head_seq, head_hash = head(conn)
    assert (sent["head_seq"], sent["head_hash"]) == (head_seq, head_hash)
    message = heartbeat_message(
        "dev-a", sent["counter"], sent["head_seq"], sent["head_hash"], sent["device_time"]
    )
    enrolled.key.public_key.verify(base64.b64decode(sent["signature"]), message)
    append_events(enrolled, 1, start=2)
    with enrolled.read() as conn:
        newest = list(iter_events(conn))[-1]
    assert newest.envelope.clock_offset_ms == result.clock_offset_ms


def test_reference_data_is_cached_with_etags_and_read_offline(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    assert cached_document(enrolled, "catalog") is None
    assert pull_reference_data(enrolled) == ["catalog", "calendar"]
    assert pull_reference_data(enrolled) == []
    assert fake.document_gets[-2:] == [("catalog", 304), ("calendar", 304)]
    newer = {**fake_catalog(), "version": "2026.12.1"}
    fake.publish("catalog", newer)
    assert pull_reference_data(enrolled) == ["catalog"]
    catalog = cached_document(enrolled, "catalog")
    assert catalog is not None and catalog.version == "2026.12.1" and catalog.body == newer
    calendar = cached_document(enrolled, "calendar")
    assert calendar is not None and calendar.body["days"][0]["kind"] == "HOLIDAY"


def test_cache_survives_an_unreachable_server(enrolled: Store, fake: FakeLedgerServer) -> None:
    pull_reference_data(enrolled)
    with enrolled.unit_of_work() as uow:
        uow.put_setting("server_url", "http://127.0.0.1:9")
        uow.commit()
    with pytest.raises(Exception) as caught:
        pull_reference_data(enrolled)
    assert getattr(caught.value, "code", "") == "NETWORK"
    cached = cached_document(enrolled, "catalog")
    assert cached is not None and cached.body["items"][0]["name"] == "有限责任公司设立登记"


def test_command_line_enroll_once_and_status(
    store: Store, fake: FakeLedgerServer, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(store.data_dir.root)
    assert main(["--data-dir", root, "--json", "enroll", "--server", fake.url, "--code", "NOPE"]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "ENROLL_CODE_UNKNOWN"
    assert main(["--data-dir", root, "enroll", "--server", fake.url, "--code", "CODE-1"]) == 0
    assert "window_no: 7" in capsys.readouterr().out
    append_events(store, 3)
    assert main(["--data-dir", root, "status", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert before["waiting"] == 3 and before["acked_seq"] == 0 and before["server_url"] == fake.url
    assert main(["--data-dir", root, "--json", "once"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["waiting"] == 0 and report["state"] == "idle"
    assert report["reference_changed"] == ["catalog", "calendar"]
    assert report["clock_offset_ms"] is not None
    assert sorted(fake.devices["dev-a"].events) == [1, 2, 3]


def test_command_line_once_without_enrollment_fails_clearly(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(store.data_dir.root), "--json", "once"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == "NOT_ENROLLED" and "登记" in out["message"]
