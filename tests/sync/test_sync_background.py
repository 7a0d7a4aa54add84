"""The pusher thread: immediate tries, timer retries without a new write, the watchdog, listeners."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from counter_app.store.uow import Store
from counter_app.sync import Backoff, Pusher, SyncStatus, enroll
from tests.sync.sync_fakes import FakeLedgerServer
from tests.sync.sync_helpers import StepClock, append_events, wait_until


@pytest.fixture
def pusher(enrolled: Store) -> Iterator[Pusher]:
    p = Pusher(enrolled, rng=lambda: 0.0, heartbeat_every_s=None, interval_s=3600, stall_after_s=0.3)
    yield p
    p.stop()


def test_notify_pushes_a_new_event_at_once(pusher: Pusher, enrolled: Store, fake: FakeLedgerServer) -> None:
    pusher.start()
    wait_until(
        lambda: pusher.status().state == "idle" and pusher.status().last_success_at, what="first cycle"
    )
    append_events(enrolled, 1)
    pusher.notify()
    wait_until(lambda: pusher.status().acked_seq == 1, what="ack after notify")
    assert sorted(fake.devices["dev-a"].events) == [1]


def test_retries_on_its_own_after_failures_without_a_new_write(
    pusher: Pusher, enrolled: Store, fake: FakeLedgerServer
) -> None:
    append_events(enrolled, 3)
    fake.script.extend(["drop", ("status", (500, {"code": "X", "message": "x"})), "drop"])
    pusher.start()
    wait_until(lambda: pusher.status().acked_seq == 3, what="delivery after three failures")
    assert [status for _, _, status in fake.posts] == [0, 500, 0, 200]
    assert pusher.status().last_error is None


def test_stopped_stays_stopped_until_resume(pusher: Pusher, enrolled: Store, fake: FakeLedgerServer) -> None:
    append_events(enrolled, 1)
    fake.script.append(("status", (403, {"code": "UNKNOWN_DEVICE", "message": "who?"})))
    pusher.start()
    wait_until(lambda: pusher.status().state == "stopped", what="stop")
    append_events(enrolled, 1, start=1)
    pusher.notify()
    wait_until(lambda: pusher.status().waiting == 2, what="waiting count refreshed")
    assert len(fake.posts) == 1 and pusher.status().state == "stopped"
    pusher.resume()
    wait_until(lambda: pusher.status().acked_seq == 2, what="delivery after resume")


def test_watchdog_flags_a_sync_without_progress_and_clears_it(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    # A listening socket that never answers: requests wait for their read timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    silent_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    with enrolled.unit_of_work() as uow:
        uow.put_setting("server_url", silent_url)
        uow.commit()
    seen: list[SyncStatus] = []
    from counter_app.sync.client import ServerClient

    pusher = Pusher(
        enrolled,
        rng=lambda: 0.0,
        heartbeat_every_s=None,
        stall_after_s=0.3,
        listener=seen.append,
        client_factory=lambda url: ServerClient(url, timeout=(0.5, 0.5)),
    )
    try:
        append_events(enrolled, 2)
        pusher.start()
        wait_until(lambda: pusher.status().stalled, what="watchdog")
        assert pusher.status().waiting == 2
        with enrolled.unit_of_work() as uow:
            uow.put_setting("server_url", fake.url)
            uow.commit()
        wait_until(
            lambda: not pusher.status().stalled and pusher.status().acked_seq == 2,
            timeout=20,
            what="recovery",
        )
        assert any(s.stalled for s in seen) and not seen[-1].stalled
    finally:
        pusher.stop()
        silent.close()


def test_status_reports_waiting_age_and_listener_hears_changes(
    enrolled: Store, fake: FakeLedgerServer
) -> None:
    clock = StepClock()
    heard: list[SyncStatus] = []
    lock = threading.Lock()

    def listen(status: SyncStatus) -> None:
        with lock:
            heard.append(status)

    append_events(enrolled, 4, at=clock.now)
    clock.advance(90)
    pusher = Pusher(
        enrolled, clock=clock, heartbeat_every_s=None, listener=listen, backoff=Backoff(rng=lambda: 1.0)
    )
    status = pusher.status()
    assert status.waiting == 4 and status.oldest_waiting_age_s == 90.0 and status.state == "idle"
    assert status.oldest_waiting_at is not None and status.as_of == clock.now
    status = pusher.push_once()
    assert status.waiting == 0 and status.oldest_waiting_age_s is None
    assert any(s.state == "syncing" for s in heard) and heard[-1].state == "idle"
    assert status.as_json()["last_success_at"] == clock.now.isoformat(timespec="seconds")


def test_a_window_enrolled_while_running_starts_syncing_on_the_next_event(
    store: Store, fake: FakeLedgerServer
) -> None:
    pusher = Pusher(store, rng=lambda: 0.0, heartbeat_every_s=None, interval_s=3600)
    try:
        append_events(store, 2)
        pusher.start()
        wait_until(lambda: pusher.status().state == "stopped", what="not enrolled")
        assert pusher.status().last_error.code == "NOT_ENROLLED"  # type: ignore[union-attr]
        enroll(store, fake.url, "CODE-1")
        append_events(store, 1, start=2)
        pusher.notify()
        wait_until(lambda: pusher.status().acked_seq == 3, what="sync after enrollment")
        assert pusher.status().last_error is None
    finally:
        pusher.stop()


def test_heartbeats_go_on_while_the_pushes_are_stopped(enrolled: Store, fake: FakeLedgerServer) -> None:
    append_events(enrolled, 4)
    fake.script.append(("status", (400, {"code": "BAD_SIGNATURE", "message": "refused"})))
    pusher = Pusher(enrolled, heartbeat_every_s=0.05, interval_s=3600)
    try:
        pusher.start()
        wait_until(lambda: pusher.status().state == "stopped", what="pushes stopped")
        beats = fake.devices["dev-a"].heartbeats
        seen = len(beats)
        wait_until(lambda: len(beats) >= seen + 3, what="three more heartbeats while stopped")
    finally:
        pusher.stop()
    assert len(fake.posts) == 1 and fake.devices["dev-a"].events == {}
    assert {b["head_seq"] for b in beats} == {4}  # the head the server never received
    counters = [b["counter"] for b in beats]
    assert counters == sorted(set(counters))  # strictly increasing
