"""The statements one accepted case costs, and the cached calendar following every change."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from counter_app.domain.calendar import DayKind
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import accept_case
from counter_app.services.reference import override_day
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store import calendar_changes, schema
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from tests.support import DEMO_CATALOG, intake_for, promise_item


def _statements(store: Store, work: Any) -> list[str]:
    """Every statement SQLite itself runs during ``work`` (its trace callback on each
    connection: what goes through SQLAlchemy and what runs on the DBAPI cursor alike)."""
    seen: list[str] = []

    def record(statement: str) -> None:
        if "'main'." not in statement:  # FTS5's own reads and writes of its shadow tables
            seen.append(" ".join(statement.split())[:24])

    def trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(record)

    store.close()  # every connection after this one is new, and traced (the store reopens them)
    event.listen(store.engine, "connect", trace)
    try:
        work()
    finally:
        event.remove(store.engine, "connect", trace)
        store.close()
    return [s for s in seen if not s.startswith("PRAGMA")]


def test_an_accepted_case_takes_twelve_statements_and_its_commit_and_never_reads_the_catalog_body(
    store: Store, clock: FixedClock
) -> None:
    intake = intake_for(promise_item(store))
    accept_case(store, clock, "clerk-07", intake)  # builds the calendar once
    seen = _statements(store, lambda: accept_case(store, clock, "clerk-07", intake))
    assert seen == [
        "BEGIN IMMEDIATE",
        'SELECT settings."key", s',
        "SELECT documents.etag FR",
        "INSERT INTO case_serials",
        "SELECT events.seq, event",  # the head, once for both events
        "INSERT INTO events (seq,",
        "INSERT INTO cases (proje",
        "INSERT INTO case_search ",
        "INSERT INTO case_transit",
        "SELECT token, n FROM cal",  # the calendar's state, not its rows
        "INSERT INTO events (seq,",
        "INSERT INTO case_transit",
        "COMMIT",
    ]


def test_the_cached_calendar_follows_overrides_and_direct_changes(store: Store, clock: FixedClock) -> None:
    intake = intake_for(promise_item(store))
    friday = datetime(2026, 11, 27, 23, 59, 59, tzinfo=HALL_TZ)  # Wed 25 + 2 working days
    assert accept_case(store, clock, "clerk-07", intake).promise_due == friday
    with store.unit_of_work() as uow:
        override_day(uow, date(2026, 11, 26), DayKind.HOLIDAY, "台风停止办公", clock())
        uow.commit()
    monday = datetime(2026, 11, 30, 23, 59, 59, tzinfo=HALL_TZ)
    assert accept_case(store, clock, "clerk-07", intake).promise_due == monday
    with store.unit_of_work() as uow:  # an administrator's SQL, past every service
        uow.conn.execute(text("DELETE FROM calendar_days WHERE day = '2026-11-26'"))
        uow.commit()
    assert accept_case(store, clock, "clerk-07", intake).promise_due == friday
    with store.unit_of_work() as uow:
        uow.conn.execute(
            text(
                "INSERT INTO calendar_days (day, kind, name, source, updated_at)"
                " VALUES ('2026-11-27', 'HOLIDAY', '', 'OVERRIDE', '2026-11-25T09:30:00+08:00')"
            )
        )
        uow.commit()
    assert accept_case(store, clock, "clerk-07", intake).promise_due == monday
    with store.unit_of_work() as uow:  # an UPDATE in place, past every service
        uow.conn.execute(text("UPDATE calendar_days SET kind = 'WORKDAY' WHERE day = '2026-11-27'"))
        uow.commit()
    assert accept_case(store, clock, "clerk-07", intake).promise_due == friday
    assert accept_case(store, clock, "clerk-07", intake).promise_estimated is False
    with store.unit_of_work() as uow:  # the official years are a source too
        uow.conn.execute(text("UPDATE settings SET value = '[]' WHERE key = 'calendar_official_years'"))
        uow.commit()
    assert accept_case(store, clock, "clerk-07", intake).promise_estimated is True


def test_two_databases_with_as_many_calendar_changes_keep_their_own_calendar(
    store: Store, clock: FixedClock, tmp_path: Path
) -> None:
    data = DataDir(tmp_path / "other")
    init_counter(data, "YX330781", 4, clock)
    other = Store(data)
    try:
        import_catalog(other, DEMO_CATALOG, clock)
        intake = intake_for(promise_item(store))
        with store.read() as a, other.read() as b:
            assert calendar_changes.state(a)[1] == calendar_changes.state(b)[1]
            assert calendar_changes.state(a)[0] != calendar_changes.state(b)[0]
        with store.unit_of_work() as uow:
            override_day(uow, date(2026, 11, 26), DayKind.HOLIDAY, "台风停止办公", clock())
            uow.commit()
        with other.unit_of_work() as uow:  # one change each: equal counts, different calendars
            override_day(uow, date(2026, 11, 30), DayKind.HOLIDAY, "停电", clock())
            uow.commit()
        with store.read() as a, other.read() as b:
            assert calendar_changes.state(a)[1] == calendar_changes.state(b)[1]
        monday = datetime(2026, 11, 30, 23, 59, 59, tzinfo=HALL_TZ)
        friday = datetime(2026, 11, 27, 23, 59, 59, tzinfo=HALL_TZ)
        assert accept_case(store, clock, "clerk-07", intake).promise_due == monday
        assert accept_case(other, clock, "clerk-07", intake).promise_due == friday
    finally:
        other.close()


def test_the_cached_calendar_follows_the_servers_calendar(store: Store, clock: FixedClock) -> None:
    intake = intake_for(promise_item(store))
    friday = datetime(2026, 11, 27, 23, 59, 59, tzinfo=HALL_TZ)
    assert accept_case(store, clock, "clerk-07", intake).promise_due == friday

    def published(*holidays: str) -> str:
        days = [{"date": d, "kind": "HOLIDAY", "name": "", "source": "OFFICIAL"} for d in holidays]
        return json.dumps({"format": 1, "version": 1, "official_years": [2026], "days": days})

    with store.unit_of_work() as uow:  # as the pull stores a checked download
        uow.conn.execute(
            schema.documents.insert().values(
                name="calendar", version="1", etag="e1", body=published("2026-11-26"), stored_at=""
            )
        )
        uow.commit()
    monday = datetime(2026, 11, 30, 23, 59, 59, tzinfo=HALL_TZ)
    assert accept_case(store, clock, "clerk-07", intake).promise_due == monday
    with store.unit_of_work() as uow:  # its body changed in place, past every service
        uow.conn.execute(
            text("UPDATE documents SET body = :body WHERE name = 'calendar'"), {"body": published()}
        )
        uow.commit()
    assert accept_case(store, clock, "clerk-07", intake).promise_due == friday
    with store.unit_of_work() as uow:
        uow.conn.execute(text("DELETE FROM documents WHERE name = 'calendar'"))
        uow.commit()
    assert accept_case(store, clock, "clerk-07", intake).promise_due == friday
