"""Counters syncing with the REAL supervision server (a subprocess on loopback), with faults.

Each test ends with every event on the server exactly once and the chain whole, checked in
the server's own database and through its API. The server runs on SQLite, and on PostgreSQL
when one is reachable (a fresh database per module, dropped afterwards); see conftest.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import accept_case
from counter_app.services.reference import current_calendar, current_catalog
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import iter_events
from counter_app.store.uow import Store
from counter_app.sync import Pusher, cached_document, enroll, pull_reference_data
from counter_app.sync.client import ServerClient
from counter_app.sync.pushing import build_batch
from tests.support import DEMO_CATALOG, intake_for, promise_item
from tests.sync.sync_checks import (
    WINDOWS,
    assert_exactly_once,
    new_counter,
    pusher_for,
)
from tests.sync.sync_helpers import StepClock, append_events, make_store, wait_until
from tests.sync.sync_server import FaultProxy, ServerProcess

pytestmark = pytest.mark.slow


def test_enroll_sync_and_heartbeat(server: ServerProcess, counters: list[Store], tmp_path: Path) -> None:
    store = new_counter(server, counters, tmp_path)
    settings = store.settings()
    assert settings["hall_code"] == "H1" and settings["server_public_key"]
    append_events(store, 40)
    status = Pusher(store, heartbeat_every_s=60).push_once()
    assert status.state == "idle" and status.waiting == 0 and status.clock_offset_ms is not None
    assert abs(status.clock_offset_ms) < 2000
    assert_exactly_once(server, store, 40)
    append_events(store, 1, start=40)
    with store.read() as conn:
        assert list(iter_events(conn))[-1].envelope.clock_offset_ms == status.clock_offset_ms


def test_cases_taken_in_at_the_window_reach_the_server(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    clock = FixedClock(datetime.now(HALL_TZ))
    data = DataDir(tmp_path / "window")
    init_counter(data, "H1", 42, clock)
    store = Store(data)
    counters.append(store)
    import_catalog(store, DEMO_CATALOG, clock)
    enroll(store, server.url, server.issue_code("H1", 42))
    pusher = Pusher(store, clock=clock, heartbeat_every_s=None)
    pusher.start()
    try:
        item = promise_item(store)
        numbers = []
        for _ in range(3):
            numbers.append(accept_case(store, clock, "clerk-07", intake_for(item)).project_no)
            pusher.notify()
        wait_until(
            lambda: pusher.status().waiting == 0 and pusher.status().acked_seq > 0, what="cases synced"
        )
    finally:
        pusher.stop()
    with store.read() as conn:
        count = len(list(iter_events(conn)))
    assert_exactly_once(server, store, count)
    rows = server.query("SELECT project_no, state FROM cases WHERE device_id = :d", d=store.device_id())
    assert sorted(r.project_no for r in rows) == sorted(numbers)


def test_server_killed_mid_batch_then_restarted(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    proxy = FaultProxy(server.port)
    try:
        store = new_counter(server, counters, tmp_path, url=proxy.url)
        append_events(store, 1200)
        # Batch 1 passes; batch 2 reaches the server, which is killed while it works on it (the
        # short pause lets it start; the outcome must not depend on where exactly it dies).
        proxy.script.extend(["forward", ("hook", lambda: (time.sleep(0.02), server.kill()))])
        pusher = pusher_for(store, max_batch_events=500)
        status = pusher.push_once()
        assert status.last_error is not None and status.state == "backing_off"
        assert server.proc is not None and server.proc.poll() is not None  # killed during batch 2
        server.start()
        wait_until(lambda: pusher.push_once().waiting == 0, timeout=60, what="drain after restart")
        assert_exactly_once(server, store, 1200)
    finally:
        proxy.close()
        if server.proc is None or server.proc.poll() is not None:
            server.start()


def test_server_answers_500_then_recovers(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    proxy = FaultProxy(server.port)
    try:
        store = new_counter(server, counters, tmp_path, url=proxy.url)
        append_events(store, 30)
        proxy.script.extend(["500", "500"])
        pusher = pusher_for(store, max_batch_events=10)
        assert pusher.push_once().last_error.code == "SERVER_ERROR"  # type: ignore[union-attr]
        assert pusher.push_once().last_error.code == "SERVER_ERROR"  # type: ignore[union-attr]
        assert pusher.push_once().state == "idle"
        assert_exactly_once(server, store, 30)
    finally:
        proxy.close()


def test_reply_lost_after_the_server_committed(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    proxy = FaultProxy(server.port)
    try:
        store = new_counter(server, counters, tmp_path, url=proxy.url)
        append_events(store, 25)
        proxy.script.extend(["forward", "drop_reply"])
        pusher = pusher_for(store, max_batch_events=10)
        status = pusher.push_once()
        assert status.last_error is not None and status.last_error.code == "NETWORK"
        assert status.acked_seq == 10  # the second batch is on the server but not acknowledged here
        assert (
            server.query("SELECT max(seq) FROM events WHERE device_id = :d", d=store.device_id())[0][0] == 20
        )
        assert pusher.push_once().state == "idle"
        assert_exactly_once(server, store, 25)
    finally:
        proxy.close()


def test_same_batch_delivered_twice_at_once(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    append_events(store, 200)
    with store.read() as conn:
        batch = build_batch(conn, 0, 500, 10_000_000)
    assert batch is not None
    replies: list[dict[str, object]] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        client = ServerClient(server.url)
        barrier.wait()
        replies.append(client.post_events(store.device_id(), batch.body).body)
        client.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [r["acked_seq"] for r in replies] == [200, 200]
    assert sorted(r["stored"] for r in replies) == [0, 200]  # type: ignore[type-var]
    assert pusher_for(store).push_once().state == "idle"
    assert_exactly_once(server, store, 200)


def test_batches_out_of_order_get_409_then_converge(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    append_events(store, 30)
    with store.read() as conn:
        second = build_batch(conn, 10, 10, 10_000_000)
    assert second is not None
    reply = requests.post(
        f"{server.url}/api/v1/devices/{store.device_id()}/events",
        data=second.body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert (
        reply.status_code == 409 and reply.json()["code"] == "SEQ_GAP" and reply.json()["expected_seq"] == 1
    )
    assert pusher_for(store, max_batch_events=10).push_once().state == "idle"
    assert_exactly_once(server, store, 30)


def test_a_day_offline_with_2000_events(server: ServerProcess, counters: list[Store], tmp_path: Path) -> None:
    proxy = FaultProxy(server.port)
    clock = StepClock(datetime.now(UTC))
    try:
        store = new_counter(server, counters, tmp_path, url="http://127.0.0.1:9")  # nothing listens on 9
        day_start = clock.now - timedelta(days=1)
        for hour in range(20):
            append_events(store, 100, start=hour * 100, at=day_start + timedelta(hours=hour))
        pusher = pusher_for(store, clock=clock)
        status = pusher.push_once()
        assert status.online is False and status.state == "backing_off" and status.waiting == 2000
        assert status.oldest_waiting_age_s is not None and status.oldest_waiting_age_s >= 86_399
        with store.unit_of_work() as uow:
            uow.put_setting("server_url", proxy.url)
            uow.commit()
        status = pusher.push_once()
        assert status.state == "idle" and status.online is True and status.waiting == 0
        assert_exactly_once(server, store, 2000)
    finally:
        proxy.close()


def test_reference_data_and_the_headless_command(server: ServerProcess, tmp_path: Path) -> None:
    data = tmp_path / "headless"
    run = [sys.executable, "-m", "counter_app.sync", "--data-dir", str(data), "--json"]
    code = server.issue_code("H1", next(WINDOWS))
    enrolled = subprocess.run(
        [*run, "enroll", "--server", server.url, "--code", code], capture_output=True, text=True, timeout=60
    )
    assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr
    assert json.loads(enrolled.stdout)["hall_code"] == "H1"
    store = make_store(data)
    try:
        append_events(store, 12)
    finally:
        store.close()
    once = subprocess.run([*run, "once"], capture_output=True, text=True, timeout=60)
    assert once.returncode == 0, once.stdout + once.stderr
    report = json.loads(once.stdout)
    assert report["waiting"] == 0 and report["acked_seq"] == 12
    assert sorted(report["reference_changed"]) == ["calendar", "catalog"]
    status = subprocess.run([*run, "status"], capture_output=True, text=True, timeout=60)
    assert json.loads(status.stdout)["acked_seq"] == 12
    store = make_store(data)
    try:
        assert pull_reference_data(store) == []  # ETags match: 304, nothing rewritten
        catalog, calendar = cached_document(store, "catalog"), cached_document(store, "calendar")
        assert catalog is not None and calendar is not None and catalog.etag and calendar.etag
        with store.read() as conn:  # what the window's services read, with no network at all
            assert current_catalog(conn).items
            assert current_calendar(conn).is_working_day(date(2026, 11, 25))  # a Wednesday
            assert not current_calendar(conn).is_working_day(date(2026, 10, 1))  # 国庆节
            types = [e.envelope.type for e in iter_events(conn)][12:]
        # Each accepted document is a ledger event of its own; the server takes them quietly.
        assert types == ["reference.catalog_updated", "reference.calendar_updated"]
        assert pusher_for(store).push_once().waiting == 0
        assert_exactly_once(server, store, 14)
        quiet = "SELECT count(*) FROM alerts WHERE device_id = :d AND (seq > 12 OR seq IS NULL)"
        assert server.query(quiet, d=store.device_id())[0][0] == 0
    finally:
        store.close()
