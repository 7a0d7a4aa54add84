"""Dates and times typed on the command line, refused with a code and a Chinese message.

A mistyped month or a word where a date belongs is a person's mistake, not a bug: it ends with
exit status 2 and says what form is expected, never with INTERNAL.
"""

from __future__ import annotations

from datetime import date, datetime

from counter_app.domain.errors import DomainError
from counter_app.services.clock import HALL_TZ


def parse_day(text: str, option: str) -> date:
    """``YYYY-MM-DD``; DomainError DATE_INVALID otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(
            f"{option} 的值「{text}」不是有效的日期，请按 2026-11-25 的格式填写", "DATE_INVALID"
        ) from None


def parse_month(text: str, option: str) -> date:
    """``YYYY-MM``, as the first day of that month; DomainError MONTH_INVALID otherwise."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise DomainError(
            f"{option} 的值「{text}」不是有效的月份，请按 2026-11 的格式填写", "MONTH_INVALID"
        ) from None


def parse_moment(text: str, option: str) -> datetime:
    """A date and time (``2026-11-25T10:00`` or ``2026-11-25 10:00``; a bare date is midnight),
    in the hall's time zone unless an offset is given; DomainError TIME_INVALID otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(
            f"{option} 的值「{text}」不是有效的时间，请按 2026-11-25T10:00 的格式填写", "TIME_INVALID"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=HALL_TZ)
