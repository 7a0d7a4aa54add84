"""The hall's working-day calendar and case deadlines (承诺办结时间).

A :class:`WorkCalendar` holds only the days that differ from the weekday rule: statutory holidays
(法定节假日), make-up workdays (调休上班) and days an administrator has overridden (a typhoon
closure, say). Any other date is a workday Monday to Friday and a weekend day on Saturday and
Sunday. Years the State Council has not published yet are never an error: their days follow the
weekday rule plus whatever estimated entries were loaded, and are marked ESTIMATED, so that a
deadline computed across them says so.

Conventions of :func:`promise_due`:

* The acceptance day does not count (受理当日不计入): a limit of *n* working days ends on the
  *n*-th working day after the day of acceptance. ``count_start_day=True`` counts it instead.
* A deadline falls due at the end of the hall day, 23:59:59 by default (``close_time``).
* A natural-day limit (自然日) ends *n* calendar days after acceptance; when that day is not a
  working day the deadline moves to the next working day, the usual rule for a time limit whose
  last day is a holiday.
* The clock stops during a suspension (特别程序 other than 延长审批): the working days (or, for a
  natural-day limit, the calendar days) after the suspension's start day up to and including its
  end day are added back, each day once even when suspensions overlap.
* A limit of 0 (即办件) falls due on the day of acceptance.

Times are the hall's wall-clock times and are always passed in: nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from counter_app.domain.errors import DomainError

END_OF_DAY = time(23, 59, 59)
# A stretch this long without one working day can only come from broken data.
_MAX_CLOSED_RUN = 366
_ONE_DAY = timedelta(days=1)


class CalendarError(DomainError):
    """Bad input to the calendar or to a deadline computation."""

    code = "CALENDAR"


class DayKind(StrEnum):
    """What a day is in the hall; the value is the stable code stored and sent to the server."""

    WORKDAY = "WORKDAY"
    WEEKEND = "WEEKEND"
    HOLIDAY = "HOLIDAY"  # 法定节假日, or any closure declared by an administrator
    MAKEUP_WORKDAY = "MAKEUP_WORKDAY"  # 调休上班: a Saturday or Sunday that is a working day


class DaySource(StrEnum):
    """Where a day's status comes from."""

    OFFICIAL = "OFFICIAL"  # the State Council's published schedule
    ESTIMATED = "ESTIMATED"  # rule-based: the schedule for the year is not published yet
    OVERRIDE = "OVERRIDE"  # set by an administrator of the hall


@dataclass(frozen=True)
class CalendarDay:
    """One date with its kind, its name (e.g. "春节", "国庆节调休上班", "" if ordinary) and source."""

    date: date
    kind: DayKind
    name: str = ""
    source: DaySource = DaySource.OFFICIAL

    def __post_init__(self) -> None:
        weekend = self.date.weekday() >= 5
        if self.kind in (DayKind.WEEKEND, DayKind.MAKEUP_WORKDAY) and not weekend:
            raise CalendarError(
                f"{self.date.isoformat()} 是周一至周五，不能标为周末或调休上班", "CALENDAR_BAD_DAY"
            )
        if self.kind is DayKind.WORKDAY and weekend:
            raise CalendarError(f"{self.date.isoformat()} 是周末，上班请标为调休上班", "CALENDAR_BAD_DAY")

    @property
    def is_working(self) -> bool:
        """Whether the hall is open for business that day."""
        return self.kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


