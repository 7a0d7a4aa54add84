"""The hall calendar, its seed from ``holidays`` and case deadlines (承诺办结时间).

Expected dates are counted by hand on a printed 2026 calendar against the State Council's notice
(国务院办公厅关于2026年部分节假日安排的通知).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import holidays
import pytest

from counter_app.calendar_source import build_calendar, official_years, seed_days
from counter_app.domain.calendar import (
    END_OF_DAY,
    CalendarDay,
    CalendarError,
    DayKind,
    DaySource,
    LimitUnit,
    TimeLimit,
    WorkCalendar,
    promise_due,
)
from counter_app.domain.errors import DomainError

WD = LimitUnit.WORKING_DAY
ND = LimitUnit.NATURAL_DAY


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return build_calendar(2025, 2027)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute)


def due(month: int, day: int, year: int = 2026) -> datetime:
    return datetime.combine(date(year, month, day), END_OF_DAY)


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- The 2026 schedule -------------------------------------------------------------------------

# (festival, first day off, last day off, make-up workdays) as the notice states them.
SCHEDULE_2026 = [
    ("元旦", d(1, 1), d(1, 3), [d(1, 4)]),
    ("春节", d(2, 15), d(2, 23), [d(2, 14), d(2, 28)]),
    ("清明节", d(4, 4), d(4, 6), []),
    ("劳动节", d(5, 1), d(5, 5), [d(5, 9)]),
    ("端午节", d(6, 19), d(6, 21), []),
    ("中秋节", d(9, 25), d(9, 27), []),
    ("国庆节", d(10, 1), d(10, 7), [d(9, 20), d(10, 10)]),
]


@pytest.mark.parametrize(("festival", "first", "last", "makeup"), SCHEDULE_2026)
def test_2026_schedule_matches_the_notice(
    cal: WorkCalendar, festival: str, first: date, last: date, makeup: list[date]
) -> None:
    for day in span(first, last):
        assert not cal.is_working_day(day), day
        assert cal.day(day).source is DaySource.OFFICIAL
    assert cal.is_working_day(first - timedelta(days=1))
    assert cal.is_working_day(last + timedelta(days=1))
    for day in makeup:
        entry = cal.day(day)
        assert day.weekday() >= 5
        assert entry.kind is DayKind.MAKEUP_WORKDAY and entry.is_working
        assert entry.name == f"{festival}调休上班"
        assert entry.source is DaySource.OFFICIAL


def test_2026_spring_festival_is_nine_days_with_named_days_off(cal: WorkCalendar) -> None:
    days = span(d(2, 15), d(2, 23))
    assert len(days) == 9
    assert [cal.day(x).kind for x in days] == [
        DayKind.WEEKEND,  # 15 Sun
        *[DayKind.HOLIDAY] * 5,  # 16 除夕 .. 20 (调休 from Feb 14)
        DayKind.WEEKEND,
        DayKind.WEEKEND,  # 21, 22
        DayKind.HOLIDAY,  # 23 Mon (调休 from Feb 28)
    ]
    assert cal.day(d(2, 16)).name == "农历除夕"
    assert {cal.day(x).name for x in (d(2, 17), d(2, 20), d(2, 23))} == {"春节"}


def test_2026_has_exactly_the_notice_exceptions(cal: WorkCalendar) -> None:
    year = span(d(1, 1), d(12, 31))
    closed_weekdays = [x for x in year if x.weekday() < 5 and not cal.is_working_day(x)]
    open_weekends = [x for x in year if x.weekday() >= 5 and cal.is_working_day(x)]
    assert closed_weekdays == [
        *[d(1, 1), d(1, 2)],
        *[d(2, 16), d(2, 17), d(2, 18), d(2, 19), d(2, 20), d(2, 23)],
        d(4, 6),
        *[d(5, 1), d(5, 4), d(5, 5)],
        d(6, 19),
        d(9, 25),
        *[d(10, 1), d(10, 2), d(10, 5), d(10, 6), d(10, 7)],
    ]
    assert open_weekends == [d(1, 4), d(2, 14), d(2, 28), d(5, 9), d(9, 20), d(10, 10)]
    # 261 weekdays - 19 closed + 6 make-up days.
    assert cal.working_days_between(date(2025, 12, 31), d(12, 31)) == 248


def test_seed_agrees_with_the_package_day_by_day() -> None:
    calendar = build_calendar(2020, 2026)
    package = holidays.China(years=range(2019, 2028))
    for day in span(date(2020, 1, 1), date(2026, 12, 31)):
        assert calendar.is_working_day(day) == package.is_working_day(day), day


def test_official_years_end_where_the_notices_end() -> None:
    assert official_years(2025, 2027) == {2025, 2026}
    assert official_years(2001, 2026) == set(range(2001, 2027))
    assert 2000 not in official_years(1999, 2001)
    with pytest.raises(ValueError):
        official_years(2027, 2026)


def test_2027_is_rule_based_and_estimated(cal: WorkCalendar) -> None:
    entries_2027 = seed_days(2027, 2027)
    assert entries_2027 and all(e.source is DaySource.ESTIMATED for e in entries_2027)
    assert all(e.kind is DayKind.HOLIDAY for e in entries_2027)  # no 调休 published yet
    assert cal.day(date(2027, 1, 1)).kind is DayKind.HOLIDAY
    plain_2027 = CalendarDay(date(2027, 1, 4), DayKind.WORKDAY, "", DaySource.ESTIMATED)
    assert cal.day(date(2027, 1, 4)) == plain_2027
    # Beyond the seeded years: the weekday rule, still never an error.
    assert cal.day(date(2031, 3, 1)).kind is DayKind.WEEKEND
    assert cal.day(date(2031, 3, 1)).source is DaySource.ESTIMATED


def test_seed_entries_are_sorted_unique_and_inside_the_years() -> None:
    dates = [e.date for e in seed_days(2026, 2026)]
    assert dates == sorted(set(dates)) and {x.year for x in dates} == {2026}


# --- Working-day arithmetic --------------------------------------------------------------------


def test_add_working_days_skips_the_spring_festival_and_counts_makeup_days(cal: WorkCalendar) -> None:
    # Thu Feb 12: 13 Fri, 14 Sat (make-up), then 24, 25, 26.
    assert cal.add_working_days(d(2, 12), 5) == d(2, 26)
    assert cal.add_working_days(d(2, 13), 5) == d(2, 27)
    # Tue Feb 24: 25, 26, 27, then Sat Feb 28 is a make-up workday.
    assert cal.add_working_days(d(2, 24), 4) == d(2, 28)
    assert cal.add_working_days(d(2, 24), 5) == d(3, 2)


def test_working_days_between_is_the_inverse(cal: WorkCalendar) -> None:
    assert cal.working_days_between(d(2, 12), d(2, 26)) == 5
    assert cal.working_days_between(d(2, 26), d(2, 12)) == -5
    assert cal.working_days_between(d(2, 12), d(2, 12)) == 0
    for n in range(0, 40, 3):
        assert cal.working_days_between(d(9, 10), cal.add_working_days(d(9, 10), n)) == n


def test_count_start_day_option(cal: WorkCalendar) -> None:
    assert cal.add_working_days(d(2, 12), 5, count_start_day=True) == d(2, 25)
    # A closed start day cannot count: Sun Feb 15 -> 24, 25, 26, 27, 28.
    assert cal.add_working_days(d(2, 15), 5, count_start_day=True) == d(2, 28)
    assert cal.add_working_days(d(2, 12), 0, count_start_day=True) == d(2, 12)


def test_estimated_in_marks_days_of_unpublished_years(cal: WorkCalendar) -> None:
    assert not cal.estimated_in(d(12, 1), d(12, 31))
    assert cal.estimated_in(d(12, 30), date(2027, 1, 1))
    assert WorkCalendar().estimated_in(d(3, 2), d(3, 2))


def test_an_empty_calendar_uses_the_weekday_rule_and_never_raises() -> None:
    empty = WorkCalendar()
    assert empty.add_working_days(date(2040, 2, 10), 5) == date(2040, 2, 17)
    assert empty.day(date(2040, 2, 11)).kind is DayKind.WEEKEND
    assert empty.official_years == frozenset()


# --- Deadlines ---------------------------------------------------------------------------------


def test_deadline_before_the_spring_festival(cal: WorkCalendar) -> None:
    deadline = promise_due(at(2, 12, 16, 45), TimeLimit(5, WD), cal)
    assert deadline.due == due(2, 26)
    assert not deadline.estimated
    assert deadline.working_days_suspended == 0


def test_deadline_before_national_day(cal: WorkCalendar) -> None:
    # Fri Sep 18: 20 Sun (make-up), 21-24, [25-27 中秋], 28-30, [Oct 1-7], 8, 9, 10 Sat (make-up).
    assert promise_due(at(9, 18), TimeLimit(10, WD), cal).due == due(10, 9)
    assert promise_due(at(9, 18), TimeLimit(11, WD), cal).due == due(10, 10)
    assert promise_due(at(9, 18), TimeLimit(12, WD), cal).due == due(10, 12)
    assert promise_due(at(9, 30), TimeLimit(3, WD), cal).due == due(10, 10)


@pytest.mark.parametrize(
    ("accepted", "expected"),
    [
        # Dec 16-18 (3), 21-25 (8), 28-31 (12), [Jan 1 元旦], Jan 4-8 (17), 11, 12, 13 (20).
        (at(12, 15), due(1, 13, 2027)),
        # Dec 29-31 (3), [Jan 1], Jan 4-8 (8), 11-15 (13), 18-22 (18), 25, 26 (20).
        (at(12, 28), due(1, 26, 2027)),
    ],
)
def test_deadline_into_an_unpublished_year_is_estimated(
    cal: WorkCalendar, accepted: datetime, expected: datetime
) -> None:
    deadline = promise_due(accepted, TimeLimit(20, WD), cal)
    assert deadline.due == expected
    assert deadline.estimated


def test_deadline_inside_a_published_year_is_not_estimated(cal: WorkCalendar) -> None:
    deadline = promise_due(at(12, 1), TimeLimit(5, WD), cal)
    assert deadline.due == due(12, 8)
    assert not deadline.estimated


@pytest.mark.parametrize(
    ("accepted", "days", "expected"),
    [
        (at(9, 24), 7, due(10, 8)),  # lands on Oct 1 National Day -> Thu Oct 8
        (at(2, 6), 10, due(2, 24)),  # lands on Feb 16 除夕 -> Tue Feb 24
        (at(3, 2), 5, due(3, 9)),  # lands on Sat Mar 7 -> Mon Mar 9
        (at(2, 18), 10, due(2, 28)),  # lands on Sat Feb 28, a make-up workday: stays
        (at(3, 2), 10, due(3, 12)),  # lands on a workday
    ],
)
def test_natural_day_limit_rolls_forward_off_closed_days(
    cal: WorkCalendar, accepted: datetime, days: int, expected: datetime
) -> None:
    deadline = promise_due(accepted, TimeLimit(days, ND), cal)
    assert deadline.due == expected
    assert not deadline.estimated


def test_natural_day_limit_rolling_into_an_unpublished_year_is_estimated(cal: WorkCalendar) -> None:
    # Dec 20 + 12 = Jan 1 2027 (元旦, estimated) -> Sat, Sun -> Mon Jan 4.
    deadline = promise_due(at(12, 20), TimeLimit(12, ND), cal)
    assert deadline.due == due(1, 4, 2027)
    assert deadline.estimated


def test_suspension_adds_its_working_days_back(cal: WorkCalendar) -> None:
    # Mon Mar 2 + 5 = Mon Mar 9; suspended Tue 10:00 to Thu 16:00 stops Mar 4 and 5.
    deadline = promise_due(at(3, 2, 9), TimeLimit(5, WD), cal, [(at(3, 3, 10), at(3, 5, 16))])
    assert deadline.due == due(3, 11)
    assert (deadline.working_days_suspended, deadline.natural_days_suspended) == (2, 2)


def test_suspension_over_a_weekend_adds_only_working_days(cal: WorkCalendar) -> None:
    # Fri Mar 6 to Mon Mar 9: Sat, Sun, Mon -> 1 working day.
    deadline = promise_due(at(3, 2, 9), TimeLimit(5, WD), cal, [(at(3, 6, 15), at(3, 9, 11))])
    assert deadline.due == due(3, 10)
    assert (deadline.working_days_suspended, deadline.natural_days_suspended) == (1, 3)


def test_suspension_across_the_spring_festival(cal: WorkCalendar) -> None:
    # Mon Feb 2 + 10 = Sat Feb 14 (make-up). Suspended Feb 10 to Feb 25: 11, 12, 13, 14, 24, 25.
    assert promise_due(at(2, 2), TimeLimit(10, WD), cal).due == due(2, 14)
    deadline = promise_due(at(2, 2), TimeLimit(10, WD), cal, [(at(2, 10), at(2, 25))])
    assert deadline.working_days_suspended == 6
    # Feb 14 + 6: 24, 25, 26, 27, 28 (make-up), Mar 2.
    assert deadline.due == due(3, 2)


def test_overlapping_suspensions_count_each_day_once(cal: WorkCalendar) -> None:
    periods = [(at(3, 3), at(3, 5)), (at(3, 4), at(3, 6))]
    deadline = promise_due(at(3, 2, 9), TimeLimit(5, WD), cal, periods)
    assert deadline.working_days_suspended == 3  # Mar 4, 5, 6
    assert deadline.due == due(3, 12)


def test_open_suspension_runs_to_now(cal: WorkCalendar) -> None:
    deadline = promise_due(at(3, 2, 9), TimeLimit(5, WD), cal, [(at(3, 3), None)], now=at(3, 6, 9))
    assert deadline.working_days_suspended == 3
    assert deadline.due == due(3, 12)
    with pytest.raises(CalendarError) as caught:
        promise_due(at(3, 2, 9), TimeLimit(5, WD), cal, [(at(3, 3), None)])
    assert caught.value.code == "CALENDAR_NOW_REQUIRED"


def test_suspension_of_a_natural_day_limit_adds_natural_days(cal: WorkCalendar) -> None:
    # Mar 2 + 10 = Thu Mar 12, + 2 suspended = Sat Mar 14 -> Mon Mar 16.
    deadline = promise_due(at(3, 2), TimeLimit(10, ND), cal, [(at(3, 3), at(3, 5))])
    assert deadline.natural_days_suspended == 2
    assert deadline.due == due(3, 16)


def test_override_closure_moves_the_deadline(cal: WorkCalendar) -> None:
    typhoon = CalendarDay(d(9, 15), DayKind.HOLIDAY, "台风停止办公", DaySource.OFFICIAL)
    closed = cal.with_override(typhoon)
    assert closed.day(d(9, 15)).source is DaySource.OVERRIDE
    assert cal.is_working_day(d(9, 15))  # the original calendar is unchanged
    assert promise_due(at(9, 14), TimeLimit(3, WD), cal).due == due(9, 17)
    assert promise_due(at(9, 14), TimeLimit(3, WD), closed).due == due(9, 18)


def test_override_wins_over_seed_entries_in_any_order() -> None:
    override = CalendarDay(d(2, 23), DayKind.WORKDAY, "", DaySource.OVERRIDE)
    seeded = CalendarDay(d(2, 23), DayKind.HOLIDAY, "春节")
    assert WorkCalendar([override, seeded]).is_working_day(d(2, 23))
    assert WorkCalendar([seeded, override]).is_working_day(d(2, 23))


def test_override_in_an_unpublished_year_is_not_estimated(cal: WorkCalendar) -> None:
    closure = CalendarDay(date(2027, 3, 3), DayKind.HOLIDAY, "停电停止办公", DaySource.OVERRIDE)
    assert not cal.with_override(closure).estimated_in(date(2027, 3, 3), date(2027, 3, 3))


def test_immediate_case_is_due_the_same_day(cal: WorkCalendar) -> None:
    for unit in LimitUnit:
        deadline = promise_due(at(2, 12, 11), TimeLimit(0, unit), cal)
        assert deadline.due == due(2, 12)
        assert not deadline.estimated
    # Even on a closed day or in an unpublished year.
    assert promise_due(at(2, 15), TimeLimit(0), cal).due == due(2, 15)
    assert not promise_due(at(3, 3, year=2027), TimeLimit(0), cal).estimated
    assert str(TimeLimit(0)) == "即办"
    assert str(TimeLimit(5)) == "5工作日"


def test_count_start_day_in_deadlines(cal: WorkCalendar) -> None:
    assert promise_due(at(2, 12), TimeLimit(5, WD), cal, count_start_day=True).due == due(2, 25)
    # Mar 2 counts as day 1 of 5 natural days: Fri Mar 6.
    assert promise_due(at(3, 2), TimeLimit(5, ND), cal, count_start_day=True).due == due(3, 6)


def test_close_time_is_configurable(cal: WorkCalendar) -> None:
    deadline = promise_due(at(2, 12), TimeLimit(5, WD), cal, close_time=time(17, 30))
    assert deadline.due == datetime(2026, 2, 26, 17, 30)


def test_aware_times_are_read_in_the_halls_zone(cal: WorkCalendar) -> None:
    beijing = timezone(timedelta(hours=8))
    accepted = datetime(2026, 3, 2, 9, tzinfo=beijing)
    # Fri 17:00 UTC is Sat 01:00 in the hall; Mon 20:00 UTC is Tue 04:00: Mar 9 and 10 are stopped.
    period = (
        datetime(2026, 3, 6, 17, tzinfo=UTC),
        datetime(2026, 3, 9, 20, tzinfo=UTC),
    )
    deadline = promise_due(accepted, TimeLimit(5, WD), cal, [period])
    assert deadline.working_days_suspended == 2
    assert deadline.due == datetime(2026, 3, 11, 23, 59, 59, tzinfo=beijing)
    with pytest.raises(CalendarError) as caught:
        promise_due(accepted, TimeLimit(5, WD), cal, [(at(3, 3), at(3, 4))])
    assert caught.value.code == "CALENDAR_BAD_TIME"


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, True, 2.5])
def test_bad_limit_is_refused(cal: WorkCalendar, value: object) -> None:
    with pytest.raises(CalendarError) as caught:
        TimeLimit(value, WD)  # type: ignore[arg-type]
    assert caught.value.code == "CALENDAR_BAD_LIMIT"
    with pytest.raises(CalendarError, match="CALENDAR_BAD_LIMIT"):
        cal.add_working_days(d(3, 2), -1)


@pytest.mark.parametrize(
    "period",
    [
        (at(3, 5), at(3, 3)),  # ends before it starts
        (at(3, 1), at(3, 3)),  # starts before acceptance
    ],
)
def test_bad_suspension_is_refused(cal: WorkCalendar, period: tuple[datetime, datetime]) -> None:
    with pytest.raises(CalendarError) as caught:
        promise_due(at(3, 2), TimeLimit(5, WD), cal, [period])
    assert caught.value.code == "CALENDAR_BAD_SUSPENSION"
    assert isinstance(caught.value, DomainError)
    assert "CALENDAR_BAD_SUSPENSION" in str(caught.value)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (d(3, 2), DayKind.WEEKEND),  # a Monday
        (d(3, 2), DayKind.MAKEUP_WORKDAY),
        (d(3, 7), DayKind.WORKDAY),  # a Saturday
    ],
)
def test_inconsistent_day_is_refused(day: date, kind: DayKind) -> None:
    with pytest.raises(CalendarError) as caught:
        CalendarDay(day, kind)
    assert caught.value.code == "CALENDAR_BAD_DAY"


def test_a_calendar_without_working_days_is_an_error_not_a_hang() -> None:
    closed = WorkCalendar(CalendarDay(x, DayKind.HOLIDAY) for x in span(d(1, 1), date(2027, 12, 31)))
    with pytest.raises(CalendarError) as caught:
        closed.add_working_days(d(1, 1), 1)
    assert caught.value.code == "CALENDAR_NO_WORKING_DAY"
