"""Identity and freshness against the REAL server process: enrollment, heartbeats, silence.

On SQLite and on PostgreSQL (see conftest.py). ``quick_server`` runs with short WITHHOLDING and
SILENT thresholds and a watcher that checks five times a second, so that its own background
task, not the test, raises those alerts.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.setup import init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import head
from counter_app.store.uow import Store
from counter_app.sync import Backoff, Pusher, SyncError, enroll
from counter_app.sync.heartbeat import heartbeat_body
from supervision_server.enroll import code_hash
from tests.server.helpers import enroll_body
from tests.sync.conftest import BACKENDS, server_for
from tests.sync.sync_checks import WINDOWS, alerts_for, new_counter
from tests.sync.sync_helpers import append_events, wait_until
from tests.sync.sync_server import FaultProxy, ServerProcess

pytestmark = pytest.mark.slow

QUICK = {
    "withholding_grace_s": "1",
    "withholding_check_interval_s": "0.2",
    "silent_after_s": "1",
    "hall_hours": "00:00-23:59",
}


@pytest.fixture(scope="module", params=BACKENDS)
def quick_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    yield from server_for(request, tmp_path_factory, QUICK)


def configured_counter(counters: list[Store], path: Path, window: int) -> Store:
    """A counter initialised as window ``window`` of hall H1 (case numbers carry it)."""
    data = DataDir(path)
    init_counter(data, "H1", window, FixedClock(datetime.now(HALL_TZ)))
    store = Store(data)
    counters.append(store)
    return store


def code_used_at(server: ServerProcess, code: str) -> Any:
    return server.query("SELECT used_at FROM enroll_codes WHERE code_hash = :h", h=code_hash(code))[0][0]


def post_heartbeat(server: ServerProcess, device_id: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/devices/{device_id}/heartbeat", json=body, timeout=30)


def device_row(server: ServerProcess, device_id: str) -> Any:
    return server.query("SELECT * FROM devices WHERE device_id = :d", d=device_id)[0]


def test_a_code_for_another_window_is_refused_and_stays_usable(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    window = next(WINDOWS) % 90 + 1
    code = server.issue_code("H1", window)
    wrong = configured_counter(counters, tmp_path / "wrong", window + 1)
    with pytest.raises(SyncError) as refused:
        enroll(wrong, server.url, code)
    assert refused.value.code == "ENROLL_MISMATCH" and refused.value.http_status == 409
    assert code_used_at(server, code) is None and "server_url" not in wrong.settings()
    right = configured_counter(counters, tmp_path / "right", window)
    assert enroll(right, server.url, code).window_no == window
    assert code_used_at(server, code) is not None


def test_enrollment_attacks_are_refused(server: ServerProcess, counters: list[Store], tmp_path: Path) -> None:
    victim = new_counter(server, counters, tmp_path)
    victim_id, victim_key = victim.device_id(), victim.key.public_b64
    attacker = configured_counter(counters, tmp_path / "attacker", 9).key
    url = f"{server.url}/api/v1/enroll"
    stolen = enroll_body(server.issue_code("H2", 5), victim_id, attacker, public_key=victim_key)
    reply = requests.post(url, json=stolen, timeout=30)
    assert (reply.status_code, reply.json()["code"]) == (400, "BAD_SIGNATURE")
    zero = base64.b64encode(bytes(32)).decode()
    reply = requests.post(url, json=enroll_body(server.issue_code(), "dev-zero", attacker, public_key=zero))
    assert (reply.status_code, reply.json()["code"]) == (422, "WEAK_PUBLIC_KEY")
    with pytest.raises(SyncError) as moved:  # the window itself refuses a code for another window
        enroll(victim, server.url, server.issue_code("H2", 5))
    assert moved.value.code == "ENROLL_MISMATCH"
    plain = enroll_body(server.issue_code("H2", 5), victim_id, victim.key)  # a raw request, no window
    reply = requests.post(url, json=plain, timeout=30)
    assert (reply.status_code, reply.json()["code"]) == (409, "DEVICE_ENROLLED")
    row = device_row(server, victim_id)
    assert (row.hall_code, row.public_key) == ("H1", victim_key)
    reply = requests.post(
        f"{server.url}/api/v1/admin/enroll-codes",
        json={"hall_code": "H2", "window_no": 5, "device_id": victim_id},
        headers=server.admin(),
        timeout=30,
    )
    assert reply.status_code == 201
    move = enroll_body(reply.json()["code"], victim_id, victim.key)
    assert requests.post(url, json=move, timeout=30).status_code == 201  # the administrator's move
    assert (device_row(server, victim_id).hall_code, device_row(server, victim_id).window_no) == ("H2", 5)


def test_replayed_and_stale_heartbeats_change_nothing(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    device_id = store.device_id()
    append_events(store, 2)
    Pusher(store, heartbeat_every_s=None).push_once()
    overheard = heartbeat_body(store, device_id, datetime.now(HALL_TZ))  # announces head 2
    assert post_heartbeat(server, device_id, overheard).status_code == 200
    append_events(store, 3, start=2)
    assert Pusher(store, heartbeat_every_s=None).push_once().acked_seq == 5  # pushes and heartbeats
    before = device_row(server, device_id)
    reply = post_heartbeat(server, device_id, overheard)
    assert (reply.status_code, reply.json()["code"]) == (409, "HEARTBEAT_REPLAYED")
    two_days_old = heartbeat_body(store, device_id, datetime.now(HALL_TZ) - timedelta(days=2))
    reply = post_heartbeat(server, device_id, two_days_old)
    assert (reply.status_code, reply.json()["code"]) == (422, "HEARTBEAT_STALE")
    assert device_row(server, device_id) == before
    assert alerts_for(server, store) == []  # no false ROLLBACK for the replayed head 2


def test_heartbeats_go_on_while_pushes_fail_and_withholding_fires(
    quick_server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    proxy = FaultProxy(quick_server.port)  # every batch of events gets a 500, heartbeats pass
    proxy.script.extend(["500"] * 10_000)
    try:
        store = new_counter(quick_server, counters, tmp_path, url=proxy.url)
        append_events(store, 11)
        pusher = Pusher(store, heartbeat_every_s=0.2, backoff=Backoff(base_s=0.05, cap_s=0.3))
        pusher.start()
        try:
            wait_until(
                lambda: "WITHHOLDING" in alerts_for(quick_server, store), timeout=30, what="WITHHOLDING"
            )
            assert pusher.status().last_error is not None
            assert pusher.status().last_error.code == "SERVER_ERROR"  # type: ignore[union-attr]
        finally:
            pusher.stop()
    finally:
        proxy.close()
    with store.read() as conn:
        head_seq, head_hash = head(conn)
    assert head_seq == 11
    details = quick_server.query(
        "SELECT details FROM alerts WHERE device_id = :d AND rule_id = 'WITHHOLDING'", d=store.device_id()
    )
    assert (
        len(details) == 1 and '"announced_seq": 11' in details[0][0] and '"delivered_seq": 0' in details[0][0]
    )
    row = device_row(quick_server, store.device_id())
    assert (row.announced_seq, row.announced_hash, row.head_seq) == (11, head_hash, 0)


def test_a_window_that_goes_silent_is_flagged_and_closed_when_it_returns(
    quick_server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(quick_server, counters, tmp_path)
    append_events(store, 3)
    assert Pusher(store, heartbeat_every_s=None).push_once().state == "idle"  # a clean heartbeat

    def silent() -> list[Any]:
        return quick_server.query(
            "SELECT a.id, c.closed_at FROM alerts a LEFT JOIN alert_closings c ON c.alert_id = a.id "
            "WHERE a.device_id = :d AND a.rule_id = 'SILENT' ORDER BY a.id",
            d=store.device_id(),
        )

    wait_until(lambda: silent(), timeout=30, what="SILENT from the server's watcher")
    assert len(silent()) == 1 and silent()[0].closed_at is None
    assert Pusher(store, heartbeat_every_s=None).push_once().state == "idle"  # the window is back
    [(alert_id, closed_at)] = silent()
    assert closed_at is not None
    listed = requests.get(
        f"{quick_server.url}/api/v1/alerts",
        params={"device_id": store.device_id(), "rule_id": "SILENT"},
        headers=quick_server.admin(),
        timeout=30,
    ).json()["alerts"]
    assert [(a["id"], a["closed_at"]) for a in listed] == [(alert_id, closed_at)]