class WorkCalendar:
    """Working days of the hall: listed special days over the Monday-to-Friday rule.

    When two entries name the same date an OVERRIDE entry wins over the others; otherwise the
    later entry wins.
    """

    def __init__(self, days: Iterable[CalendarDay] = (), official_years: Iterable[int] = ()) -> None:
        entries: dict[date, CalendarDay] = {}
        for day in days:
            current = entries.get(day.date)
            keep_current = current is not None and current.source is DaySource.OVERRIDE
            if not keep_current or day.source is DaySource.OVERRIDE:
                entries[day.date] = day
        self._entries = entries
        self._official_years = frozenset(official_years)

    @property
    def official_years(self) -> frozenset[int]:
        """Years whose schedule is the State Council's published one."""
        return self._official_years

    @property
    def entries(self) -> tuple[CalendarDay, ...]:
        """The listed days in date order, as stored in the hall's calendar table."""
        return tuple(self._entries[d] for d in sorted(self._entries))

    def day(self, d: date) -> CalendarDay:
        """The calendar's view of date ``d``: its entry, or the weekday rule if it has none."""
        entry = self._entries.get(d)
        if entry is not None:
            return entry
        kind = DayKind.WEEKEND if d.weekday() >= 5 else DayKind.WORKDAY
        source = DaySource.OFFICIAL if d.year in self._official_years else DaySource.ESTIMATED
        return CalendarDay(d, kind, "", source)

    def is_working_day(self, d: date) -> bool:
        """Whether the hall works on date ``d``."""
        entry = self._entries.get(d)
        return entry.is_working if entry is not None else d.weekday() < 5

    def add_working_days(self, start: date, n: int, *, count_start_day: bool = False) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself for ``n == 0``).

        The start day does not count (受理当日不计入) unless ``count_start_day`` is set, in which
        case a working ``start`` is the first of the ``n`` days.
        """
        if n < 0:
            raise CalendarError(f"工作日数不能为负数：{n}", "CALENDAR_BAD_LIMIT")
        if n == 0:
            return start
        remaining = n
        if count_start_day and self.is_working_day(start):
            remaining -= 1
        current, closed_run = start, 0
        while remaining > 0:
            current += _ONE_DAY
            if self.is_working_day(current):
                remaining, closed_run = remaining - 1, 0
            else:
                closed_run += 1
                if closed_run > _MAX_CLOSED_RUN:
                    raise CalendarError("日历中一年以上没有工作日，请检查日历数据", "CALENDAR_NO_WORKING_DAY")
        return current

    def next_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, otherwise the first working day after it."""
        if self.is_working_day(d):
            return d
        return self.add_working_days(d, 1)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``.

        It is the inverse of :meth:`add_working_days`: if ``add_working_days(a, n) == b`` then
        ``working_days_between(a, b) == n``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        return sum(1 for d in _days(a + _ONE_DAY, b) if self.is_working_day(d))

    def estimated_in(self, first: date, last: date) -> bool:
        """Whether any day from ``first`` to ``last`` (both included) is ESTIMATED (as
        :meth:`day` tells it, without making a CalendarDay for each unlisted date)."""
        entries, official = self._entries, self._official_years
        for d in _days(first, last):
            entry = entries.get(d)
            if entry is not None:
                if entry.source is DaySource.ESTIMATED:
                    return True
            elif d.year not in official:
                return True
        return False

    def with_override(self, day: CalendarDay) -> WorkCalendar:
        """A new calendar in which ``day`` replaces the date's status, marked OVERRIDE."""
        override = day if day.source is DaySource.OVERRIDE else replace(day, source=DaySource.OVERRIDE)
        return WorkCalendar((*self._entries.values(), override), self._official_years)


def _days(first: date, last: date) -> Iterable[date]:
    d = first
    while d <= last:
        yield d
        d += _ONE_DAY


class LimitUnit(StrEnum):
    """Unit of a time limit (时限单位); the value is the stable code stored."""

    WORKING_DAY = "WORKING_DAY"
    NATURAL_DAY = "NATURAL_DAY"

    @property
    def label(self) -> str:
        """The unit as printed on notices."""
        return "工作日" if self is LimitUnit.WORKING_DAY else "自然日"


@dataclass(frozen=True)
class TimeLimit:
    """A time limit such as 承诺时限 "5 工作日"; a value of 0 means 即办 (decided on the spot)."""

    value: int
    unit: LimitUnit = LimitUnit.WORKING_DAY

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 0:
            raise CalendarError(f"时限必须是不小于0的整数：{self.value!r}", "CALENDAR_BAD_LIMIT")

    @property
    def immediate(self) -> bool:
        """Whether this is 即办: due on the day of acceptance."""
        return self.value == 0

    def __str__(self) -> str:
        return "即办" if self.immediate else f"{self.value}{self.unit.label}"


