"""The hall calendar as a JSON document: what the server publishes and a window reads.

``{"format": 1, "version": n, "official_years": [...], "days": [{"date", "kind", "name",
"source"}, ...]}``: the days that differ from the Monday-to-Friday rule. The server builds it
with :func:`day_entry` and checks it with :func:`calendar_from_document` before publishing; a
window checks each download with the same function before keeping it, so a document one side
accepts is one the other can use.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from counter_app.domain.calendar import CalendarDay, CalendarError, DayKind, DaySource, WorkCalendar

CALENDAR_FORMAT = 1


class CalendarDocumentError(CalendarError):
    """A calendar document that cannot be used as it is."""

    code = "CALENDAR_INVALID"


def day_entry(day: CalendarDay) -> dict[str, str]:
    """One listed day as it appears in the document."""
    return {
        "date": day.date.isoformat(),
        "kind": day.kind.value,
        "name": day.name,
        "source": day.source.value,
    }


def calendar_from_document(document: Any) -> WorkCalendar:
    """The calendar in ``document``; CalendarDocumentError naming the first problem found.

    Every field is checked here, so a calendar accepted once can be read at every intake
    without failing.
    """
    if not isinstance(document, dict):
        raise CalendarDocumentError("日历必须是 JSON 对象")
    if document.get("format") != CALENDAR_FORMAT:
        raise CalendarDocumentError(f"日历格式 {document.get('format')!r} 不受支持（应为 {CALENDAR_FORMAT}）")
    years = document.get("official_years", [])
    if not isinstance(years, list) or not all(type(y) is int and 1900 <= y <= 9999 for y in years):
        raise CalendarDocumentError("日历的 official_years 应为年份列表")
    days = document.get("days")
    if not isinstance(days, list):
        raise CalendarDocumentError("日历缺少 days 列表")
    entries: list[CalendarDay] = []
    seen: set[str] = set()
    for index, entry in enumerate(days):
        day = _day(index, entry)
        if day.date.isoformat() in seen:
            raise CalendarDocumentError(f"日历第 {index + 1} 项：日期 {day.date.isoformat()} 重复")
        seen.add(day.date.isoformat())
        entries.append(day)
    return WorkCalendar(entries, years)


def _day(index: int, entry: Any) -> CalendarDay:
    where = f"日历第 {index + 1} 项"
    if not isinstance(entry, dict):
        raise CalendarDocumentError(f"{where}不是对象")
    try:
        day = date.fromisoformat(entry["date"])
        kind = DayKind(entry["kind"])
        source = DaySource(entry["source"])
        name = entry.get("name", "")
    except (KeyError, TypeError, ValueError) as exc:
        raise CalendarDocumentError(f"{where}的日期、类型或来源无效：{exc}") from exc
    if not isinstance(name, str) or len(name) > 100:
        raise CalendarDocumentError(f"{where}的说明无效")
    try:
        return CalendarDay(day, kind, name, source)
    except CalendarError as exc:
        raise CalendarDocumentError(f"{where}：{exc.message}") from exc
