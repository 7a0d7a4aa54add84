"""Catalog (事项目录) and hall calendar handed to the counters as versioned JSON documents.

Every publication is a new row in ``documents`` (never an update): ``version`` counts up per
document, the body is stored as the exact bytes served, and the ETag is the SHA-256 of those
bytes, so it is strong and a counter's ``If-None-Match`` gets 304 while nothing changed.
Publishing a document equal to the current one creates no version.

* The catalog body is the catalog itself, in the format of :mod:`counter_app.domain.catalog`
  (checked with ``load_catalog`` before it is stored).
* The calendar body is the document of :mod:`counter_app.domain.calendar_document` (checked
  with ``calendar_from_document`` before it is stored). It is seeded at first start from
  :mod:`counter_app.calendar_source`; an administrator overrides single days.

Every version is served with the server's Ed25519 signature over its name, version and the
SHA-256 of its bytes (:mod:`counter_app.ledger.document`), the key that signs ack receipts: a
window refuses a body that was altered on the way. Ed25519 signatures are deterministic, so the
signature is made when a version is served or published and needs no column of its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from counter_app import calendar_source
from counter_app.domain.calendar import CalendarDay, CalendarError, DayKind, DaySource, WorkCalendar
from counter_app.domain.calendar_document import CALENDAR_FORMAT, calendar_from_document, day_entry
from counter_app.domain.catalog import Catalog, load_catalog
from counter_app.domain.errors import ValidationError
from counter_app.ledger import DeviceKey, DocumentSignature, sign_document
from supervision_server.errors import ApiError
from supervision_server.schema import documents
from supervision_server.timeutil import iso

CATALOG = "catalog"
CALENDAR = "calendar"
DEMO_CATALOG = Path(__file__).resolve().parent.parent / "resources" / "catalog" / "demo_catalog.json"


@dataclass(frozen=True)
class Published:
    """One stored version of a document."""

    name: str
    version: int
    etag: str
    body: bytes
    published_at: str

    @property
    def etag_header(self) -> str:
        """The strong ETag as sent in the header (quoted)."""
        return f'"{self.etag}"'

    def document(self) -> Any:
        """The body parsed back into JSON values."""
        return json.loads(self.body)

    def signed(self, server_key: DeviceKey) -> DocumentSignature:
        """The server's signature on this version, as a window verifies it."""
        return sign_document(self.name, self.version, self.body, server_key)


_parsed: dict[str, tuple[str, Any]] = {}  # document name -> (etag, parsed body)


def _parsed_latest(conn: Connection, name: str, parse: Callable[[Any], Any]) -> Any:
    """The latest version of ``name`` parsed once per version: each call reads only its etag,
    the body only when it changed. None if none is published."""
    etag = conn.execute(
        select(documents.c.etag).where(documents.c.name == name).order_by(documents.c.version.desc()).limit(1)
    ).scalar()
    if etag is None:
        return None
    cached = _parsed.get(name)
    if cached is None or cached[0] != etag:
        published = latest(conn, name)
        assert published is not None
        cached = (published.etag, parse(json.loads(published.body)))
        _parsed[name] = cached
    return cached[1]


def published_catalog(conn: Connection) -> Catalog | None:
    """The current catalog, parsed once per version (the body is 100+ KB). None if none is published."""
    found: Catalog | None = _parsed_latest(conn, CATALOG, lambda body: load_catalog(body, "服务器事项目录"))
    return found


def published_calendar(conn: Connection) -> WorkCalendar | None:
    """The current working-day calendar, parsed once per version. None if none is published."""
    found: WorkCalendar | None = _parsed_latest(conn, CALENDAR, calendar_from_document)
    return found


