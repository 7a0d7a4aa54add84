"""The citizen's rating reaches the real server like any other event of the window: stored once,
in the chain, and raising no alert (the server keeps event types it does not project)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from counter_app.domain.rating import RATED_EVENT, Level, NoRating, Rating
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.rating import record_rating
from counter_app.store.uow import Store
from counter_app.sync import Pusher
from tests.sync.sync_checks import new_counter
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow


def test_ratings_are_stored_on_the_server_without_an_alert(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    clock = FixedClock(datetime.now(HALL_TZ))
    day = clock().date().isoformat()
    rated = Rating("A012", day, ("CASE-1",), level=Level.UNSATISFIED)
    unrated = Rating("A013", day, (), no_rating=NoRating.TIMEOUT)
    seqs = [record_rating(store, clock, "0307", r) for r in (rated, unrated)]
    status = Pusher(store, heartbeat_every_s=None).push_once()
    assert status.waiting == 0
    device = store.device_id()
    rows = server.query(
        "SELECT seq, type, clerk_id, envelope FROM events WHERE device_id = :d AND type = :t ORDER BY seq",
        d=device,
        t=RATED_EVENT,
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (seqs[0], RATED_EVENT, "0307"),
        (seqs[1], RATED_EVENT, "0307"),
    ]
    assert [json.loads(r[3])["payload"] for r in rows] == [rated.payload(), unrated.payload()]
    assert server.query("SELECT rule_id FROM alerts WHERE device_id = :d", d=device) == []
