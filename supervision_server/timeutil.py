"""Server time: one clock passed in everywhere, and one text form for stored timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

Clock = Callable[[], datetime]
HALL_TZ = timezone(timedelta(hours=8), "CST")  # the hall's days (China Standard Time)


def system_clock() -> datetime:
    """The current time in UTC (the default clock; tests pass their own)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """``moment`` in UTC as ISO 8601 with microseconds: fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("server timestamps must carry a time zone")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 time that carries an offset; ValueError if it has none."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("time without offset")
    return moment
