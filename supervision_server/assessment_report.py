"""One period's assessment as the routes, the supervision page and the exports show it.

``report(conn, period, ...)`` reads the rows once and returns plain JSON values: the hall's
figures, the figures per window, clerk, department and category (with the score sheet's score),
the 三到位 indicators, and the labels to show them with. ``parse_period`` turns the query of a
request (``day``, ``month`` or ``start``/``end``) into a :class:`Period`.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from counter_app.domain.catalog import Catalog
from counter_app.domain.errors import DomainError
from supervision_server.assessment import DIMENSIONS, ScoreSheet, assess, hall_figures
from supervision_server.assessment_rows import Period, load_rows
from supervision_server.distribution import published_catalog
from supervision_server.indicators import indicators, load_register_rates
from supervision_server.timeutil import HALL_TZ

MAX_DAYS = 366


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DomainError(f"{name} 须为 YYYY-MM-DD 格式的日期", "ASSESSMENT_PERIOD") from exc


def parse_period(
    now: datetime,
    day: str | None = None,
    month: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Period:
    """The period a request asks for: a day, a month (YYYY-MM), a range, or today (hall time)."""
    if month:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise DomainError("month 须为 YYYY-MM 格式", "ASSESSMENT_PERIOD")
        year, number = int(month[:4]), int(month[5:])
        return Period(date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1]))
    if day:
        one = _day(day, "day")
        return Period(one, one)
    if start or end:
        if not (start and end):
            raise DomainError("start 和 end 须同时给出", "ASSESSMENT_PERIOD")
        first, last = _day(start, "start"), _day(end, "end")
        if last < first:
            raise DomainError("end 不能早于 start", "ASSESSMENT_PERIOD")
        if (last - first).days + 1 > MAX_DAYS:
            raise DomainError(f"一次最多统计 {MAX_DAYS} 天", "ASSESSMENT_PERIOD")
        return Period(first, last)
    today = now.astimezone(HALL_TZ).date()
    return Period(today, today)


def this_month(now: datetime) -> Period:
    """The hall's current month, from its first day to today."""
    today = now.astimezone(HALL_TZ).date()
    return Period(today.replace(day=1), today)


def labels(catalog: Catalog | None) -> dict[str, dict[str, str]]:
    """How keys are shown: window numbers, department and category names."""
    result: dict[str, dict[str, str]] = {"department": {}, "category": {}, "window": {}}
    if catalog is None:
        return result
    for dept in catalog.departments:
        result["department"][dept.code] = dept.name
        for window in dept.windows:
            result["window"].setdefault(str(window), dept.name)
    for category in catalog.categories:
        result["category"][category.prefix] = category.name
    return result


def report(
    conn: Connection,
    period: Period,
    now: datetime,
    sheet: ScoreSheet,
    dimensions: tuple[str, ...] = DIMENSIONS,
) -> dict[str, Any]:
    """The period's assessment as JSON values (see the module docstring)."""
    catalog = published_catalog(conn)
    rows = load_rows(conn, period, catalog)
    as_of = min(now, period.end_moment)
    registers = load_register_rates(conn, period.start, period.end)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "as_of": as_of.isoformat(),
        "hall_name": catalog.hall_name if catalog else "",
        "score_sheet": sheet.as_dict(),
        "hall": hall_figures(rows, as_of, sheet).as_dict(),
        "by": {d: [f.as_dict() for f in assess(rows, d, as_of, sheet)] for d in dimensions},
        "indicators": [i.as_dict() for i in indicators(catalog, rows, registers)] if catalog else [],
        "labels": labels(catalog),
    }
