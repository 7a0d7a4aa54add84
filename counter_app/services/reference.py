"""Reference data a window works from: the service catalog and the hall calendar.

Both live in the local database, so a window starts and works with the server unreachable.
The server is the authority; until a window has met it, the catalog comes from an import and
the calendar from the seed in :mod:`counter_app.calendar_source`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from counter_app import calendar_source
from counter_app.domain.calendar import CalendarDay, CalendarError, DayKind, DaySource, WorkCalendar
from counter_app.domain.calendar_document import calendar_from_document
from counter_app.domain.catalog import Catalog, dump_catalog, load_catalog
from counter_app.domain.errors import DomainError
from counter_app.store import calendar_changes, schema
from counter_app.store.calendar_changes import CALENDAR_DOC, OFFICIAL_YEARS_KEY
from counter_app.store.prepared import Executor, Prepared, select_where
from counter_app.store.uow import UnitOfWork

CATALOG_DOC = "catalog"
log = logging.getLogger(__name__)


class ReferenceMissing(DomainError):
    """No catalog has been imported or fetched yet."""

    code = "CATALOG_MISSING"


def store_catalog(uow: UnitOfWork, catalog: Catalog, at: datetime, etag: str = "") -> str:
    """Keep ``catalog`` as the window's current catalog; returns its content hash."""
    body = json.dumps(dump_catalog(catalog), ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    uow.conn.execute(schema.documents.delete().where(schema.documents.c.name == CATALOG_DOC))
    uow.conn.execute(
        schema.documents.insert().values(
            name=CATALOG_DOC,
            version=str(catalog.version),
            etag=etag or digest,
            body=body,
            stored_at=at.isoformat(timespec="seconds"),
        )
    )
    return digest


_catalog_cache: dict[str, Catalog] = {}
_DOCUMENT_ETAG = select_where(schema.documents, ("etag",), "name")
_DOCUMENT_BODY = select_where(schema.documents, ("etag", "body"), "name")


def current_catalog(conn: Executor) -> Catalog:
    """The catalog in the local database (parsed once per stored version: the etag is read on
    every call, the body only when the etag is new)."""
    etag = _DOCUMENT_ETAG.scalar(conn, {"name": CATALOG_DOC})
    cached = _catalog_cache.get(etag) if etag is not None else None
    if cached is not None:
        return cached
    row = _DOCUMENT_BODY.first(conn, {"name": CATALOG_DOC})
    if row is None:
        raise ReferenceMissing("尚未导入事项目录，请先运行 counter import-catalog")
    cached = load_catalog(json.loads(row[1]), "本地事项目录")
    _catalog_cache.clear()
    _catalog_cache[row[0]] = cached
    return cached


def seed_calendar(uow: UnitOfWork, first_year: int, last_year: int, at: datetime) -> int:
    """Fill the calendar table from the maintained holiday data; admin overrides are kept."""
    overrides = {
        r.day
        for r in uow.conn.execute(
            select(schema.calendar_days.c.day).where(
                schema.calendar_days.c.source == DaySource.OVERRIDE.value
            )
        )
    }
    uow.conn.execute(
        schema.calendar_days.delete().where(schema.calendar_days.c.source != DaySource.OVERRIDE.value)
    )
    days = [
        d for d in calendar_source.seed_days(first_year, last_year) if d.date.isoformat() not in overrides
    ]
    if days:
        uow.conn.execute(
            schema.calendar_days.insert(),
            [_day_row(d, at) for d in days],
        )
    years = sorted(calendar_source.official_years(first_year, last_year))
    uow.put_setting(OFFICIAL_YEARS_KEY, years)
    return len(days)


def override_day(uow: UnitOfWork, day: date, kind: DayKind, name: str, at: datetime) -> CalendarDay:
    """An administrator's decision about one day (a typhoon closure, a late-announced 调休)."""
    entry = CalendarDay(day, kind, name, DaySource.OVERRIDE)
    uow.conn.execute(schema.calendar_days.delete().where(schema.calendar_days.c.day == day.isoformat()))
    uow.conn.execute(schema.calendar_days.insert().values(**_day_row(entry, at)))
    return entry


# The built calendar under its database's token and count of calendar changes: whoever changes
# the tables it comes from (this process, another one, an administrator's SQL) moves the count,
# and the next read builds it again.
_calendar_cache: dict[tuple[str, int], WorkCalendar] = {}


def current_calendar(conn: Executor) -> WorkCalendar:
    """The hall calendar: the server's published calendar once one was pulled, signed and
    checked (it is the authority), else the local seed; this window's own overrides are laid on
    top of either. Built once per state of the tables it comes from."""
    key = calendar_changes.state(conn)
    cached = _calendar_cache.get(key)
    if cached is None:
        cached = _build_calendar(conn)
        if len(_calendar_cache) >= 4:
            _calendar_cache.clear()
        _calendar_cache[key] = cached
    return cached


_CALENDAR_DAYS = Prepared(
    select(
        schema.calendar_days.c.day,
        schema.calendar_days.c.kind,
        schema.calendar_days.c.name,
        schema.calendar_days.c.source,
    )
)
_DOCUMENT = select_where(schema.documents, ("body",), "name")
_SETTING = select_where(schema.settings, ("value",), "key")


def _build_calendar(conn: Executor) -> WorkCalendar:
    local = [
        CalendarDay(date.fromisoformat(day), DayKind(kind), name, DaySource(source))
        for day, kind, name, source in _CALENDAR_DAYS.all(conn)
    ]
    published = _DOCUMENT.scalar(conn, {"name": CALENDAR_DOC})
    if published:
        try:
            server = calendar_from_document(json.loads(published))
        except (ValueError, CalendarError) as exc:
            # Only a copy cached before downloads were checked can fail here: the seed serves
            # until a valid calendar arrives, so intake never stops on it.
            log.warning("cached server calendar ignored: %s", exc)
        else:
            overrides = [d for d in local if d.source is DaySource.OVERRIDE]
            return WorkCalendar([*server.entries, *overrides], server.official_years)
    years_row = _SETTING.scalar(conn, {"key": OFFICIAL_YEARS_KEY})
    return WorkCalendar(local, json.loads(years_row) if years_row else [])


def _day_row(day: CalendarDay, at: datetime) -> dict[str, Any]:
    return {
        "day": day.date.isoformat(),
        "kind": day.kind.value,
        "name": day.name,
        "source": day.source.value,
        "updated_at": at.isoformat(timespec="seconds"),
    }
