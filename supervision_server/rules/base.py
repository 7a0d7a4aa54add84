"""What every rule sees: the moment, the thresholds, the hall's time, and the subjects in scope.

A rule is a function ``check(conn, scope) -> list[AlertDraft]`` whose docstring names the
misconduct it targets. On ingest the scope names the cases, tickets and devices the batch
touched; on the watcher's schedule it is everything recent (``project_nos`` None). Each draft
carries an occurrence key (rule, subject, period), so running a rule again raises nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import orjson
from sqlalchemy import Connection, Select, select

from counter_app.domain.calendar import WorkCalendar
from counter_app.domain.catalog import Catalog
from counter_app.domain.device_role import DeviceRole
from supervision_server.alerts import AlertDraft
from supervision_server.db import any_of
from supervision_server.distribution import published_calendar, published_catalog
from supervision_server.schema import cases, devices, events
from supervision_server.settings import Settings
from supervision_server.timeutil import iso, parse_iso

RECENT_DAYS = timedelta(days=3)  # how far back the schedule re-reads cases, tickets and events


@dataclass
class Scope:
    """The moment and the subjects a pass of the rules looks at.

    On ingest, ``batch`` holds the stored events and ``project_nos`` the cases they touched; on
    the schedule both are None, meaning "everything recent".
    """

    now: datetime
    settings: Settings
    project_nos: set[str] | None = None
    batch: list[StoredEvent] | None = None  # the events a batch stored (ingest only)
    _calendar: WorkCalendar | None = field(default=None, repr=False)
    _catalog: Catalog | None = field(default=None, repr=False)
    _loaded: bool = field(default=False, repr=False)
    _batch_cases: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def tz(self) -> tzinfo:
        """The hall's time zone."""
        return self.settings.hall_tz

    @property
    def today(self) -> date:
        """The hall's date at ``now``."""
        return self.now.astimezone(self.tz).date()

    @property
    def scheduled(self) -> bool:
        """Whether this is the watcher's pass (everything recent) rather than one batch."""
        return self.project_nos is None

    def load(self, conn: Connection) -> None:
        """Read the published calendar and catalog once per pass."""
        if self._loaded:
            return
        self._loaded = True
        self._calendar = published_calendar(conn)
        self._catalog = published_catalog(conn)

    @property
    def calendar(self) -> WorkCalendar:
        """The hall's working-day calendar (weekends only when none is published)."""
        return self._calendar or WorkCalendar()

    @property
    def catalog(self) -> Catalog | None:
        """The published catalog, if any."""
        return self._catalog

    def closing(self, day: date) -> datetime:
        """When the hall closes on ``day``."""
        return datetime.combine(day, self.settings.hall_hours_range[1], self.tz)

    def in_hours(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in hall hours on a working day."""
        local = moment.astimezone(self.tz)
        opening, closing = self.settings.hall_hours_range
        return self.calendar.is_working_day(local.date()) and opening <= local.time() < closing


Check = Callable[[Connection, Scope], list[AlertDraft]]


def moment(stamp: Any) -> datetime | None:
    """A stored timestamp as an aware datetime, or None when missing or unreadable."""
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        parsed = parse_iso(stamp)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def local_day(stamp: Any, tz: tzinfo) -> date | None:
    """The hall date of a stored timestamp."""
    at = moment(stamp)
    return at.astimezone(tz).date() if at is not None else None


@dataclass(frozen=True)
class CaseWhere:
    """A condition on cases, once as SQL (the schedule's query) and once as the same test on a
    row (a batch's cases, read once for every rule)."""

    sql: Any
    keep: Callable[[dict[str, Any]], bool]


def case_in(column: str, values: Iterable[Any]) -> CaseWhere:
    """Cases whose ``column`` is one of ``values`` (never NULL)."""
    allowed = list(values)
    return CaseWhere(
        cases.c[column].in_(allowed), lambda row: row[column] is not None and row[column] in allowed
    )


def case_set(column: str) -> CaseWhere:
    """Cases whose ``column`` is not NULL."""
    return CaseWhere(cases.c[column].is_not(None), lambda row: row[column] is not None)


def case_rows(
    conn: Connection, scope: Scope, where: CaseWhere | None = None, *, recent: bool = True
) -> list[dict[str, Any]]:
    """The cases in scope matching ``where``, in case-number order: on the schedule, those
    changed in the last :data:`RECENT_DAYS` (every one with ``recent=False``), on ingest those
    the batch touched (read once per pass, each rule gets its own copies)."""
    query = select(cases).order_by(cases.c.project_no)
    if scope.project_nos is None:
        if where is not None:
            query = query.where(where.sql)
        if recent:
            query = query.where(cases.c.updated_at >= iso(scope.now - RECENT_DAYS))
        return [dict(r) for r in conn.execute(query).mappings()]
    if scope._batch_cases is None:
        wanted = sorted(scope.project_nos)
        found = query.where(any_of(cases.c.project_no, wanted))
        scope._batch_cases = [dict(r) for r in conn.execute(found).mappings()] if wanted else []
    return [dict(r) for r in scope._batch_cases if where is None or where.keep(r)]


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored, with its payload decoded."""

    device_id: str
    seq: int
    type: str
    clerk_id: str
    occurred_at: str
    received_at: str
    payload: dict[str, Any]

    def text(self, key: str) -> str | None:
        value = self.payload.get(key)
        return value if isinstance(value, str) else None


# What a StoredEvent is made of: the rules read these columns only (not the hashes, signature
# and the rest of the row), in this order.
_STORED_COLUMNS = (
    events.c.device_id,
    events.c.seq,
    events.c.type,
    events.c.clerk_id,
    events.c.occurred_at,
    events.c.received_at,
    events.c.envelope,
)


def stored_events(conn: Connection, query: Select[Any]) -> list[StoredEvent]:
    """Decode the events a ``select(events)`` query returns (its conditions and order; the
    columns are those a StoredEvent needs)."""
    rows = conn.execute(query.with_only_columns(*_STORED_COLUMNS, maintain_column_froms=True))
    return [StoredEvent(d, s, t, c, o, r, _payload(e)) for d, s, t, c, o, r, e in rows]


def _payload(envelope: str) -> dict[str, Any]:
    """The payload of a stored envelope; {} if it has none. orjson reads the canonical JSON the
    ledger stores (integers within 2**53 - 1, no lone surrogates) as the standard library does,
    several times as fast; anything it refuses is read by the standard library, as before."""
    try:
        value = orjson.loads(envelope)
    except ValueError:
        try:
            value = json.loads(envelope)
        except ValueError:
            return {}
    payload = value.get("payload") if isinstance(value, dict) else None
    return payload if isinstance(payload, dict) else {}


def events_of_types(conn: Connection, types: Iterable[str], since: str | None = None) -> list[StoredEvent]:
    """Stored main-chain events of ``types`` received at or after ``since``, in arrival order."""
    query = select(events).where(events.c.type.in_(sorted(types))).order_by(events.c.id)
    if since is not None:
        query = query.where(events.c.received_at >= since)
    return stored_events(conn, query)


def device_windows(conn: Connection) -> dict[str, tuple[str, int]]:
    """device_id -> (hall_code, window_no) of every enrolled window (kiosks are not windows)."""
    rows = conn.execute(
        select(devices.c.device_id, devices.c.hall_code, devices.c.window_no).where(
            devices.c.role == DeviceRole.WINDOW.value
        )
    )
    return {r.device_id: (r.hall_code, r.window_no) for r in rows}


def about_case(row: dict[str, Any]) -> dict[str, Any]:
    """The AlertDraft fields naming a case's device, window, clerk and department."""
    return {
        "device_id": row["device_id"],
        "project_no": row["project_no"],
        "window_no": row["window_no"],
        "clerk_id": row["clerk_id"] or None,
        "dept_code": row["dept_code"] or None,
    }


def hall_day_start(day: date, tz: tzinfo) -> datetime:
    """Midnight of ``day`` in the hall."""
    return datetime.combine(day, time(0), tz)
