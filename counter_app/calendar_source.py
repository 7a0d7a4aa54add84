"""Seed data for the hall calendar, taken from the ``holidays`` package (``holidays.China``).

The calendar table in the database is the authority for working days: the server keeps it,
administrators override days in it, and counters pull it. This module only produces its first
rows and the rows for a new year; nothing computes a deadline from the package directly.

The package carries the State Council's yearly notice (国务院办公厅关于部分节假日安排的通知) as
explicit special days for each year it covers. For a year the State Council has not published
yet it silently returns rule-based holidays (the statutory days, weekend ones moved to the next
Monday) and no make-up workdays (调休上班). Those holidays are kept, marked ESTIMATED, so that
deadlines crossing them say they are estimates until the year's notice is loaded.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import holidays
from holidays.constants import PUBLIC

from counter_app.domain.calendar import CalendarDay, DayKind, DaySource, WorkCalendar

# The package's labels for a day off substituted from a weekend, and for its rule-based days.
_SUBSTITUTED = re.compile(r"^休息日（由 (\d{4}-\d{2}-\d{2}) 调休）$")
_QUALIFIER = re.compile(r"（(?:补假|推定|补假，推定)）$")
# Notices name a whole run of days off after its festivals, in this order ("国庆节、中秋节");
# the eve and the 2020 extension belong to the Spring Festival run.
_FESTIVAL_OF = {"农历除夕": "春节", "春节延长假期": "春节"}
_ORDER = ("元旦", "春节", "清明节", "劳动节", "端午节", "国庆节", "中秋节")
_MAKEUP_SUFFIX = "调休上班"


def _china(years: range) -> holidays.HolidayBase:
    """Public holidays of mainland China for exactly ``years``, named in Simplified Chinese."""
    return holidays.China(years=years, categories=(PUBLIC,), language="zh_CN", expand=False)


def _join(names: list[str]) -> str:
    """Distinct ``names`` in the notices' order, joined as they write them."""
    distinct = list(dict.fromkeys(names))
    distinct.sort(key=lambda name: _ORDER.index(name) if name in _ORDER else len(_ORDER))
    return "、".join(distinct)


def _check_years(first_year: int, last_year: int) -> range:
    if first_year > last_year:
        raise ValueError(f"first_year {first_year} is after last_year {last_year}")
    return range(first_year, last_year + 1)


def official_years(first_year: int, last_year: int) -> frozenset[int]:
    """The years from ``first_year`` to ``last_year`` whose published schedule the package holds.

    A year counts as official when the package lists special days for it: the days off and
    make-up workdays of the State Council's notice for that year. Every other year is estimated.
    """
    years = _check_years(first_year, last_year)
    published = getattr(_china(range(0)), "special_public_holidays", {})
    return frozenset(year for year in years if published.get(year))


def seed_days(first_year: int, last_year: int) -> list[CalendarDay]:
    """Holiday and make-up workday entries for ``first_year`` to ``last_year``, in date order.

    Days of official years are OFFICIAL, the others ESTIMATED (see :func:`official_years`).
    Ordinary workdays and weekends get no entry: the weekday rule covers them.
    """
    official = official_years(first_year, last_year)
    # A neighbouring year's notice may move a workday across New Year, and a run of days off
    # may span it: load one year either side.
    source = _china(range(first_year - 1, last_year + 2))
    first, last = date(first_year, 1, 1), date(last_year, 12, 31)

    def in_range(d: date) -> bool:
        return first <= d <= last

    def origin(d: date) -> DaySource:
        return DaySource.OFFICIAL if d.year in official else DaySource.ESTIMATED

    substituted_for: dict[date, date] = {}  # make-up workday -> the day off it pays for
    names: dict[date, list[str]] = {}
    for day in sorted(source):
        for label in source.get_list(day):
            if match := _SUBSTITUTED.match(label):
                substituted_for[date.fromisoformat(match.group(1))] = day
            else:
                names.setdefault(day, []).append(_QUALIFIER.sub("", label))

    def closed(d: date) -> bool:
        return d in source or (d.weekday() >= 5 and d not in source.weekend_workdays)

    def festival(d: date) -> str:
        """The festivals of the run of closed days around ``d``, as the notices name them."""
        start, end = d, d
        while closed(start - timedelta(days=1)):
            start -= timedelta(days=1)
        while closed(end + timedelta(days=1)):
            end += timedelta(days=1)
        run = (names[x] for x in sorted(names) if start <= x <= end)
        return _join([_FESTIVAL_OF.get(name, name) for day_names in run for name in day_names])

    entries: list[CalendarDay] = []
    for day in sorted(source):
        if in_range(day):
            name = _join(names[day]) if day in names else festival(day)
            entries.append(CalendarDay(day, DayKind.HOLIDAY, name, origin(day)))
    for day in sorted(source.weekend_workdays):
        if in_range(day) and day.weekday() >= 5 and day not in source:
            day_off = substituted_for.get(day)
            name = (festival(day_off) if day_off else "") + _MAKEUP_SUFFIX
            entries.append(CalendarDay(day, DayKind.MAKEUP_WORKDAY, name, origin(day)))
    return sorted(entries, key=lambda entry: entry.date)


def build_calendar(first_year: int, last_year: int) -> WorkCalendar:
    """A calendar seeded from the package for ``first_year`` to ``last_year``.

    Meant for a new database or a new year; afterwards the calendar table is the authority.
    """
    return WorkCalendar(seed_days(first_year, last_year), official_years(first_year, last_year))