@dataclass(frozen=True)
class Deadline:
    """A computed 承诺办结时间 and how it was reached.

    ``estimated`` is True when a day that decided the result belongs to a year whose official
    schedule was not known. The suspended counts are the days inside 特别程序 periods; the
    working days are added back for a working-day limit, the natural days for a natural-day one.
    """

    due: datetime
    estimated: bool
    working_days_suspended: int = 0
    natural_days_suspended: int = 0


def promise_due(
    accepted_at: datetime,
    limit: TimeLimit,
    calendar: WorkCalendar,
    suspensions: Sequence[tuple[datetime, datetime | None]] = (),
    now: datetime | None = None,
    *,
    count_start_day: bool = False,
    close_time: time = END_OF_DAY,
) -> Deadline:
    """The 承诺办结时间 of a case accepted at ``accepted_at`` under ``limit``.

    ``suspensions`` are the clock-stopping 特别程序 periods as ``(start, end)``; pass only those
    that stop the clock (延长审批 extends the limit instead). An open period (``end`` None) runs
    up to ``now``, which is then required. See the module docstring for the counting rules.
    """
    periods = _closed_periods(accepted_at, suspensions, now)
    start = accepted_at.date()
    suspended: set[date] = set()
    for s, e in periods:
        suspended.update(_days(s.date() + _ONE_DAY, e.date()))
    working_suspended = sum(1 for d in suspended if calendar.is_working_day(d))

    # The spans whose status in the calendar decided the result, for the ``estimated`` flag.
    consulted: list[tuple[date, date]] = []
    if limit.unit is LimitUnit.WORKING_DAY:
        base = calendar.add_working_days(start, limit.value, count_start_day=count_start_day)
        due_day = calendar.add_working_days(base, working_suspended)
        walk_from = (start if count_start_day else start + _ONE_DAY) if limit.value else base + _ONE_DAY
        consulted.append((walk_from, due_day))
        consulted.extend((s.date() + _ONE_DAY, e.date()) for s, e in periods)
    elif limit.value == 0 and not suspended:
        due_day = start  # 即办: the same day, whatever the calendar says
    else:
        offset = limit.value + len(suspended) - (1 if count_start_day and limit.value else 0)
        landing = start + timedelta(days=offset)
        due_day = calendar.next_working_day(landing)
        consulted.append((landing, due_day))
    return Deadline(
        due=datetime.combine(due_day, close_time, tzinfo=accepted_at.tzinfo),
        estimated=any(calendar.estimated_in(a, b) for a, b in consulted),
        working_days_suspended=working_suspended,
        natural_days_suspended=len(suspended),
    )


def _closed_periods(
    accepted_at: datetime,
    suspensions: Sequence[tuple[datetime, datetime | None]],
    now: datetime | None,
) -> list[tuple[datetime, datetime]]:
    """Suspensions with open ends closed at ``now``, checked and in the acceptance's time zone."""
    periods: list[tuple[datetime, datetime]] = []
    for start, end in suspensions:
        if end is None:
            if now is None:
                raise CalendarError("特别程序尚未结束，计算期限需要当前时间", "CALENDAR_NOW_REQUIRED")
            end = now
        start, end = _same_zone(accepted_at, start), _same_zone(accepted_at, end)
        if start < accepted_at:
            raise CalendarError(
                f"特别程序开始时间 {start:%Y-%m-%d %H:%M} 早于受理时间 {accepted_at:%Y-%m-%d %H:%M}",
                "CALENDAR_BAD_SUSPENSION",
            )
        if end < start:
            raise CalendarError(
                f"特别程序结束时间 {end:%Y-%m-%d %H:%M} 早于开始时间 {start:%Y-%m-%d %H:%M}",
                "CALENDAR_BAD_SUSPENSION",
            )
        periods.append((start, end))
    return periods


def _same_zone(reference: datetime, value: datetime) -> datetime:
    """``value`` in ``reference``'s time zone, so that calendar dates are the hall's dates."""
    if (reference.tzinfo is None) != (value.tzinfo is None):
        raise CalendarError("时间不能混用带时区和不带时区的格式", "CALENDAR_BAD_TIME")
    return value if reference.tzinfo is None else value.astimezone(reference.tzinfo)
