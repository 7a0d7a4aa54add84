"""A machine in the middle rewrites the catalog and the calendar between the REAL server and a
window: the window refuses both, keeps its last good copies, its deadlines stay exact, and the
refusal is visible on the window and, once synced, as an alert on the server."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from counter_app.domain.calendar import promise_due
from counter_app.domain.calendar_document import calendar_from_document
from counter_app.ledger import verify_document
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import accept_case, item_time_limit
from counter_app.services.reference import current_calendar, current_catalog
from counter_app.services.setup import init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import iter_events
from counter_app.store.uow import Store
from counter_app.sync import SyncConfig, cached_document, enroll, pull_reference_data
from counter_app.sync.reference import ReferenceRefused, reference_state
from tests.support import REPO, intake_for
from tests.sync.sync_checks import WINDOWS, assert_exactly_once, pusher_for
from tests.sync.sync_server import FaultProxy, ServerProcess

pytestmark = pytest.mark.slow

FOOD_LICENCE = "1133078500254137X64010010110000"  # 食品经营许可证核发, 5 working days
ACCEPTED_AT = datetime(2026, 11, 30, 10, 0, tzinfo=HALL_TZ)  # a Monday
DUE = datetime(2026, 12, 7, 23, 59, 59, tzinfo=HALL_TZ)
FORGED_DUE = datetime(2027, 4, 2, 23, 59, 59, tzinfo=HALL_TZ)


def close_winter(body: bytes) -> bytes:
    """The calendar with every day from 2026-12-01 to 2027-03-28 declared a holiday."""
    document = json.loads(body)
    first, last = date(2026, 12, 1), date(2027, 3, 28)
    days = {d["date"]: d for d in document["days"]}
    day = first
    while day <= last:
        days[day.isoformat()] = {
            "date": day.isoformat(),
            "kind": "HOLIDAY",
            "name": "停止办公",
            "source": "OFFICIAL",
        }
        day += timedelta(days=1)
    document["days"] = [days[k] for k in sorted(days)]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def lengthen_limits(body: bytes) -> bytes:
    """The catalog with every promise limit multiplied by ten."""
    document = json.loads(body)
    for item in document["items"]:
        item["promise_limit"]["value"] *= 10
    return json.dumps(document, ensure_ascii=False).encode()


def window(server: ServerProcess, tmp_path: Path, name: str) -> Store:
    """A window initialised, enrolled with the real server and holding its signed documents."""
    number = next(WINDOWS)
    data = DataDir(tmp_path / name)
    init_counter(data, "H1", number % 99 + 1, FixedClock(ACCEPTED_AT))
    store = Store(data)
    enroll(store, server.url, server.issue_code("H1", number % 99 + 1))
    assert pull_reference_data(store) == ["catalog", "calendar"]
    return store


def deadline_cli(store: Store) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "counter_app.cli", "--data-dir", str(store.data_dir.root), "--json"]
    cmd += ["deadline", FOOD_LICENCE, "--at", ACCEPTED_AT.isoformat()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=REPO)


def types_of(store: Store) -> list[str]:
    with store.read() as conn:
        return [e.envelope.type for e in iter_events(conn)]


def test_rewritten_calendar_and_catalog_are_refused(server: ServerProcess, tmp_path: Path) -> None:
    store = window(server, tmp_path, "mitm")
    try:
        good_calendar = cached_document(store, "calendar")
        with store.read() as conn:
            item = current_catalog(conn).item(FOOD_LICENCE)
            assert promise_due(ACCEPTED_AT, item_time_limit(item), current_calendar(conn)).due == DUE
        # What the forged calendar would have done to this case, had the window used it.
        forged = calendar_from_document(json.loads(close_winter(json.dumps(good_calendar.body).encode())))  # type: ignore[union-attr]
        assert promise_due(ACCEPTED_AT, item_time_limit(item), forged).due == FORGED_DUE

        proxy = FaultProxy(server.port, only="/api/v1/ca")  # catalog and calendar, in that order
        try:
            with store.unit_of_work() as uow:
                uow.put_setting("server_url", proxy.url)
                uow.commit()
            proxy.script.extend([("rewrite", lengthen_limits), ("rewrite", close_winter)])
            once = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "counter_app.sync",
                    "--data-dir",
                    str(store.data_dir.root),
                    "--json",
                    "once",
                ],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=REPO,
            )
            assert once.returncode == 1, once.stdout + once.stderr
            report = json.loads(once.stdout)
            assert report["reference_changed"] == []
            assert [(r["document"], r["code"]) for r in report["reference_refused"]] == [
                ("catalog", "DOCUMENT_SIGNATURE_INVALID"),
                ("calendar", "DOCUMENT_SIGNATURE_INVALID"),
            ]
            assert "工作日历服务器签名无效" in report["reference_refused"][1]["message"]
            assert [path for path, action in proxy.seen if action == "rewrite"] == [
                "/api/v1/catalog",
                "/api/v1/calendar",
            ]

            # The same forgery again: refused again, but recorded in the ledger only once.
            proxy.script.extend([("rewrite", lengthen_limits), ("rewrite", close_winter)])
            with pytest.raises(ReferenceRefused) as refused:
                pull_reference_data(store)
            assert [r.code for r in refused.value.refusals] == ["DOCUMENT_SIGNATURE_INVALID"] * 2
        finally:
            proxy.close()

        assert cached_document(store, "calendar") == good_calendar
        state = reference_state(store, "calendar")
        assert state.refused is not None and state.refused.code == "DOCUMENT_SIGNATURE_INVALID"
        deadline = deadline_cli(store)
        assert deadline.returncode == 0, deadline.stdout + deadline.stderr
        assert json.loads(deadline.stdout)["promise_due"] == "2026-12-07T23:59:59+08:00"
        accepted = accept_case(store, FixedClock(ACCEPTED_AT), "clerk-07", intake_for(item))
        assert accepted.promise_due == DUE
        assert types_of(store).count("reference.refused") == 2  # one per forged document

        # Synced, the refusals become alerts on the server, naming the window.
        with store.unit_of_work() as uow:
            uow.put_setting("server_url", server.url)
            uow.commit()
        assert pusher_for(store).push_once().waiting == 0
        assert_exactly_once(server, store, len(types_of(store)))
        rows = server.query(
            "SELECT rule_id, level, details FROM alerts WHERE device_id = :d AND rule_id = 'REFERENCE_REFUSED' ORDER BY seq",
            d=store.device_id(),
        )
        assert [(r.rule_id, r.level, json.loads(r.details)["document"]) for r in rows] == [
            ("REFERENCE_REFUSED", "黄牌", "catalog"),
            ("REFERENCE_REFUSED", "黄牌", "calendar"),
        ]
        # The real server again: the refusal is over, nothing changed, nothing new in the ledger.
        before = len(types_of(store))
        assert pull_reference_data(store) == []
        assert reference_state(store, "calendar").refused is None and len(types_of(store)) == before
    finally:
        store.close()


def test_published_documents_are_signed_and_each_change_is_a_ledger_event(
    server: ServerProcess, tmp_path: Path
) -> None:
    store = window(server, tmp_path, "publish")
    try:
        key = SyncConfig.load(store).server_public_key
        api = f"{server.url}/api/v1"
        day = {"kind": "HOLIDAY", "name": "台风停止办公"}
        # A closure no other test here depends on: 2027-03-03, a Wednesday.
        put = requests.put(
            f"{api}/admin/calendar/days/2027-03-03", json=day, headers=server.admin(), timeout=10
        )
        assert put.status_code == 201, put.text
        published = put.json()
        got = requests.get(f"{api}/calendar", timeout=10)
        assert got.headers["X-Document-Signature"] == published["signature"]
        signed = verify_document(
            "calendar", got.content, got.headers["X-Document-Version"], published["signature"], key
        )
        assert (signed.version, signed.sha256, signed.key_id) == (
            published["version"],
            published["sha256"],
            published["key_id"],
        )
        # A catalog signature does not pass for the calendar, nor an old version for the new one.
        catalog = requests.get(f"{api}/catalog", timeout=10)
        with pytest.raises(Exception, match="DOCUMENT_SIGNATURE_INVALID"):
            verify_document(
                "calendar",
                got.content,
                catalog.headers["X-Document-Version"],
                catalog.headers["X-Document-Signature"],
                key,
            )

        assert pull_reference_data(store) == ["calendar"]
        with store.read() as conn:
            last = list(iter_events(conn))[-1].envelope
            item = current_catalog(conn).item(FOOD_LICENCE)
            monday = datetime(2027, 3, 1, 10, 0, tzinfo=HALL_TZ)
            due = promise_due(monday, item_time_limit(item), current_calendar(conn)).due
        assert last.type == "reference.calendar_updated"
        assert (last.payload["published_version"], last.payload["sha256"]) == (
            published["version"],
            published["sha256"],
        )
        assert due == datetime(2027, 3, 9, 23, 59, 59, tzinfo=HALL_TZ)  # not 03-08: 03-03 is closed

        changed = {**json.loads(catalog.content), "version": f"2026.12.{published['version']}"}
        put = requests.put(f"{api}/admin/catalog", json=changed, headers=server.admin(), timeout=10)
        assert put.status_code == 201, put.text
        assert pull_reference_data(store) == ["catalog"]
        with store.read() as conn:
            last = list(iter_events(conn))[-1].envelope
            assert current_catalog(conn).version == changed["version"]
        assert last.type == "reference.catalog_updated"
        assert (last.payload["version"], last.payload["sha256"]) == (changed["version"], put.json()["sha256"])
        assert pusher_for(store).push_once().waiting == 0
        quiet = "SELECT count(*) FROM alerts WHERE device_id = :d"
        assert server.query(quiet, d=store.device_id())[0][0] == 0
    finally:
        store.close()
