"""Checks and helpers for tests against the real server: counters, pushers, exactly-once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import requests

from counter_app.ledger import Envelope, SignedEvent, seal, verify_chain
from counter_app.ledger.canonical import canonical_json
from counter_app.services.clock import Clock
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import acked_seq, iter_events
from counter_app.store.uow import Store
from counter_app.sync import Backoff, Pusher, enroll
from tests.support import DEMO_CATALOG
from tests.sync.sync_helpers import make_store
from tests.sync.sync_server import ServerProcess

WINDOWS = iter(range(1, 10_000))


def new_counter(
    server: ServerProcess, counters: list[Store], tmp_path: Path, url: str | None = None
) -> Store:
    """A fresh counter in its own folder, enrolled with a code from the server's command."""
    store = make_store(tmp_path / f"counter-{len(counters)}")
    counters.append(store)
    enroll(store, server.url, server.issue_code("H1", next(WINDOWS)))
    if url is not None:
        with store.unit_of_work() as uow:
            uow.put_setting("server_url", url)
            uow.commit()
    return store


def new_window(
    server: ServerProcess, counters: list[Store], tmp_path: Path, clock: Clock, window_no: int
) -> Store:
    """A counter set up as a clerk's window is (hall H1, ``window_no``, demo catalog), enrolled."""
    data = DataDir(tmp_path / f"window-{window_no}")
    init_counter(data, "H1", window_no, clock)
    store = Store(data)
    counters.append(store)
    import_catalog(store, DEMO_CATALOG, clock)
    enroll(store, server.url, server.issue_code("H1", window_no))
    return store


def pusher_for(store: Store, **kwargs: object) -> Pusher:
    kwargs.setdefault("backoff", Backoff(base_s=0.05, cap_s=0.5))
    return Pusher(store, heartbeat_every_s=None, **kwargs)  # type: ignore[arg-type]


def assert_exactly_once(server: ServerProcess, store: Store, count: int) -> None:
    """Server and counter agree on ``count`` events, each stored once, chain whole, acks recorded."""
    device_id = store.device_id()
    rows = server.query(
        "SELECT seq, hash, prev_hash FROM events WHERE device_id = :d ORDER BY seq", d=device_id
    )
    with store.read() as conn:
        local = list(iter_events(conn))
        acked = acked_seq(conn)
    assert [r.seq for r in rows] == list(range(1, count + 1))
    assert [(r.seq, r.hash, r.prev_hash) for r in rows] == [
        (e.seq, e.hash, e.envelope.prev_hash) for e in local
    ]
    assert server.query("SELECT count(*) FROM fork_events WHERE device_id = :d", d=device_id)[0][0] == 0
    assert verify_chain(local, store.key.public_key, device_id=device_id).ok
    head = requests.get(
        f"{server.url}/api/v1/devices/{device_id}/head", timeout=10, verify=server.verify
    ).json()
    assert head["acked_seq"] == count and head["acked_hash"] == local[-1].hash and not head["forked"]
    assert acked == count


def alerts_for(server: ServerProcess, store: Store) -> list[str]:
    rows = server.query("SELECT rule_id FROM alerts WHERE device_id = :d", d=store.device_id())
    return [r.rule_id for r in rows]


def edit_and_resign(store: Store, seq: int) -> tuple[SignedEvent, SignedEvent]:
    """Rewrite event ``seq`` in the counter's own database, re-signed with the device key, the way
    someone with a SQL shell would: drop the append-only trigger, UPDATE, put the trigger back."""
    with store.read() as conn:
        original = next(e for e in iter_events(conn) if e.seq == seq)
    payload = {**original.envelope.payload, "item": "改动后的事项"}
    edited = seal(Envelope(**{**original.envelope.as_dict(), "payload": payload}), store.key)
    conn = sqlite3.connect(store.data_dir.db_path, isolation_level=None)
    try:
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events_no_update'").fetchone()[0]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute(
            "UPDATE events SET hash = ?, signature = ?, envelope = ? WHERE seq = ?",
            (edited.hash, edited.signature, canonical_json(edited.envelope.as_dict()).decode(), seq),
        )
        conn.execute(trigger)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return original, edited


def post_raw(server: ServerProcess, device_id: str, body: bytes) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/devices/{device_id}/events",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
