"""What a window does with a catalog or calendar it must not use: unsigned, signed by another key,
older than the one it holds, not JSON, or failing validation although properly signed. Each is
refused with a code and a Chinese message, the last good copy stays in use, intake goes on with
the right deadline, and the refusal is one ledger event. Served by the scriptable fake server,
which signs whatever it is given."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from counter_app.ledger import DeviceKey
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import accept_case
from counter_app.services.reference import current_catalog
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store import schema
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import iter_events
from counter_app.store.uow import Store
from counter_app.sync import cached_document, enroll, pull_reference_data
from counter_app.sync.__main__ import local_status
from counter_app.sync.reference import ReferenceRefused, reference_state
from tests.support import DEMO_CATALOG, REPO, intake_for
from tests.sync.sync_fakes import FAKE_CALENDAR, FakeLedgerServer, fake_catalog

FOOD_LICENCE = "1133078500254137X64010010110000"  # 食品经营许可证核发, 5 working days
ACCEPTED_AT = datetime(2026, 11, 30, 10, 0, tzinfo=HALL_TZ)
DUE = datetime(2026, 12, 7, 23, 59, 59, tzinfo=HALL_TZ)


@pytest.fixture
def window(tmp_path: Path, fake: FakeLedgerServer) -> Iterator[Store]:
    """Window 7 of hall H1, enrolled with the fake server and holding its signed documents."""
    data = DataDir(tmp_path / "window")
    init_counter(data, "H1", 7, FixedClock(ACCEPTED_AT))
    store = Store(data)
    enroll(store, fake.url, "CODE-1")
    assert pull_reference_data(store) == ["catalog", "calendar"]
    yield store
    store.close()


def refused(store: Store) -> list[tuple[str, str]]:
    with pytest.raises(ReferenceRefused) as caught:
        pull_reference_data(store)
    return [(r.document, r.code) for r in caught.value.refusals]


def events(store: Store, kind: str) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [e.envelope.payload for e in iter_events(conn) if e.envelope.type == kind]


def deadline_cli(store: Store) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "counter_app.cli", "--data-dir", str(store.data_dir.root), "--json"]
    cmd += ["deadline", FOOD_LICENCE, "--at", ACCEPTED_AT.isoformat()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=REPO)


BAD_CALENDARS = [
    pytest.param(b'{"format": 1, "days": [', "DOCUMENT_MALFORMED", id="not-json"),
    pytest.param({**FAKE_CALENDAR, "format": 2}, "CALENDAR_INVALID", id="format"),
    pytest.param(
        {**FAKE_CALENDAR, "days": [{"date": "2026-12-01", "kind": "HOLIDAY"}]},
        "CALENDAR_INVALID",
        id="no-source",
    ),
    pytest.param(
        {**FAKE_CALENDAR, "days": [{"date": "2026-12-02", "kind": "WEEKEND", "source": "OFFICIAL"}]},
        "CALENDAR_INVALID",
        id="weekend-on-wednesday",
    ),
    pytest.param({**FAKE_CALENDAR, "days": "2026-12-01"}, "CALENDAR_INVALID", id="days-not-a-list"),
]


@pytest.mark.parametrize(("body", "code"), BAD_CALENDARS)
def test_a_signed_but_broken_calendar_is_refused_and_intake_goes_on(
    window: Store, fake: FakeLedgerServer, body: Any, code: str
) -> None:
    good = cached_document(window, "calendar")
    fake.publish("calendar", body)
    assert refused(window) == [("calendar", code)]
    assert cached_document(window, "calendar") == good
    deadline = deadline_cli(window)
    assert deadline.returncode == 0, deadline.stdout + deadline.stderr
    assert json.loads(deadline.stdout)["promise_due"] == "2026-12-07T23:59:59+08:00"
    with window.read() as conn:
        item = current_catalog(conn).item(FOOD_LICENCE)
    assert accept_case(window, FixedClock(ACCEPTED_AT), "clerk-07", intake_for(item)).promise_due == DUE
    state = reference_state(window, "calendar")
    assert state.refused is not None and state.refused.code == code
    assert (
        f"（错误代码：{code}）" in state.refused.message and "继续使用本机原有版本" in state.refused.message
    )


def test_a_signed_catalog_goes_through_the_import_validation(window: Store, fake: FakeLedgerServer) -> None:
    broken = fake_catalog()
    del broken["items"][0]["name"]
    body = fake.publish("catalog", broken)
    assert refused(window) == [("catalog", "CATALOG_INVALID")]
    with window.read() as conn:
        assert current_catalog(conn).items[0].name == "有限责任公司设立登记"
    assert events(window, "reference.refused") == [
        {
            "document": "catalog",
            "code": "CATALOG_INVALID",
            "sha256": hashlib.sha256(body).hexdigest(),
            "published_version": 2,
            "detail": reference_state(window, "catalog").refused.detail,  # type: ignore[union-attr]
        }
    ]
    assert refused(window) == [("catalog", "CATALOG_INVALID")]  # the same body again: no new event
    assert len(events(window, "reference.refused")) == 1
    status = local_status(window)["reference"]["catalog"]
    assert status["refused"]["code"] == "CATALOG_INVALID" and status["published_version"] == 1


def test_unsigned_foreign_and_older_documents_are_refused(window: Store, fake: FakeLedgerServer) -> None:
    newer = {**FAKE_CALENDAR, "official_years": [2025, 2026]}
    fake.publish("calendar", newer, version=5)
    assert pull_reference_data(window) == ["calendar"]
    fake.document_key = None
    fake.publish("calendar", FAKE_CALENDAR, version=6)
    assert refused(window) == [("calendar", "DOCUMENT_UNSIGNED")]  # the catalog is current: 304
    fake.document_key = DeviceKey.generate()
    assert refused(window) == [("calendar", "DOCUMENT_SIGNATURE_INVALID")]
    fake.document_key = fake.key
    fake.publish("calendar", FAKE_CALENDAR, version=3)  # an old signed version, replayed
    assert refused(window) == [("calendar", "DOCUMENT_ROLLBACK")]
    assert cached_document(window, "calendar").body["official_years"] == [2025, 2026]  # type: ignore[union-attr]
    assert [e["code"] for e in events(window, "reference.refused")] == [
        "DOCUMENT_UNSIGNED",
        "DOCUMENT_SIGNATURE_INVALID",
        "DOCUMENT_ROLLBACK",
    ]


def test_each_accepted_change_is_a_ledger_event_with_version_and_hash(
    window: Store, fake: FakeLedgerServer
) -> None:
    first = events(window, "reference.calendar_updated")
    assert [(e["version"], e["published_version"], e["days"]) for e in first] == [("1", 1, 1)]
    body = fake.publish("calendar", {**FAKE_CALENDAR, "version": 2})
    assert pull_reference_data(window) == ["calendar"]
    second = events(window, "reference.calendar_updated")[-1]
    assert (second["version"], second["published_version"], second["sha256"]) == (
        "2",
        2,
        hashlib.sha256(body).hexdigest(),
    )
    catalog = events(window, "reference.catalog_updated")
    assert [(e["version"], e["items"]) for e in catalog] == [
        (fake_catalog()["version"], len(fake_catalog()["items"]))
    ]


def test_a_broken_calendar_cached_before_checks_existed_is_set_aside(
    tmp_path: Path, fake: FakeLedgerServer
) -> None:
    data = DataDir(tmp_path / "upgraded")
    init_counter(data, "H1", 7, FixedClock(ACCEPTED_AT))
    store = Store(data)
    try:
        enroll(store, fake.url, "CODE-1")
        import_catalog(store, DEMO_CATALOG, FixedClock(ACCEPTED_AT))
        with store.unit_of_work() as uow:  # what an older window stored, unchecked
            uow.conn.execute(
                schema.documents.insert().values(
                    name="calendar",
                    version="9",
                    etag=fake.etag("calendar"),
                    body='{"days": [{"date": "x"}]}',
                    stored_at="",
                )
            )
            uow.commit()
        deadline = deadline_cli(store)
        assert deadline.returncode == 0, deadline.stdout + deadline.stderr
        assert json.loads(deadline.stdout)["promise_due"] == "2026-12-07T23:59:59+08:00"  # from the seed
        assert pull_reference_data(store) == ["catalog", "calendar"]  # fetched again despite its ETag
        assert fake.document_gets[-1] == ("calendar", 200)
        assert cached_document(store, "calendar").body == FAKE_CALENDAR  # type: ignore[union-attr]
    finally:
        store.close()