def _serialise(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def latest(conn: Connection, name: str) -> Published | None:
    """The current version of ``name``, or None if it was never published."""
    row = conn.execute(
        select(documents).where(documents.c.name == name).order_by(documents.c.version.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return Published(row.name, row.version, row.etag, row.body.encode("utf-8"), row.published_at)


def publish(conn: Connection, name: str, document: Any, now: datetime, by: str) -> tuple[Published, bool]:
    """Store ``document`` as the next version of ``name``; returns it and whether it is new."""
    current = latest(conn, name)
    if current is not None and _same(name, current.document(), document):
        return current, False
    version = 1 if current is None else current.version + 1
    if name == CALENDAR:
        document = {**document, "version": version}
        check_calendar(document)
    body = _serialise(document)
    etag = hashlib.sha256(body).hexdigest()
    conn.execute(
        documents.insert().values(
            name=name,
            version=version,
            etag=etag,
            body=body.decode("utf-8"),
            published_at=iso(now),
            published_by=by,
        )
    )
    return Published(name, version, etag, body, iso(now)), True


def _same(name: str, old: Any, new: Any) -> bool:
    if name == CALENDAR and isinstance(old, dict) and isinstance(new, dict):
        return {k: v for k, v in old.items() if k != "version"} == {
            k: v for k, v in new.items() if k != "version"
        }
    return bool(old == new)


def etag_matches(if_none_match: str | None, current: Published) -> bool:
    """Whether an ``If-None-Match`` header names the current version (weak comparison, RFC 9110)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return current.etag_header in tags


def check_catalog(document: Any) -> None:
    """Raise ApiError 422 CATALOG_INVALID listing every problem ``load_catalog`` finds."""
    if not isinstance(document, dict):
        raise ApiError(422, "CATALOG_INVALID", "事项目录必须是 JSON 对象")
    try:
        load_catalog(document, "上传的事项目录")
    except ValidationError as exc:
        issues = [i.as_dict() for i in exc.issues]
        raise ApiError(
            422, "CATALOG_INVALID", f"事项目录有 {len(issues)} 处问题：{exc.message}", issues=issues
        ) from exc


def check_calendar(document: Any) -> None:
    """Raise ApiError 422 CALENDAR_INVALID unless a window could use ``document``."""
    try:
        calendar_from_document(document)
    except CalendarError as exc:
        raise ApiError(422, "CALENDAR_INVALID", exc.message) from exc


def publish_demo_catalog(conn: Connection, now: datetime) -> bool:
    """Publish the demo catalog shipped in resources/ if no catalog is stored yet."""
    if latest(conn, CATALOG) is not None or not DEMO_CATALOG.exists():
        return False
    document = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    check_catalog(document)
    publish(conn, CATALOG, document, now, "demo")
    return True


def seed_calendar_document(first_year: int, last_year: int) -> dict[str, Any]:
    """The calendar for ``first_year``..``last_year`` from the maintained holiday data."""
    days = calendar_source.seed_days(first_year, last_year)
    years = calendar_source.official_years(first_year, last_year)
    return {"format": CALENDAR_FORMAT, "official_years": sorted(years), "days": [day_entry(d) for d in days]}


def ensure_calendar(conn: Connection, now: datetime, years_back: int, years_ahead: int) -> bool:
    """Seed the calendar at first start; returns whether it did."""
    if latest(conn, CALENDAR) is not None:
        return False
    document = seed_calendar_document(now.year - years_back, now.year + years_ahead)
    publish(conn, CALENDAR, document, now, "seed")
    return True


def override_day(conn: Connection, day: date, kind: str, name: str, now: datetime, by: str) -> Published:
    """Publish a new calendar version in which ``day`` is ``kind`` (source OVERRIDE)."""
    try:
        entry = CalendarDay(day, DayKind(kind), name, DaySource.OVERRIDE)
    except ValueError as exc:
        kinds = "、".join(k.value for k in DayKind)
        raise ApiError(422, "CALENDAR_BAD_DAY", f"日期类型无效，可选：{kinds}") from exc
    except CalendarError as exc:
        raise ApiError(422, exc.code, exc.message) from exc
    current = latest(conn, CALENDAR)
    base: dict[str, Any] = (
        current.document() if current else {"format": CALENDAR_FORMAT, "official_years": []}
    )
    days = {d["date"]: d for d in base.get("days", [])}
    days[day.isoformat()] = day_entry(entry)
    document = {**base, "days": [days[k] for k in sorted(days)]}
    published, _ = publish(conn, CALENDAR, document, now, by)
    return published
